/** The one Helm release policy (components/release.ts) holds for every release of every stack, and the on-prem LoadBalancer rule. */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ConfigError, parseConfig } from "../../components/config";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_TIMEOUT_SECONDS, mergeValues, releasePolicy } from "../../components/release";
import { minimalOnPremConfig, planStack, release } from "../harness";

const ROOT = path.resolve(__dirname, "..", "..");

function sources(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? sources(p) : e.name.endsWith(".ts") ? [p] : [];
    });
}

describe("Helm release policy", () => {
    it("every release of every stack is atomic, cleans up on failure, waits, and has at least the default timeout", async () => {
        for (const stack of ["dev", "staging", "prod"]) {
            const releases = (await planStack(stack)).resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
            assert.ok(releases.length >= 8, `${stack}: ${releases.length} releases`);
            for (const r of releases) {
                const { atomic, cleanupOnFail, skipAwait, timeout } = r.inputs;
                assert.deepStrictEqual({ atomic, cleanupOnFail, skipAwait }, { atomic: true, cleanupOnFail: true, skipAwait: false }, `${stack} ${r.name}`);
                assert.ok(timeout >= DEFAULT_TIMEOUT_SECONDS, `${stack} ${r.name}: timeout ${timeout}`);
            }
        }
    });

    it("no component builds a release around the add-on layer (chartAddon creates them all)", () => {
        const direct = sources(path.join(ROOT, "components"))
            .filter((f) => !["release.ts", "catalog.ts"].some((own) => f.endsWith(path.join("components", own))))
            // A Release built directly, or a chart taken from the catalog to build one.
            .filter((f) => /helm\.v3\.Release\s*\(|\.chart\(\s*"/.test(fs.readFileSync(f, "utf8")));
        assert.deepStrictEqual(direct.map((f) => path.relative(ROOT, f)), []);
    });

    it("no component creates a namespace around the add-on layer (addonNamespace creates them all, with their Pod Security level)", () => {
        const direct = sources(path.join(ROOT, "components"))
            .filter((f) => !f.endsWith(path.join("components", "release.ts")))
            .filter((f) => /core\.v1\.Namespace\s*\(|kind:\s*"Namespace"/.test(fs.readFileSync(f, "utf8")));
        assert.deepStrictEqual(direct.map((f) => path.relative(ROOT, f)), []);
    });

    it("every namespace of every stack enforces a Pod Security level (audit and warn set), and every release waits for the namespace the platform created for it", async () => {
        for (const stack of ["dev", "staging", "prod"]) {
            const plan = await planStack(stack);
            const namespaces = plan.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace");
            assert.ok(namespaces.length >= 5, `${stack}: ${namespaces.length} namespaces`);
            for (const ns of namespaces) {
                const labels = ns.inputs.metadata.labels;
                for (const mode of ["enforce", "audit", "warn"]) {
                    assert.match(labels[`pod-security.kubernetes.io/${mode}`] ?? "", /^(restricted|baseline|privileged)$/, `${stack} ${ns.name}: ${mode}`);
                }
                assert.strictEqual(labels["app.kubernetes.io/component"], "namespace", `${stack} ${ns.name}`);
            }
            const byName = new Map(namespaces.map((n) => [n.inputs.metadata.name, n.urn]));
            for (const r of plan.resources.filter((x) => x.type === "kubernetes:helm.sh/v3:Release")) {
                const ns = byName.get(r.inputs.namespace);
                if (r.inputs.namespace === "kube-system") continue; // the cluster's own
                assert.ok(ns, `${stack} ${r.name}: namespace ${r.inputs.namespace} is created by the platform`);
                assert.ok(r.dependencies.includes(ns!), `${stack} ${r.name} waits for its namespace`);
            }
        }
    });

    it("stack values merge over the platform's like Helm's -f files: objects key by key, anything else replaced, inputs untouched", () => {
        const arn = pulumi.output("arn:aws:iam::123456789012:role/x");
        const base = { resources: { limits: { cpu: "500m", memory: "512Mi" } }, args: ["--a"], sa: { annotations: { role: arn } }, replicas: 1 };
        const merged = mergeValues(base, { resources: { limits: { memory: "1Gi" } }, args: ["--b"], sa: { annotations: { role: "fixed" } }, extra: { on: true } });
        assert.deepStrictEqual(merged, {
            resources: { limits: { cpu: "500m", memory: "1Gi" } }, args: ["--b"], sa: { annotations: { role: "fixed" } }, replicas: 1, extra: { on: true },
        });
        assert.strictEqual(base.resources.limits.memory, "512Mi");
        assert.strictEqual(base.sa.annotations.role, arn);
        assert.strictEqual(mergeValues(base, {}), base, "no override: the component's values as they are");
    });

    it("kubechat:charts.<key>.values reach that chart's release, merged last, and no other release", async () => {
        const plain = await planStack("dev");
        const tuned = await planStack("dev", { charts: { "prometheus-adapter": { values: { resources: { limits: { memory: "1Gi" } }, logLevel: 6 } } } });
        const before = release(plain, "prometheus-adapter").inputs.values;
        const after = release(tuned, "prometheus-adapter").inputs.values;
        assert.deepStrictEqual(after, { ...before, resources: { ...before.resources, limits: { ...before.resources.limits, memory: "1Gi" } }, logLevel: 6 });
        const others = (p: typeof plain) => p.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && !r.name.endsWith("prometheus-adapter"));
        assert.deepStrictEqual(others(tuned), others(plain));
    });

    it("kubechat:charts accepts catalog chart keys only", () => {
        assert.throws(() => parseConfig({ ...minimalOnPremConfig(), charts: { "prometheus-adaptor": { values: {} } } }, "kubechat", "s"),
            (e: unknown) => e instanceof ConfigError && e.problems.some((p) => p.startsWith("kubechat:charts")));
        assert.deepStrictEqual(parseConfig({ ...minimalOnPremConfig(), charts: { velero: { values: { a: 1 } } } }, "kubechat", "s").charts, { velero: { values: { a: 1 } } });
    });

    it("a longer timeout needs a reason; a shorter one is refused", () => {
        assert.strictEqual(releasePolicy({ timeoutSeconds: 1200, reason: "waits for Elasticsearch" }).timeout, 1200);
        assert.throws(() => releasePolicy({ timeoutSeconds: 1200, reason: " " }), /reason/);
        assert.throws(() => releasePolicy({ timeoutSeconds: 60, reason: "fast" }), /longer timeout/);
    });

    it("on-prem, a LoadBalancer gateway needs a stated load-balancer implementation (its wait could never finish)", () => {
        const base = minimalOnPremConfig();
        const problems = (cluster: Record<string, unknown>): string[] => {
            try {
                parseConfig({ ...base, cluster: { ...base.cluster, ...cluster } }, "kubechat", "s");
                return [];
            } catch (e) {
                assert.ok(e instanceof ConfigError, String(e));
                return (e as ConfigError).problems;
            }
        };
        assert.deepStrictEqual(problems({ ingressServiceType: "LoadBalancer", loadBalancer: false }).map((p) => p.split(": ")[0]), ["kubechat:cluster.ingressServiceType"]);
        assert.deepStrictEqual(problems({ ingressServiceType: "LoadBalancer", loadBalancer: true }), []);
        assert.deepStrictEqual(problems({ ingressServiceType: "NodePort", loadBalancer: false }), []);
    });
});
