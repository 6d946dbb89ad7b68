/**
 * npm run policy -- check <file-or-dir>... [--profile <name>] [--exceptions <file>] [--json]
 *
 * The CrossGuard pack's rules on plain Kubernetes YAML (planner/checks/manifests.ts). --exceptions
 * applies accepted chart violations (policies/chart-exceptions.yaml) as the plan does.
 * Exit codes (planner/README.md): 0 no mandatory violation; 1 mandatory violations; 2 bad usage or
 * unreadable input.
 */
import { profiles } from "../policies/runner";
import { UsageError, parseArgs } from "../planner/cli/args";
import { EXIT, command, startWhenMain } from "../planner/cli/exit";
import { checkManifests, formatText } from "../planner/checks/manifests";

export const USAGE = "usage: npm run policy -- check <file-or-dir>... [--profile <name>] [--exceptions <file>] [--json]";

export interface CheckArgs { paths: string[]; profile?: string; exceptions?: string; json: boolean }

/** The arguments of `check`, or "help". */
export function checkArgs(argv: string[]): CheckArgs | "help" {
    const p = parseArgs(argv, { usage: USAGE, values: ["--profile", "--exceptions"], flags: ["--json"], positionals: { min: 0, max: Infinity } });
    if (p === "help") return p;
    const [sub, ...paths] = p.positionals;
    if (sub !== "check") throw new UsageError(sub === undefined ? USAGE : `unknown command "${sub}"\n${USAGE}`);
    if (paths.length === 0) throw new UsageError(`no file or directory given\n${USAGE}`);
    const profile = p.values["--profile"];
    if (profile !== undefined && !profiles.includes(profile)) throw new UsageError(`unknown profile "${profile}" (one of ${profiles.join(", ")})`);
    return { paths, profile, exceptions: p.values["--exceptions"], json: p.flags.has("--json") };
}

export const run = command((argv, io) => {
    const args = checkArgs(argv);
    if (args === "help") {
        io.out(`${USAGE}\n\nChecks Kubernetes YAML files (or directories of them) against the policy pack's rules.\nProfiles: ${profiles.join(", ")}. Exit 0 no mandatory violation, 1 violations, 2 bad usage or input.`);
        return EXIT.ok;
    }
    const r = checkManifests(args.paths, { profile: args.profile, exceptionsFile: args.exceptions });
    if (args.json) {
        io.out(JSON.stringify(r.violations.map((v) => ({
            file: v.file ?? null, kind: v.kind ?? null, name: v.name, policy: v.policy, profile: v.profile, level: v.level, message: v.message,
        })), null, 2));
    } else {
        io.out(formatText(r.violations, r.files, r.objects) + (r.accepted === undefined ? "" : ` (${r.accepted} accepted by ${args.exceptions})`));
    }
    return r.violations.some((v) => v.level === "mandatory") ? EXIT.findings : EXIT.ok;
});

startWhenMain(module, run);
