/**
 * npm run plan -- <stack> [--config-file <path>] [--out <dir>] [--charts <dir>]
 *
 * Plans a stack offline and writes plan.json, manifests/, airgap.json and graph.mmd under
 * out/<stack>/ (see README.md). Exit codes: 0 ok; 1 mandatory policy violations; 2 invalid
 * config, usage or chart archive; 3 internal error.
 *
 * Before the command loads the SDKs (about half a second), the Helm renders the stack's last plan
 * needed start on the other core (planner/render/helm-runs.ts); the plan uses them only where its own
 * input is identical. So this module imports nothing heavy and loads the command itself afterwards.
 */
import type * as Cli from "../planner/plan-stack";
import { PLAN_USAGE, configFileOf, parsePlanArgs } from "../planner/cli/args";
import { aheadKey, startAhead } from "../planner/render/helm-runs";
import { ROOT } from "../planner/root";
import { consoleIo } from "../planner/cli/io";

export const USAGE = PLAN_USAGE;

const cli = (): typeof Cli => require("../planner/plan-stack");

export const run: typeof Cli.planCli = (argv, io) => cli().planCli(argv, io);

/** Start the renders the last plan with the same stack file and chart directory needed; bad arguments start none (the command reports them). */
export function startRendersAhead(argv: string[]): void {
    try {
        const args = parsePlanArgs(argv);
        if (args !== "help") startAhead(ROOT, aheadKey(configFileOf(ROOT, args.stack, args.configFile), args.charts));
    } catch {
        // The command itself reports bad usage.
    }
}

if (require.main === module) {
    startRendersAhead(process.argv.slice(2));
    (require("../planner/program/runtime") as typeof import("../planner/program/runtime")).shortStackTraces();
    run(process.argv.slice(2), consoleIo).then((code) => process.exit(code));
}
