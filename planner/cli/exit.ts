/**
 * The exit codes of every command in cmd/, and the one place an error becomes one. The table is
 * written out in planner/README.md ("Exit codes"); a test keeps the two equal.
 */
import { UsageError } from "./args";
import { Io, consoleIo } from "./io";

export const EXIT = {
    /** The command did its work and found nothing to report. */
    ok: 0,
    /** The command did its work and found what it looks for: mandatory policy violations, peer findings the pack misses, chart values a chart ignores, an archive that fails its checks. */
    findings: 1,
    /** The command cannot do its work with what it was given: bad usage, invalid stack config, an unreadable or wrong input file or chart archive, a missing tool. The message names it; no stack trace. */
    badInput: 2,
    /** A bug: anything else thrown. The stack trace is printed. */
    internal: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** True for errors the user fixes: a UsageError, or the config loader's ConfigError (matched by name: this module loads no program code). */
export function isBadInput(e: unknown): e is Error {
    return e instanceof UsageError || (e instanceof Error && e.name === "ConfigError");
}

/** Report an error thrown by a command: bad input as `error: <message>` (exit 2), anything else with its stack (exit 3). */
export function reportError(e: unknown, io: Io): number {
    if (isBadInput(e)) {
        io.err(`error: ${e.message}`);
        return EXIT.badInput;
    }
    io.err(e instanceof Error ? e.stack ?? String(e) : String(e));
    return EXIT.internal;
}

export type Command = (argv: string[], io: Io) => number | Promise<number>;

/** A command that reports what it throws through the exit-code table instead of throwing. */
export function command(run: Command): (argv: string[], io?: Io) => Promise<number> {
    return async (argv, io = consoleIo) => {
        try {
            return await run(argv, io);
        } catch (e) {
            return reportError(e, io);
        }
    };
}

/** Run `run` with the process's arguments when `mod` is the started module, and exit with its code. */
export function startWhenMain(mod: NodeModule, run: (argv: string[], io?: Io) => Promise<number>): void {
    if (require.main === mod) run(process.argv.slice(2)).then((code) => process.exit(code));
}
