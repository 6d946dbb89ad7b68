import * as assert from "assert";
import { parseConfig } from "../../components/config";
import { backupNamespaces, gatewayBackendPorts, meshExternalDependencies, platformArgs, scrapeControlPlane } from "../../components/platform-args";
import { minimalOnPremConfig } from "../harness";

const parse = (over: Record<string, unknown> = {}) => parseConfig({ ...minimalOnPremConfig(), ...over }, "kubechat", "s");

describe("platformArgs: the stack config mapped to every component's args", () => {
    it("creates a component's args only when its part is on", () => {
        const on = platformArgs(parse());
        assert.ok(on.mesh && on.delivery && on.postgres && on.backup && on.esSnapshots);
        assert.strictEqual(on.gitops, undefined);
        const off = platformArgs(parse({ mesh: { enabled: false }, delivery: { strategy: "rolling" }, postgres: { enabled: false }, backup: { enabled: false } }));
        assert.deepStrictEqual([off.mesh, off.delivery, off.postgres, off.backup, off.esSnapshots, off.observability.dataNamespace], [undefined, undefined, undefined, undefined, undefined, undefined]);
    });

    it("named decisions: controller replicas follow mesh.ha, observability HA follows persistent, the owner follows gitops", () => {
        assert.strictEqual(platformArgs(parse({ mesh: { ha: true } })).delivery?.replicas, 2);
        assert.strictEqual(platformArgs(parse({ mesh: { ha: false, istiodReplicas: 1 } })).delivery?.replicas, 1);
        assert.strictEqual(platformArgs(parse({ persistent: true })).observability.ha, true);
        assert.strictEqual(platformArgs(parse({ persistent: false })).observability.ha, false);
        const gitops = platformArgs(parse({ gitops: { enabled: true, repoURL: "https://git.example/x.git", path: "s", repoCidrs: ["10.40.0.0/24"] } }));
        assert.strictEqual(gitops.app.owner, "argocd");
        assert.strictEqual(gitops.gitops?.stack, "s");
        // Argo CD is installed in GitOps mode, in its HA layout in persistent stacks, unless the cluster runs it already.
        assert.deepStrictEqual(gitops.argocd, { namespace: "argocd", ha: false });
        assert.deepStrictEqual(gitops.systemEgress.argocd?.git, { to: [{ ipBlock: { cidr: "10.40.0.0/24" } }], ports: [{ protocol: "TCP", port: 443 }] });
        assert.strictEqual(platformArgs(parse({ persistent: true, gitops: { enabled: true, repoURL: "https://git.example/x.git", path: "s", repoCidrs: ["10.40.0.0/24"] } })).argocd?.ha, true);
        const skip = platformArgs(parse({ gitops: { enabled: true, repoURL: "https://git.example/x.git", path: "s", installArgoCd: false } }));
        assert.deepStrictEqual([skip.argocd, skip.systemEgress.argocd, skip.gitops?.stack], [undefined, undefined, "s"]);
        assert.strictEqual(platformArgs(parse()).argocd, undefined);
    });

    it("the mesh reaches the object store only while something backs up to it, and an external Elasticsearch only while logs go there", () => {
        const base = minimalOnPremConfig();
        assert.deepStrictEqual(meshExternalDependencies(parse()).map((d) => d.name), ["object-store"]);
        assert.deepStrictEqual(meshExternalDependencies(parse({ backup: { ...base.backup, enabled: false }, postgres: { ...base.postgres, backups: false } })), []);
        assert.deepStrictEqual(meshExternalDependencies(parse({ observability: { elasticsearchUrl: "https://es.example:9200", elasticsearchCidrs: ["10.40.0.0/24"] } })).map((d) => d.url),
            ["https://minio.example:9000", "https://es.example:9200"]);
        assert.deepStrictEqual(meshExternalDependencies(parse({ observability: { logs: false, elasticsearchUrl: "https://es.example:9200", elasticsearchCidrs: ["10.40.0.0/24"] } })).map((d) => d.name), ["object-store"]);
    });

    it("gateway backends, backup scope and control-plane scraping", () => {
        const c = parse({ services: { "api-gateway": { port: 9000 }, chat: { image: "x/chat", tag: "1", port: 8081 } }, app: { namespace: "app" }, postgres: { namespace: "data", backupBucket: "pg" } });
        assert.deepStrictEqual(gatewayBackendPorts(c), [9000]);
        assert.deepStrictEqual(backupNamespaces(c), ["app", "data"]);
        assert.strictEqual(scrapeControlPlane(parse({ observability: { controlPlaneMetrics: true } })), true);
        assert.strictEqual(scrapeControlPlane(parse({ observability: { controlPlaneMetrics: false } })), false);
    });
});
