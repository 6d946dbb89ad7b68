/**
 * The one command-line parser and the one `UsageError` of every command in cmd/. Loads nothing but
 * `path`, so a command can read its arguments before it loads the SDKs.
 */
import * as path from "path";

/**
 * A problem the user fixes (bad usage, unreadable or invalid input, a missing tool): the command exits
 * 2 with this message and no stack trace (planner/cli/exit.ts).
 */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/** What a command accepts. */
export interface ArgSpec {
    /** The usage line, shown with every usage error. */
    usage: string;
    /** Options that take a value (`--out <dir>` or `--out=<dir>`). */
    values?: string[];
    /** Options that take none (`--json`). */
    flags?: string[];
    /** How many words that are not options the command takes (default: none). */
    positionals?: { min: number; max: number };
}

export interface ParsedArgs {
    positionals: string[];
    /** Each given value option's value (the last one wins when repeated). */
    values: Record<string, string>;
    flags: Set<string>;
}

/**
 * The arguments, or "help" for -h/--help anywhere. Bad usage throws UsageError naming the problem,
 * with the usage line.
 */
export function parseArgs(argv: string[], spec: ArgSpec): ParsedArgs | "help" {
    if (argv.includes("-h") || argv.includes("--help")) return "help";
    const values = spec.values ?? [];
    const flags = spec.flags ?? [];
    const out: ParsedArgs = { positionals: [], values: {}, flags: new Set() };
    const fail = (message: string): never => {
        throw new UsageError(`${message}\n${spec.usage}`);
    };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const eq = a.startsWith("--") ? a.indexOf("=") : -1;
        const name = eq > 0 ? a.slice(0, eq) : a;
        if (values.includes(name)) {
            const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
            if (v === undefined || (eq < 0 && v.startsWith("--"))) fail(`${name} needs a value`);
            // An empty value ('' from an unset shell variable) would silently mean the default.
            if (v.trim() === "") fail(`${name}: empty value`);
            out.values[name] = v;
        } else if (flags.includes(name) && eq < 0) {
            out.flags.add(name);
        } else if (a.startsWith("-") && a !== "-") {
            fail(`unknown option ${a}`);
        } else {
            if (a.trim() === "") fail("empty argument");
            out.positionals.push(a);
        }
    }
    const { min, max } = spec.positionals ?? { min: 0, max: 0 };
    if (out.positionals.length > max) fail(`unexpected argument ${out.positionals[max]}`);
    if (out.positionals.length < min) fail("missing argument");
    return out;
}

/** `<stack> [--option value]...`: the stack (a valid stack name) and each option's value, or "help". */
export function parseStackArgs(argv: string[], usage: string, options: string[], flags: string[] = []): { stack: string; values: Record<string, string>; flags: Set<string> } | "help" {
    const p = parseArgs(argv, { usage, values: options, flags, positionals: { min: 1, max: 1 } });
    if (p === "help") return p;
    const stack = p.positionals[0];
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new UsageError(`invalid stack name ${stack}`);
    return { stack, values: p.values, flags: p.flags };
}

/** An option's value as an absolute path (relative to the working directory), if given. */
export function pathOption(values: Record<string, string>, name: string): string | undefined {
    return values[name] === undefined ? undefined : path.resolve(values[name]);
}

/** The stack's config file: the one given, or Pulumi.<stack>.yaml at the project root. */
export function configFileOf(root: string, stack: string, given?: string): string {
    return given ?? path.join(root, `Pulumi.${stack}.yaml`);
}
