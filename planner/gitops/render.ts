/**
 * GitOps mode (`npm run gitops:render`): the stack's app layer — exactly the objects the plan shows
 * Argo CD syncing (its gitops/ directory: same files, same content) — written into a directory of a Git
 * working tree. The policy pack runs first; on a mandatory violation nothing is written. The directory
 * is cleared only when this command created it (a marker file), like the plan's --out.
 */
import { UsageError } from "../cli/args";
import { EXIT } from "../cli/exit";
import { Io } from "../cli/io";
import { SECRET, UNKNOWN } from "../model";
import { runProgram } from "../program/runtime";
import { stackConfigFile } from "../program/stack-file";
import { OutputFiles } from "../output/files";
import { writeManifests } from "../output/plan-files";
import { OutDirOwner, outDirProblem, prepareOutDir } from "../output/outdir";
import { checkPlan } from "../checks/policy-run";

export const GITOPS_OUT: OutDirOwner = { command: "npm run gitops:render", marker: ".kubechat-gitops" };

/** Strings that must never reach a Git repository: a secret or a value known only after apply. */
function unrenderable(v: unknown, where: string, out: string[]): void {
    if (v === SECRET || v === UNKNOWN) out.push(`${where}: ${v}`);
    else if (Array.isArray(v)) v.forEach((x, i) => unrenderable(x, `${where}[${i}]`, out));
    else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) unrenderable(x, `${where}.${k}`, out);
}

/** Write the stack's app layer into `out`; 1 (nothing written) on a mandatory policy violation. */
export async function renderGitops(args: { stack: string; out: string; configFile?: string }, io: Io): Promise<number> {
    const configFile = stackConfigFile(args.stack, args.configFile);
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
        return EXIT.findings;
    }
    prepareOutDir(args.out, GITOPS_OUT);
    const files = new OutputFiles(args.out, [GITOPS_OUT.marker]);
    const n = writeManifests(args.out, plan.gitops, files);
    files.finish();
    io.out(`${verdict.summary}\nWrote ${n} app-layer objects of ${plan.project}/${plan.stack} to ${args.out} — review, commit and push; Argo CD syncs ${plan.config.gitops.repoURL} ${plan.config.gitops.targetRevision}:${plan.config.gitops.path}`);
    return EXIT.ok;
}
