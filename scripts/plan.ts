/**
 * npm run plan -- <stack> [--config-file <path>] [--out <dir>]
 *
 * Plans a stack offline (see scripts/lib/plan.ts) and writes plan.json, manifests/, airgap.json and
 * graph.mmd. Exit codes: 0 ok; 1 mandatory policy violations; 2 invalid config or usage.
 */
import * as fs from "fs";
import * as path from "path";
import { Plan, ROOT, UsageError, runProgram } from "./lib/plan";
import { writePlanOutputs, summarize } from "./lib/outputs";

interface Args {
    stack: string;
    configFile?: string;
    out?: string;
}

const USAGE = "usage: npm run plan -- <stack> [--config-file <path>] [--out <dir>]";

function parseArgs(argv: string[]): Args {
    const rest: string[] = [];
    const args: Partial<Args> = {};
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--config-file" || a === "--out") {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new UsageError(`${a} needs a value\n${USAGE}`);
            if (a === "--config-file") args.configFile = path.resolve(v);
            else args.out = path.resolve(v);
        } else if (a === "-h" || a === "--help") {
            console.log(USAGE);
            process.exit(0);
        } else if (a.startsWith("-")) {
            throw new UsageError(`unknown option ${a}\n${USAGE}`);
        } else {
            rest.push(a);
        }
    }
    if (rest.length !== 1) throw new UsageError(USAGE);
    if (!/^[A-Za-z0-9_.-]+$/.test(rest[0])) throw new UsageError(`invalid stack name ${rest[0]}`);
    return { ...args, stack: rest[0] };
}

async function main(): Promise<number> {
    const args = parseArgs(process.argv.slice(2));
    const configFile = args.configFile ?? path.join(ROOT, `Pulumi.${args.stack}.yaml`);
    if (!fs.existsSync(configFile)) throw new UsageError(`no config file ${path.relative(process.cwd(), configFile)} for stack ${args.stack}`);
    const started = Date.now();
    const plan: Plan = await runProgram({ stack: args.stack, configFile });
    const out = args.out ?? path.join(ROOT, "out", args.stack);
    const result = writePlanOutputs(plan, out);
    console.log(summarize(plan, result, Date.now() - started, out));
    return result.mandatoryViolations > 0 ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (err: Error) => {
        // Bad input is the user's to fix: say what and where, never a stack trace.
        if (err.name === "ConfigError" || err instanceof UsageError) {
            console.error(`error: ${err.message}`);
            process.exit(2);
        }
        console.error(err.stack ?? String(err));
        process.exit(3);
    },
);
