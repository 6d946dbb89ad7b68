/**
 * The floor `pulumi up` is measured against: the same charts and objects applied the plain way on the
 * same simulated cluster — `helm install --wait` of every release of the offline plan (same chart
 * archive, version, namespace and values; all at once, as nothing orders them but their namespaces),
 * with `kubectl apply --server-side` of every object the plan's manifests hold: namespaces,
 * ServiceAccounts, Secrets and ConfigMaps before the charts (their pods use them), the rest after.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { helmBinary } from "../../planner/render/helm";
import type { SimCluster } from "./sim-cluster";
import { ROOT } from "./stacks";

interface PlannedRelease {
    name: string;
    chart: string;
    version: string;
    namespace: string;
    values: unknown;
    timeout?: number;
}

function run(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
    return new Promise((resolve, reject) => {
        let output = "";
        const p = spawn(bin, args, { env, stdio: ["ignore", "pipe", "pipe"] });
        p.stdout.on("data", (d) => (output = (output + d).slice(-20000)));
        p.stderr.on("data", (d) => (output = (output + d).slice(-20000)));
        p.once("error", reject);
        p.once("exit", (code) => resolve({ code, output }));
    });
}

/** Every Release of a plan.json, as the program registered it. */
export function plannedReleases(planFile: string): PlannedRelease[] {
    const plan = JSON.parse(fs.readFileSync(planFile, "utf8")) as { resources: { type: string; inputs: Record<string, unknown> }[] };
    return plan.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => r.inputs as unknown as PlannedRelease);
}

/** The manifests of a plan, namespaces first (kubectl sends a directory's files in name order). */
function manifestFiles(planDir: string): string[] {
    const files: string[] = [];
    const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else if (e.name.endsWith(".yaml")) files.push(p);
        }
    };
    walk(path.join(planDir, "manifests"));
    const first = (f: string) => (/\/(Namespace|CustomResourceDefinition)-/.test(f) ? 0 : 1);
    return files.sort((a, b) => first(a) - first(b) || a.localeCompare(b));
}

export interface FloorResult {
    floorSeconds: number;
    helmSeconds: number;
    kubectlSeconds: number;
    releases: { name: string; seconds: number; ok: boolean; output?: string }[];
    objects: number;
    failed: string[];
}

export async function plainApply(c: SimCluster, planDir: string, charts: string): Promise<FloorResult> {
    const helm = helmBinary(ROOT);
    const env = { ...c.env, HELM_CACHE_HOME: path.join(c.dir, "helm", "cache"), HELM_CONFIG_HOME: path.join(c.dir, "helm", "config"), HELM_DATA_HOME: path.join(c.dir, "helm", "data") };
    const files = manifestFiles(planDir);
    // What chart pods use and the program makes before their releases: namespaces (with their labels),
    // ServiceAccounts, Secrets and ConfigMaps. The rest (custom resources among it) after the charts.
    const first = files.filter((f) => /\/(Namespace|ServiceAccount|Secret|ConfigMap)-/.test(f));
    const t0 = Date.now();
    if (first.length > 0) {
        const ns = first.filter((f) => /\/Namespace-/.test(f));
        c.kubectl(["apply", "--server-side", "--force-conflicts", ...ns.flatMap((f) => ["-f", f])]);
        c.kubectl(["apply", "--server-side", "--force-conflicts", ...first.filter((f) => !ns.includes(f)).flatMap((f) => ["-f", f])]);
    }
    const releases = await Promise.all(plannedReleases(path.join(planDir, "plan.json")).map(async (r) => {
        const values = path.join(c.dir, `floor-values-${r.name}.json`);
        fs.writeFileSync(values, JSON.stringify(r.values ?? {}));
        const s0 = Date.now();
        const res = await run(helm, ["install", r.name, path.join(charts, `${r.chart}-${r.version}.tgz`), "--namespace", r.namespace, "--create-namespace",
            "--values", values, "--wait", "--timeout", `${r.timeout ?? 600}s`], env);
        return { name: r.name, seconds: (Date.now() - s0) / 1000, ok: res.code === 0, output: res.code === 0 ? undefined : res.output.slice(-2000) };
    }));
    const helmSeconds = (Date.now() - t0) / 1000;
    const k0 = Date.now();
    const failed: string[] = [];
    const rest = files.filter((x) => !first.includes(x));
    const r = c.kubectl(["apply", "--server-side", "--force-conflicts", ...rest.flatMap((f) => ["-f", f])], { allowFail: true });
    if (r.code !== 0) failed.push(...r.stderr.trim().split("\n").filter(Boolean));
    const kubectlSeconds = (Date.now() - k0) / 1000;
    return { floorSeconds: (Date.now() - t0) / 1000, helmSeconds, kubectlSeconds, releases, objects: files.length, failed };
}
