/**
 * npm run ha:config -- <stack> [--spilo <repository:tag>]
 *
 * Prints, as JSON, what Spilo/Patroni and PgBouncer run for a stack's Postgres
 * (`effectivePatroniConfig`): the failover drill (`npm run test:ha`) reads nothing else. `--spilo`
 * asks for the same stack with another Spilo image (the drill's old-Patroni check).
 * Exit codes: 0 ok; 2 bad usage, an unreadable or invalid stack file, or an unknown Spilo image.
 */
import * as path from "path";
import { decodeStackValues, parseSchema } from "../components/config";
import { effectivePatroniConfig } from "../components/data/patroni";
import { Io, consoleIo } from "../planner/cli/io";
import { ROOT, readStackFile } from "../planner/program/runtime";

export const USAGE = "usage: npm run ha:config -- <stack> [--spilo <repository:tag>]";

/** The stack's `kubechat:*` settings with defaults (schema only: these settings need none of the cross-stack checks). */
export function stackConfig(stack: string) {
    const { config } = readStackFile(path.join(ROOT, `Pulumi.${stack}.yaml`));
    return parseSchema(decodeStackValues(config).raw);
}

/** The stack's `kubechat:postgres` with defaults. */
export function stackPostgres(stack: string) {
    return stackConfig(stack).postgres;
}

export function run(argv: string[], io: Io = consoleIo): number {
    let stack: string | undefined;
    let spiloRef: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "-h" || a === "--help") {
            io.out(`${USAGE}\n\nPrints the stack's effective Patroni, Postgres and PgBouncer settings as JSON.`);
            return 0;
        } else if (a === "--spilo") {
            spiloRef = argv[++i];
            if (!spiloRef || !/\/[^/:]+:[^/:]+$/.test(spiloRef)) return usage(io, "--spilo needs <repository:tag>");
        } else if (a.startsWith("-")) return usage(io, `unknown option ${a}`);
        else if (stack === undefined) stack = a;
        else return usage(io, `unexpected argument ${a}`);
    }
    if (!stack) return usage(io, "a stack is required");
    try {
        const at = spiloRef?.lastIndexOf(":") ?? -1;
        const spilo = spiloRef === undefined ? undefined : { repository: spiloRef.slice(0, at), tag: spiloRef.slice(at + 1) };
        io.out(JSON.stringify(effectivePatroniConfig(stackPostgres(stack), spilo), null, 2));
        return 0;
    } catch (e) {
        io.err(`error: ${e instanceof Error ? e.message : String(e)}`);
        return 2;
    }
}

function usage(io: Io, message: string): number {
    io.err(`error: ${message}\n${USAGE}`);
    return 2;
}

if (require.main === module) process.exit(run(process.argv.slice(2)));
