/**
 * The `plan` command as a function (argv in, exit code out), so tests run it in-process.
 * Exit codes: 0 ok; 1 mandatory policy violations; 2 invalid config or usage; 3 internal error.
 */
import * as fs from "fs";
import * as path from "path";
import { ROOT, runProgram } from "./plan";
import { PLAN_USAGE, UsageError, configFileOf, parsePlanArgs } from "./args";
import { outDirProblem } from "./outdir";
import { Rendering, summarize, writePlanOutputs } from "./outputs";
import { findChartSource } from "./charts";
import { renderPlan } from "./render";
import { aheadKey, rememberRuns } from "./helm-runs";
import { checkRendered } from "./chart-checks";
import { preloadSchemas } from "./schema";

export { Io, consoleIo } from "./io";
import { Io } from "./io";

export const USAGE = PLAN_USAGE;
/** Render every release from the first chart source found, and check what was rendered. */
export async function renderStack(plan: Awaited<ReturnType<typeof runProgram>>, charts?: string): Promise<Rendering> {
    const source = findChartSource(ROOT, { charts, chartRepository: plan.config.chartRepository });
    if (!source.dir) return { source };
    // While Helm renders, the schemas of what is already there load.
    const render = await renderPlan(plan, ROOT, source.dir, (r) => preloadSchemas(r.objects.map((o) => o.object)));
    return { source, render, checks: await checkRendered(plan, render, ROOT) };
}

/**
 * 1 when our own objects or the rendered chart objects break a mandatory policy (beyond the written
 * chart exceptions), when a chart fails to render from an archive that exists, or when an image is
 * pulled from outside kubechat:registry; otherwise 0. A missing archive only skips that release
 * (said in the summary).
 */
export function exitCode(ownMandatory: number, r?: Rendering): number {
    if (ownMandatory > 0) return 1;
    const c = r?.checks;
    if (!c) return 0;
    if (c.outsideRegistry.length > 0) return 1;
    if (c.violations.some((v) => v.level === "mandatory")) return 1;
    if (r.render!.releases.some((rel) => rel.error && !rel.error.startsWith("no archive"))) return 1;
    return 0;
}

export async function planCli(argv: string[], io: Io): Promise<number> {
    try {
        const args = parsePlanArgs(argv);
        if (args === "help") {
            io.out(`${USAGE}\n\nPlans <stack> offline (mock runtime: no Pulumi CLI, cloud or cluster) from Pulumi.<stack>.yaml or\n--config-file, and writes plan.json, manifests/, airgap.json and graph.mmd to --out (default\nout/<stack>; only a new or empty directory, or one an earlier plan wrote). Exit 0 ok, 1 mandatory\npolicy violations, 2 invalid config or usage.`);
            return 0;
        }
        const configFile = stackConfigFile(args.stack, args.configFile);
        const out = args.out ?? path.join(ROOT, "out", args.stack);
        // Refuse a directory we may not clear before spending time on the plan.
        const outProblem = outDirProblem(out);
        if (outProblem) throw new UsageError(outProblem);
        const started = Date.now();
        if (args.charts && !fs.existsSync(args.charts)) throw new UsageError(`--charts ${args.charts}: no such directory`);
        const plan = await runProgram({ stack: args.stack, configFile });
        const rendering = await renderStack(plan, args.charts);
        // What the next plan of this stack starts before it loads the SDKs (scripts/plan.ts).
        if (rendering.render) rememberRuns(ROOT, aheadKey(configFile, args.charts), rendering.render.releases.flatMap((r) => (r.run ? [r.run] : [])));
        const result = writePlanOutputs(plan, out, rendering);
        io.out(summarize(plan, result, Date.now() - started, out));
        return exitCode(result.mandatoryViolations, rendering);
    } catch (e) {
        return reportError(e, io);
    }
}

/** Bad input (invalid config, bad usage) is the user's to fix: what and where, exit 2, never a stack trace; anything else exit 3. */
export function reportError(e: unknown, io: Io): number {
    const err = e as Error;
    if (err.name === "ConfigError" || err instanceof UsageError) {
        io.err(`error: ${err.message}`);
        return 2;
    }
    io.err(err.stack ?? String(err));
    return 3;
}

/** The stack's config file: the one given, or Pulumi.<stack>.yaml at the project root; it must exist. */
export function stackConfigFile(stack: string, given?: string): string {
    const file = configFileOf(ROOT, stack, given);
    if (!fs.existsSync(file)) throw new UsageError(`no config file ${path.relative(process.cwd(), file)} for stack ${stack}`);
    return file;
}
