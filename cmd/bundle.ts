/**
 * npm run bundle -- <stack> --out <dir> [--config-file <path>] [--charts <dir>] [--provider <file>]
 *
 * Writes the offline package of a stack (planner/airgap/bundle.ts; docs/airgap.md): the program and policy
 * pack with their production dependencies, the chart archives, the Kubernetes provider plugin, the image
 * and artifact lists with mirror.sh, install.sh and SHA256SUMS. `--out` follows the rules of
 * `npm run plan`: a new or empty directory, or one an earlier bundle wrote (marker `.kubechat-bundle`),
 * which is cleared first; anything else is refused (exit 2) and nothing is deleted.
 * Exit codes: 0 ok; 2 usage or invalid config; 3 internal error.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";
import { ROOT, UsageError, runProgram } from "../planner/program/runtime";
import { parseStackArgs } from "../planner/cli/args";
import { chartSourceOf, renderStack, reportError, stackConfigFile } from "../planner/plan-stack";
import { chartsOptionProblem } from "../planner/render/charts";
import { airgapOf } from "../planner/output/plan-files";
import { outDirProblem } from "../planner/output/outdir";
import { BUNDLE_MARKER, BundleAirgap, ProviderSource, writeBundle } from "../planner/airgap/bundle";
import { Io, consoleIo } from "../planner/cli/io";

export const USAGE = "usage: npm run bundle -- <stack> --out <dir> [--config-file <path>] [--charts <dir>] [--provider <file>]";
const HELP = `${USAGE}

Writes one offline package for <stack> into --out: program/ (compiled, production node_modules, the
policy pack), charts/ (the stack's chart archives with index.yaml), plugins/ (the Kubernetes provider:
--provider, else the one test/real/tools/toolchain.sh built in ~/.cache/kubechat-real; said when absent),
images.txt, artifacts.txt, airgap.json, mirror.sh, install.sh, bundle.json and SHA256SUMS.
Then: ./install.sh <stack> on the target (docs/airgap.md).`;

const OWNER = { command: "npm run bundle", marker: BUNDLE_MARKER };

/** The provider plugin: --provider, else the toolchain's build (its PATH link in the real-engine cache). */
export function findProvider(given: string | undefined, env: NodeJS.ProcessEnv = process.env): ProviderSource {
    if (given) {
        if (!fs.existsSync(given) || !fs.statSync(given).isFile()) throw new UsageError(`--provider ${given}: no such file`);
        return { file: path.resolve(given), from: "--provider" };
    }
    const cache = env.KUBECHAT_REAL_CACHE || path.join(os.homedir(), ".cache", "kubechat-real");
    const link = path.join(cache, "bin", "pulumi-resource-kubernetes");
    if (fs.existsSync(link)) return { file: fs.realpathSync(link), from: link };
    return { missing: `no --provider given and no build at ${link} (npm run real:toolchain -- kubernetes-provider builds one)` };
}

/** Clear a directory an earlier bundle wrote (its marker checked by outDirProblem), then mark it as ours; anything else is refused untouched. */
export function prepareBundleDir(out: string): void {
    const problem = outDirProblem(out, process.cwd(), OWNER);
    if (problem) throw new UsageError(problem);
    const abs = path.resolve(out);
    if (fs.existsSync(abs)) for (const e of fs.readdirSync(abs)) fs.rmSync(path.join(abs, e), { recursive: true, force: true });
    fs.mkdirSync(abs, { recursive: true });
    fs.writeFileSync(path.join(abs, BUNDLE_MARKER), `Written by \`${OWNER.command}\`: this directory is cleared and rewritten by the next run.\n`);
}

function gitCommit(): string {
    try {
        return execFileSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
    } catch {
        return "";
    }
}

export async function run(argv: string[], io: Io = consoleIo): Promise<number> {
    try {
        const parsed = parseStackArgs(argv, USAGE, ["--out", "--config-file", "--charts", "--provider"]);
        if (parsed === "help") {
            io.out(HELP);
            return 0;
        }
        const v = parsed.values;
        if (!v["--out"]) throw new UsageError(`--out is required\n${USAGE}`);
        const configFile = stackConfigFile(parsed.stack, v["--config-file"] ? path.resolve(v["--config-file"]) : undefined);
        const givenCharts = v["--charts"] ? path.resolve(v["--charts"]) : undefined;
        const chartsProblem = givenCharts === undefined ? undefined : chartsOptionProblem(givenCharts);
        if (chartsProblem) throw new UsageError(chartsProblem);
        // Refuse a directory we may not clear before spending time on the plan.
        const early = outDirProblem(v["--out"], process.cwd(), OWNER);
        if (early) throw new UsageError(early);
        const provider = findProvider(v["--provider"]);

        // What the stack pulls, from an upstream plan rendered from the archives (as npm run airgap does).
        const plan = await runProgram({ stack: parsed.stack, configFile, overrides: { registry: "", chartRepository: "" } });
        // Every archive present and verified (SHA256SUMS, Chart.yaml) before anything is rendered.
        const source = chartSourceOf(plan, givenCharts);
        const charts = source.dir;
        const rendering = await renderStack(plan, source);
        if (!rendering.render || rendering.render.releases.some((r) => r.error)) {
            const bad = rendering.render?.releases.filter((r) => r.error).map((r) => `${r.release.name}: ${r.error}`).join("; ") ?? "no chart archives";
            throw new UsageError(`cannot render the stack's charts from ${charts} (${bad}): the bundle must list every image`);
        }
        const airgap = airgapOf(plan, rendering) as BundleAirgap;

        prepareBundleDir(v["--out"]);
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        const r = await writeBundle({
            root: ROOT, stack: parsed.stack, configFile, out: path.resolve(v["--out"]), airgap, chartsDir: charts, provider,
            providerVersion: pkg.dependencies["@pulumi/kubernetes"], commit: gitCommit(),
        });
        io.out([
            `Bundle of ${parsed.stack} in ${v["--out"]}: ${r.files} files (SHA256SUMS), ${r.packages} production packages, ${r.charts.length} charts, ${airgap.images.length} images and ${(airgap.artifacts ?? []).length} OCI artifacts to mirror (mirror.sh).`,
            "file" in r.provider ? `Provider plugin: plugins/bin/pulumi-resource-kubernetes (from ${r.provider.from}).` : `Provider plugin: NOT in the bundle — ${r.provider.missing}.`,
            `Install on the target: ./install.sh ${parsed.stack} (docs/airgap.md).`,
        ].join("\n"));
        return 0;
    } catch (e) {
        return reportError(e, io);
    }
}

if (require.main === module) {
    run(process.argv.slice(2)).then((c) => process.exit(c));
}
