/**
 * Command-line arguments of the stack commands (plan, airgap, charts:unused, gitops): the usage error
 * and the `<stack> [--option value]...` parser they share. Loads nothing but `path`, so a command can
 * read its arguments before it loads the SDKs.
 */
import * as path from "path";

/** Bad usage or unreadable input: the CLI exits 2 with this message and no stack trace. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/**
 * `<stack> [--option value]...` with the given value-taking options (plus -h/--help): the stack and
 * each option's value, or "help". Bad usage throws UsageError naming the problem and the usage line.
 */
export function parseStackArgs(argv: string[], usage: string, options: string[]): { stack: string; values: Record<string, string> } | "help" {
    const rest: string[] = [];
    const values: Record<string, string> = {};
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (options.includes(a)) {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new UsageError(`${a} needs a value\n${usage}`);
            // An empty value ('' from an unset shell variable) would silently mean the default.
            if (v.trim() === "") throw new UsageError(`${a}: empty value\n${usage}`);
            values[a] = v;
        } else if (a === "-h" || a === "--help") {
            return "help";
        } else if (a.startsWith("-")) {
            throw new UsageError(`unknown option ${a}\n${usage}`);
        } else {
            rest.push(a);
        }
    }
    if (rest.length !== 1) throw new UsageError(usage);
    if (!/^[A-Za-z0-9_.-]+$/.test(rest[0])) throw new UsageError(`invalid stack name ${rest[0]}`);
    return { stack: rest[0], values };
}

export const PLAN_USAGE = "usage: npm run plan -- <stack> [--config-file <path>] [--out <dir>] [--charts <dir>]";

export interface PlanArgs {
    stack: string;
    configFile?: string;
    out?: string;
    /** Directory of `<chart>-<version>.tgz` archives to render from. */
    charts?: string;
}

/** The plan command's arguments (paths resolved against the working directory). */
export function parsePlanArgs(argv: string[]): PlanArgs | "help" {
    const p = parseStackArgs(argv, PLAN_USAGE, ["--config-file", "--out", "--charts"]);
    if (p === "help") return p;
    const v = p.values;
    return {
        stack: p.stack,
        ...(v["--config-file"] ? { configFile: path.resolve(v["--config-file"]) } : {}),
        ...(v["--out"] ? { out: v["--out"] } : {}),
        ...(v["--charts"] ? { charts: path.resolve(v["--charts"]) } : {}),
    };
}

/** The stack's config file: the one given, or Pulumi.<stack>.yaml at the project root. */
export function configFileOf(root: string, stack: string, given?: string): string {
    return given ?? path.join(root, `Pulumi.${stack}.yaml`);
}
