/**
 * npm run ha:config -- <stack> [--spilo <repository:tag>]
 *
 * Prints, as JSON, what Spilo/Patroni and PgBouncer run for a stack's Postgres
 * (`effectivePatroniConfig`): the failover drill (`npm run test:ha`) reads nothing else. `--spilo`
 * asks for the same stack with another Spilo image (the drill's old-Patroni check).
 * Exit codes (planner/README.md): 0 ok; 2 bad usage, an unreadable or invalid stack file, or an unknown Spilo image.
 */
import { effectivePatroniConfig } from "../components/data/patroni";
import { UsageError, parseArgs } from "../planner/cli/args";
import { EXIT, command, startWhenMain } from "../planner/cli/exit";
import { stackPostgres } from "../planner/program/stack-postgres";

export const USAGE = "usage: npm run ha:config -- <stack> [--spilo <repository:tag>]";

export const run = command((argv, io) => {
    const p = parseArgs(argv, { usage: USAGE, values: ["--spilo"], positionals: { min: 1, max: 1 } });
    if (p === "help") {
        io.out(`${USAGE}\n\nPrints the stack's effective Patroni, Postgres and PgBouncer settings as JSON.`);
        return EXIT.ok;
    }
    const spiloRef = p.values["--spilo"];
    if (spiloRef !== undefined && !/\/[^/:]+:[^/:]+$/.test(spiloRef)) throw new UsageError(`--spilo needs <repository:tag>\n${USAGE}`);
    const at = spiloRef?.lastIndexOf(":") ?? -1;
    const spilo = spiloRef === undefined ? undefined : { repository: spiloRef.slice(0, at), tag: spiloRef.slice(at + 1) };
    try {
        io.out(JSON.stringify(effectivePatroniConfig(stackPostgres(p.positionals[0]), spilo), null, 2));
    } catch (e) {
        // A stack file the schema rejects, or a Spilo image the catalog does not know: bad input.
        throw e instanceof UsageError ? e : new UsageError(e instanceof Error ? e.message : String(e));
    }
    return EXIT.ok;
});

startWhenMain(module, run);
