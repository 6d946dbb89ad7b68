/**
 * The figures `npm run bench` prints and docs/performance.md records in docs/performance.md (a benchmark, not a timed test):
 *  1. the prod plan's wall time against loading the SDKs alone (target <= 2.5x);
 *  2. program start-up with and without type-checking;
 *  3. the modelled critical path of a fresh prod deploy from plan.json dependencies (target <= 1.10x
 *     the unavoidable chain VPC -> subnets -> EKS -> node group -> Istio base -> istiod -> app);
 *  4. plan time as the number of KubeChat services grows from 1 to 50;
 *  5. the prod plan with every chart rendered (`--charts charts`) against its floor: loading the
 *     SDKs plus bare `helm template` of the same releases, as many at a time as the plan runs, measured
 *     side by side in rounds (target <= 1.5x).
 */
import { spawnSync } from "child_process";
import * as path from "path";
import * as fs from "fs";
import * as os from "os";
import { runProgram } from "./program/runtime";
import { Plan, PlanResource } from "./model";
import { ROOT } from "./root";
import { shortStackTraces } from "./program/stack-traces";
import { archivePath, vendoredCharts } from "./render/charts";
import { runHelm } from "./render/helm";
import { kubeVersionOf, releaseSpecs, renderCost, templateArgs } from "./render/releases";
import { platformApiVersions } from "./render/crds";
import { pool } from "./pool";
import { Io } from "./cli/io";
import { checkPlan } from "./checks/policy-run";

/** The chart archives vendored in the repository (see charts/SOURCES.md). */
const CHARTS_DIR = vendoredCharts(ROOT);

/** Wall time of bare `helm template` of every release of a plan, as many at a time as cores, the costliest first (the plan's schedule). */
async function bareHelm(plan: Plan): Promise<number> {
    const specs = releaseSpecs(plan);
    const opts = { kubeVersion: kubeVersionOf(plan.config), apiVersions: platformApiVersions(plan, specs.map((s) => archivePath(CHARTS_DIR, s.chart, s.version))) };
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-bench-"));
    try {
        const files = specs.map((s) => {
            const f = path.join(tmp, `${s.resource}.json`);
            fs.writeFileSync(f, JSON.stringify(s.values));
            return f;
        });
        const t = process.hrtime.bigint();
        await pool(specs.map((s, j) => [s, files[j]] as const), os.cpus().length,
            ([s, f]) => runHelm(ROOT, [...templateArgs(s, archivePath(CHARTS_DIR, s.chart, s.version), opts), "--values", f]), ([s]) => renderCost(s, CHARTS_DIR));
        return Number(process.hrtime.bigint() - t) / 1e6;
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * The rendered prod plan against its floor, side by side: each round times loading the SDKs, bare Helm
 * and the rendered plan one after the other, so a slow moment of a shared machine weighs on both
 * sides of the ratio; the figures are medians over the rounds. One plan runs first: the figure is a
 * plan's steady state (its caches and its renders ahead in place, as on every plan after the first).
 */
async function renderedAgainstFloor(plan: Plan, rounds: number): Promise<{ sdk: number; helm: number; rendered: number; ratio: number }> {
    const args = ["scripts/run.js", "cmd/plan.ts", "prod", "--charts", CHARTS_DIR, "--out", path.join(ROOT, "out", "bench-prod-rendered")];
    timeNode(args, 1);
    const r = { sdk: [] as number[], helm: [] as number[], rendered: [] as number[], ratio: [] as number[] };
    for (let i = 0; i < rounds; i++) {
        const sdk = timeNode(SDK_ONLY, 1);
        const helm = await bareHelm(plan);
        const rendered = timeNode(args, 1);
        r.sdk.push(sdk);
        r.helm.push(helm);
        r.rendered.push(rendered);
        r.ratio.push(rendered / (sdk + helm));
    }
    return { sdk: median(r.sdk), helm: median(r.helm), rendered: median(r.rendered), ratio: median(r.ratio) };
}

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/** Just loading the SDKs the program uses. */
const SDK_ONLY = ["-e", "require('@pulumi/pulumi'); require('@pulumi/aws'); require('@pulumi/kubernetes')"];

/** Median wall time of `node <args>` over `runs` runs. */
function timeNode(args: string[], runs = RUNS): number {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
        const t = process.hrtime.bigint();
        const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8", env: { ...process.env } });
        if (r.status !== 0 && r.status !== 1) throw new Error(`node ${args.join(" ")} failed: ${r.stderr}`);
        times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    return median(times);
}

/** Minutes a fresh create of each resource type takes (typical figures from AWS and Helm). */
export const DURATIONS: Record<string, number> = {
    "aws:ec2/vpc:Vpc": 0.5,
    "aws:ec2/subnet:Subnet": 0.2,
    "aws:ec2/internetGateway:InternetGateway": 0.2,
    "aws:ec2/eip:Eip": 0.1,
    "aws:ec2/natGateway:NatGateway": 2,
    "aws:ec2/vpcEndpoint:VpcEndpoint": 1.5,
    "aws:eks/cluster:Cluster": 10,
    "aws:eks/nodeGroup:NodeGroup": 4,
    "aws:eks/addon:Addon": 1,
    "aws:kms/key:Key": 0.2,
    "aws:s3/bucket:Bucket": 0.3,
    "kubernetes:helm.sh/v3:Release": 1.5,
    "kubernetes:apps/v1:Deployment": 1,
    "kubernetes:argoproj.io/v1alpha1:Rollout": 1,
    "kubernetes:apps/v1:StatefulSet": 1,
    // Pulumi awaits Jobs until they complete; ours (es-setup) wait for Elasticsearch to boot. Custom
    // resources count the default: the postgresql cluster is not awaited (its operator converges it);
    // the Elasticsearch CR is (pulumi.com/waitFor), but its boot is charged to the es-setup Job here.
    "kubernetes:batch/v1:Job": 3,
};
const DEFAULT_MINUTES = 0.1;
/** Components and providers are bookkeeping: no cloud or cluster call to wait for. */
const duration = (r: PlanResource) => (r.custom && !r.type.startsWith("pulumi:providers:") ? DURATIONS[r.type] ?? DEFAULT_MINUTES : 0);

/**
 * Earliest finish of every resource when each starts as soon as its dependencies, provider and
 * parent's dependencies are done (the engine's parallel schedule). Returns the longest path.
 */
export function criticalPath(plan: Plan): { minutes: number; path: PlanResource[] } {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const finish = new Map<string, { t: number; prev?: string }>();
    const visit = (r: PlanResource): number => {
        const known = finish.get(r.urn);
        if (known) return known.t;
        let start = 0;
        let prev: string | undefined;
        const deps = [...r.dependencies, ...(r.provider ? [r.provider] : [])];
        for (const d of deps) {
            const dep = byUrn.get(d);
            if (!dep) continue;
            const t = visit(dep);
            if (t > start) {
                start = t;
                prev = d;
            }
        }
        const f = { t: start + duration(r), prev };
        finish.set(r.urn, f);
        return f.t;
    };
    let last: PlanResource | undefined;
    let max = 0;
    for (const r of plan.resources) {
        const t = visit(r);
        if (t > max) {
            max = t;
            last = r;
        }
    }
    const chain: PlanResource[] = [];
    for (let cur = last; cur; cur = finish.get(cur.urn)?.prev ? byUrn.get(finish.get(cur.urn)!.prev!) : undefined) chain.unshift(cur);
    return { minutes: max, path: chain };
}

const chain = (types: string[]) => types.reduce((m, t) => m + (DURATIONS[t] ?? DEFAULT_MINUTES), 0);
const RELEASE = "kubernetes:helm.sh/v3:Release";
const CLUSTER_CHAIN = ["aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:eks/cluster:Cluster", "aws:eks/nodeGroup:NodeGroup"];
/** The chain the issue calls unavoidable: VPC -> subnets -> EKS -> node group -> Istio base -> istiod -> app. */
export const UNAVOIDABLE = chain([...CLUSTER_CHAIN, RELEASE, RELEASE, "kubernetes:argoproj.io/v1alpha1:Rollout"]);


function row(cells: (string | number)[]): string {
    return `| ${cells.join(" | ")} |`;
}

/** Measure everything and print the table docs/performance.md records. */
export async function bench(io: Io): Promise<void> {
    const lines: string[] = [];
    const sdk = timeNode(SDK_ONLY);
    // What `npm run plan -- prod` runs (without npm's own start-up).
    const plan = timeNode(["scripts/run.js", "cmd/plan.ts", "prod", "--out", path.join(ROOT, "out", "bench-prod")]);
    const floor = await renderedAgainstFloor(await runProgram({ stack: "prod" }), Math.max(RUNS, 5));
    const startupFast = timeNode(["-e", "require('ts-node').register({ transpileOnly: true }); require('./components/platform')"]);
    const startupChecked = timeNode(["-e", "require('ts-node').register({ transpileOnly: false, compilerOptions: { noCheck: false } }); require('./components/platform')"]);

    lines.push("| measure | ms | ratio | target |", "|---|---|---|---|");
    lines.push(row(["load @pulumi/pulumi + aws + kubernetes", sdk.toFixed(0), "1.00", ""]));
    lines.push(row(["plan of prod: `node scripts/run.js cmd/plan.ts prod` (program, policies, files)", plan.toFixed(0), (plan / sdk).toFixed(2), "<= 2.5"]));
    lines.push(row(["rendering, side by side (median of rounds): load the SDKs", floor.sdk.toFixed(0), "", ""]));
    lines.push(row(["bare `helm template` of the prod releases, one per core", floor.helm.toFixed(0), "", ""]));
    lines.push(row(["floor: SDKs + bare helm", (floor.sdk + floor.helm).toFixed(0), "1.00", ""]));
    lines.push(row(["plan of prod with every chart rendered and checked (`--charts charts`); ratio: median of the rounds' ratios", floor.rendered.toFixed(0), floor.ratio.toFixed(2), "<= 1.5"]));
    lines.push(row(["program start-up, transpile only (what `pulumi up` does)", startupFast.toFixed(0), "", ""]));
    lines.push(row(["program start-up, type-checked (ts-node default)", startupChecked.toFixed(0), (startupChecked / startupFast).toFixed(1) + "x slower", ""]));

    // In process, as the plan CLI runs the program (its short stack traces included).
    shortStackTraces();
    const prod = await runProgram({ stack: "prod" });
    const cp = criticalPath(prod);
    lines.push("", "| modelled fresh prod deploy | minutes |", "|---|---|");
    lines.push(row(["critical path", cp.minutes.toFixed(1)]));
    lines.push(row(["unavoidable chain VPC -> subnets -> EKS -> node group -> Istio base -> istiod -> app", UNAVOIDABLE.toFixed(1)]));
    lines.push(row(["ratio (target <= 1.10)", (cp.minutes / UNAVOIDABLE).toFixed(2)]));
    lines.push("", "critical path: " + cp.path.filter((r) => duration(r) >= 0.5).map((r) => `${r.name} (${duration(r)})`).join(" -> "));

    // Per added service: the program under mocks, then the policy pack over its resources (what
    // `npm run plan` runs before writing files). Best of RUNS each; CPU time as well as wall time, since
    // on a shared machine other jobs inflate wall time far more than the process's own CPU time.
    lines.push("", "| services | resources | plan ms (wall) | ms per service (wall) | plan ms (CPU) | ms per service (CPU) | of which policies (CPU ms) |",
        "|---|---|---|---|---|---|---|");
    const base = prod.config.services["api-gateway"];
    await runProgram({ stack: "prod" });
    let first = { wall: 0, cpu: 0 };
    for (const n of [1, 10, 25, 50]) {
        const services: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) services[i === 0 ? "api-gateway" : `svc-${i}`] = { ...base, image: i === 0 ? "" : `ghcr.io/kubechat/svc-${i}`, tag: i === 0 ? "" : "1.0.0", exposed: i === 0 };
        let best = { wall: Infinity, cpu: Infinity, policies: Infinity, resources: 0 };
        for (let r = 0; r < RUNS; r++) {
            const t = process.hrtime.bigint();
            const c = process.cpuUsage();
            const p = await runProgram({ stack: "prod", overrides: { services } });
            const beforePolicies = process.cpuUsage(c);
            checkPlan(p);
            const cpu = process.cpuUsage(c);
            const ms = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
            best = {
                wall: Math.min(best.wall, Number(process.hrtime.bigint() - t) / 1e6), cpu: Math.min(best.cpu, ms(cpu)),
                policies: Math.min(best.policies, ms(cpu) - ms(beforePolicies)), resources: p.resources.length,
            };
        }
        if (n === 1) first = best;
        const per = (k: "wall" | "cpu") => (n === 1 ? "" : ((best[k] - first[k]) / (n - 1)).toFixed(1));
        lines.push(row([n, best.resources, best.wall.toFixed(0), per("wall"), best.cpu.toFixed(0), per("cpu"), best.policies.toFixed(0)]));
    }
    io.out(lines.join("\n"));
}
