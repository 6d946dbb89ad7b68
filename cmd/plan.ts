/**
 * npm run plan -- <stack> [--config-file <path>] [--out <dir>] [--charts <dir>]
 *
 * Plans a stack offline and writes plan.json, manifests/, rendered/, airgap.json and graph.mmd under
 * out/<stack>/ (planner/plan-stack.ts). Exit codes
 * (planner/README.md): 0 ok; 1 mandatory policy violations; 2 invalid config, usage or chart archive;
 * 3 internal error.
 *
 * Before the command loads the SDKs (about half a second), the Helm renders the stack's last plan
 * needed start on the other core (planner/render/helm-runs.ts); the plan uses them only where its own
 * input is identical. So this module imports nothing heavy and loads the planner afterwards.
 */
import type * as PlanStack from "../planner/plan-stack";
import { configFileOf, parseStackArgs, pathOption } from "../planner/cli/args";
import { EXIT, command, startWhenMain } from "../planner/cli/exit";
import { aheadKey, startAhead } from "../planner/render/helm-runs";
import { ROOT } from "../planner/root";

export const USAGE = "usage: npm run plan -- <stack> [--config-file <path>] [--out <dir>] [--charts <dir>]";
const HELP = `${USAGE}

Plans <stack> offline (mock runtime: no Pulumi CLI, cloud or cluster) from Pulumi.<stack>.yaml or
--config-file, and writes plan.json, manifests/, airgap.json and graph.mmd to --out (default
out/<stack>; only a new or empty directory, or one an earlier plan wrote). Exit 0 ok, 1 mandatory
policy violations, 2 invalid config, usage or chart archive, 3 internal error (a bug).`;

/** The plan command's arguments (paths resolved against the working directory), or "help". */
export function planArgs(argv: string[]): PlanStack.PlanArgs | "help" {
    const p = parseStackArgs(argv, USAGE, ["--config-file", "--out", "--charts"]);
    if (p === "help") return p;
    return { stack: p.stack, configFile: pathOption(p.values, "--config-file"), out: p.values["--out"], charts: pathOption(p.values, "--charts") };
}

export const run = command(async (argv, io) => {
    const args = planArgs(argv);
    if (args === "help") {
        io.out(HELP);
        return EXIT.ok;
    }
    const { planToDir } = require("../planner/plan-stack") as typeof PlanStack;
    return planToDir(args, io);
});

/** Start the renders the last plan with the same stack file and chart directory needed; bad arguments start none (the command reports them). */
export function startRendersAhead(argv: string[]): void {
    try {
        const args = planArgs(argv);
        if (args !== "help") startAhead(ROOT, aheadKey(configFileOf(ROOT, args.stack, args.configFile), args.charts));
    } catch {
        // The command itself reports bad usage.
    }
}

if (require.main === module) {
    startRendersAhead(process.argv.slice(2));
    (require("../planner/program/stack-traces") as typeof import("../planner/program/stack-traces")).shortStackTraces();
}
startWhenMain(module, run);
