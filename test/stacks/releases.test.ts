/** The one Helm release policy (components/release.ts) holds for every release of every stack, and the on-prem LoadBalancer rule. */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ConfigError, parseConfig } from "../../components/config";
import { DEFAULT_TIMEOUT_SECONDS, releasePolicy } from "../../components/release";
import { minimalOnPremConfig, planStack } from "../harness";

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

    it("no component builds a release around the policy (one helper creates them all)", () => {
        const direct = sources(path.join(ROOT, "components"))
            .filter((f) => !f.endsWith(path.join("components", "release.ts")))
            .filter((f) => /helm\.v3\.Release\(/.test(fs.readFileSync(f, "utf8")));
        assert.deepStrictEqual(direct.map((f) => path.relative(ROOT, f)), []);
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
