/**
 * The `plan` command as a function (argv in, exit code out), so tests run it in-process.
 * Exit codes: 0 ok; 1 mandatory policy violations; 2 invalid config or usage; 3 internal error.
 */
import * as fs from "fs";
import * as path from "path";
import { ROOT, UsageError, runProgram } from "./plan";
import { outDirProblem } from "./outdir";
import { Rendering, summarize, writePlanOutputs } from "./outputs";
import { findChartSource } from "./charts";
import { EarlyRenders, renderPlan } from "./render";
import { checkRendered } from "./chart-checks";
import { preloadSchemas } from "./schema";

export { Io, consoleIo } from "./io";
import { Io } from "./io";

export const USAGE = "usage: npm run plan -- <stack> [--config-file <path>] [--out <dir>] [--charts <dir>]";

interface Args {
    stack: string;
    configFile?: string;
    out?: string;
    /** Directory of `<chart>-<version>.tgz` archives to render from. */
    charts?: string;
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

function parseArgs(argv: string[]): Args | "help" {
    const p = parseStackArgs(argv, USAGE, ["--config-file", "--out", "--charts"]);
    if (p === "help") return p;
    const v = p.values;
    return {
        stack: p.stack,
        ...(v["--config-file"] ? { configFile: path.resolve(v["--config-file"]) } : {}),
        ...(v["--out"] ? { out: v["--out"] } : {}),
        ...(v["--charts"] ? { charts: path.resolve(v["--charts"]) } : {}),
    };
}

/** Render every release from the first chart source found, and check what was rendered. */
export async function renderStack(plan: Awaited<ReturnType<typeof runProgram>>, charts?: string): Promise<Rendering> {
    const source = findChartSource(ROOT, { charts, chartRepository: plan.config.chartRepository });
    if (!source.dir) return { source };
    // While Helm renders, the schemas of what is already there load (the main thread is idle then).
    preloadSchemas(plan.resources.map((r) => r.inputs));
    const render = await renderPlan(plan, ROOT, source.dir, (r) => preloadSchemas(r.objects.map((o) => o.object)));
    return { source, render, checks: await checkRendered(plan, render, ROOT) };
}

/** Early renders from the chart directory `--charts` or the checkout's `charts/` names (a stack's local chartRepository is known only later). */
function earlyRenders(configFile: string, charts?: string): EarlyRenders | undefined {
    const dir = findChartSource(ROOT, { charts }).dir;
    return dir ? new EarlyRenders(ROOT, dir, configFile) : undefined;
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
        const args = parseArgs(argv);
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
        // Charts render beside the program when the chart directory is known before it runs.
        const early = earlyRenders(configFile, args.charts);
        const plan = await runProgram({ stack: args.stack, configFile, onResource: early?.onResource });
        const rendering = await renderStack(plan, args.charts);
        if (early && rendering.render && rendering.source.dir === early.chartDir) early.remember(rendering.render);
        const result = await writePlanOutputs(plan, out, rendering);
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
    const file = given ?? path.join(ROOT, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) throw new UsageError(`no config file ${path.relative(process.cwd(), file)} for stack ${stack}`);
    return file;
}
