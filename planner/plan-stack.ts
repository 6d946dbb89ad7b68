/**
 * Planning a stack into a directory (what `npm run plan` does): run the program under the mock runtime,
 * render its Helm releases from verified chart archives, check everything, write the plan's files.
 * Exit codes as in planner/README.md: 0 ok; 1 mandatory policy violations or a failed render; 2 bad
 * input; 3 internal error.
 */
import * as fs from "fs";
import * as path from "path";
import { runProgram } from "./program/runtime";
import { ROOT } from "./root";
import { stackConfigFile } from "./program/stack-file";
import { UsageError } from "./cli/args";
import { EXIT, reportError } from "./cli/exit";
import { outDirProblem } from "./output/outdir";
import { INCOMPLETE, Rendering, finishPlanFiles, planFiles, summarize, writeOwnFiles } from "./output/plan-files";
import { ChartSource, chartsOptionProblem, verifiedChartSource } from "./render/charts";
import { renderPlan } from "./render/render";
import { RenderedRelease, releaseSpecs } from "./render/releases";
import { writeRendered } from "./output/rendered-files";
import { aheadKey, rememberRuns } from "./render/helm-runs";
import { ChartChecks } from "./checks/chart-checks";
import { updateModelBundle } from "./checks/model-bundle";

import { Io } from "./cli/io";

type PlanOf = Awaited<ReturnType<typeof runProgram>>;

/**
 * The chart directory a plan renders from (--charts, a local-directory chartRepository, else the
 * vendored charts/), with every release's archive present and verified against SHA256SUMS and its own
 * Chart.yaml; otherwise a UsageError (exit 2) naming each file, before anything is rendered or written.
 */
export function chartSourceOf(plan: PlanOf, charts?: string): ChartSource & { dir: string } {
    return verifiedChartSource(ROOT, { charts, chartRepository: plan.config.chartRepository }, releaseSpecs(plan));
}

/**
 * Render every release from a verified chart source, and check what was rendered: each release as it
 * comes out of Helm, the rest once all are there (ChartChecks).
 */
export async function renderStack(plan: PlanOf, source: ChartSource & { dir: string }, onRendered?: (r: RenderedRelease) => void): Promise<Rendering> {
    const checks = new ChartChecks(plan, ROOT);
    const render = await renderPlan(plan, ROOT, source.dir, (r) => {
        checks.add(r);
        onRendered?.(r);
    });
    return { source, render, checks: await checks.finish(render) };
}

/**
 * 1 when our own objects or the rendered chart objects break a mandatory policy (beyond the written
 * chart exceptions), when a chart fails to render, or when an image is pulled from outside
 * kubechat:registry; otherwise 0. (A missing or wrong archive stops the plan earlier: exit 2.)
 */
export function exitCode(ownMandatory: number, r?: Rendering): number {
    if (ownMandatory > 0) return EXIT.findings;
    const c = r?.checks;
    if (!c) return EXIT.ok;
    if (c.outsideRegistry.length > 0) return EXIT.findings;
    if (c.violations.some((v) => v.level === "mandatory")) return EXIT.findings;
    if (r.render!.releases.some((rel) => rel.error)) return EXIT.findings;
    return EXIT.ok;
}

/** What `npm run plan` is asked for (paths absolute, except `out`). */
export interface PlanArgs {
    stack: string;
    configFile?: string;
    /** Default: out/<stack> at the project root. */
    out?: string;
    /** Directory of `<chart>-<version>.tgz` archives to render from. */
    charts?: string;
}

/** Plan a stack into its output directory; prints the summary, returns the exit code. */
export async function planToDir(args: PlanArgs, io: Io): Promise<number> {
    let out: string | undefined;
    try {
        const configFile = stackConfigFile(args.stack, args.configFile);
        const outDir = (out = args.out ?? path.join(ROOT, "out", args.stack));
        // Refuse a directory we may not clear before spending time on the plan.
        const outProblem = outDirProblem(outDir);
        if (outProblem) throw new UsageError(outProblem);
        const chartsProblem = args.charts === undefined ? undefined : chartsOptionProblem(args.charts);
        if (chartsProblem) throw new UsageError(chartsProblem);
        const started = Date.now();
        const plan = await runProgram({ stack: args.stack, configFile });
        const source = chartSourceOf(plan, args.charts);
        // While Helm renders, each release is checked and written as it comes, and so are the plan's own files.
        const files = planFiles(outDir);
        let renderedObjects = 0;
        const rendering = renderStack(plan, source, (r) => (renderedObjects += writeRendered(r, path.join(outDir, "rendered"), files)));
        rendering.catch(() => undefined); // awaited below; an error here must not be an unhandled rejection meanwhile
        const own = writeOwnFiles(plan, outDir, files);
        const rendered = await rendering;
        // What the next plan of this stack starts before it loads the SDKs (cmd/plan.ts).
        if (rendered.render) rememberRuns(ROOT, aheadKey(configFile, args.charts), rendered.render.releases.flatMap((r) => (r.run ? [r.run] : [])));
        const result = finishPlanFiles(plan, outDir, files, own, rendered, renderedObjects);
        // Kinds this plan imported one module at a time go into the schema bundle for the next plan.
        updateModelBundle();
        io.out(summarize(plan, result, Date.now() - started, outDir));
        return exitCode(result.mandatoryViolations, rendered);
    } catch (e) {
        const code = reportError(e, io);
        if (out !== undefined && fs.existsSync(path.join(out, INCOMPLETE))) io.err(`${out}: the plan did not finish; ${INCOMPLETE} there marks the files as a mix of two runs`);
        return code;
    }
}

