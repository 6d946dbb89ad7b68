/**
 * npm run gitops:render -- <stack> --out <repo-path> [--config-file <path>]
 *
 * GitOps mode: writes the stack's app layer — exactly the objects `plan` shows Argo CD syncing (its
 * gitops/ directory: same files, same content) — into a directory of a Git working tree, for you to
 * review, commit and push. The policy pack runs first; on a mandatory violation nothing is written.
 * The directory is cleared only when this command created it (a marker file), like plan's --out.
 * Exit codes: 0 written; 1 mandatory policy violations (nothing written); 2 invalid config or usage.
 */
import * as path from "path";
import { UsageError, runProgram } from "../planner/program/runtime";
import { OutputFiles } from "../planner/output/files";
import { writeManifests } from "../planner/output/plan-files";
import { OutDirOwner, outDirProblem, prepareOutDir } from "../planner/output/outdir";
import { checkPlan } from "../planner/checks/policy-run";
import { consoleIo } from "../planner/cli/io";
import { Io, reportError, stackConfigFile } from "../planner/plan-stack";
import { parseStackArgs } from "../planner/cli/args";

export const USAGE = "usage: npm run gitops:render -- <stack> --out <repo-path> [--config-file <path>]";
export const GITOPS_OUT: OutDirOwner = { command: "npm run gitops:render", marker: ".kubechat-gitops" };

/** Strings that must never reach a Git repository: a secret or a value known only after apply. */
function unrenderable(v: unknown, where: string, out: string[]): void {
    if (v === "[secret]" || v === "(known after apply)") out.push(`${where}: ${v}`);
    else if (Array.isArray(v)) v.forEach((x, i) => unrenderable(x, `${where}[${i}]`, out));
    else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) unrenderable(x, `${where}.${k}`, out);
}

export async function run(argv: string[], io: Io = consoleIo): Promise<number> {
    try {
        const parsed = parseStackArgs(argv, USAGE, ["--out", "--config-file"]);
        if (parsed === "help") {
            io.out(USAGE);
            return 0;
        }
        const out = parsed.values["--out"];
        if (!out) throw new UsageError(`--out <repo-path> is required\n${USAGE}`);
        const args = { stack: parsed.stack, out };
        const given = parsed.values["--config-file"];
        const configFile = stackConfigFile(args.stack, given ? path.resolve(given) : undefined);
        const problem = outDirProblem(args.out, process.cwd(), GITOPS_OUT);
        if (problem) throw new UsageError(problem);
        const plan = await runProgram({ stack: args.stack, configFile });
        if (!plan.config.gitops.enabled) {
            throw new UsageError(`kubechat:gitops.enabled is off for stack ${args.stack}: Pulumi owns its app layer (set gitops.enabled, repoURL and path first; see docs/gitops.md)`);
        }
        const bad: string[] = [];
        for (const m of plan.gitops) unrenderable(m.object, `${m.object.kind} ${m.object.metadata?.name}`, bad);
        if (bad.length > 0) throw new UsageError(`refusing to write values that are secret or unknown until apply:\n  ${bad.join("\n  ")}`);
        const verdict = checkPlan(plan);
        const mandatory = verdict.violations.filter((v) => v.level === "mandatory");
        if (mandatory.length > 0) {
            io.err([verdict.summary, ...mandatory.map((v) => `    [${v.level}] ${v.policy}: ${v.message}`), "nothing written"].join("\n"));
            return 1;
        }
        prepareOutDir(args.out, GITOPS_OUT);
        const files = new OutputFiles(args.out, [GITOPS_OUT.marker]);
        const n = writeManifests(args.out, plan.gitops, files);
        files.finish();
        io.out(`${verdict.summary}\nWrote ${n} app-layer objects of ${plan.project}/${plan.stack} to ${args.out} — review, commit and push; Argo CD syncs ${plan.config.gitops.repoURL} ${plan.config.gitops.targetRevision}:${plan.config.gitops.path}`);
        return 0;
    } catch (e) {
        return reportError(e, io);
    }
}

if (require.main === module) {
    run(process.argv.slice(2)).then((code) => process.exit(code));
}
