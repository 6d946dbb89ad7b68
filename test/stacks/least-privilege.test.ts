import * as assert from "assert";
import { parseConfig } from "../../components/config";
import { STAGING_VARIANT, planStack } from "../harness";

const onprem = {
    cluster: { apiServerCidrs: ["10.0.0.1/32"], nodeCidrs: ["10.0.0.0/24"] },
    objectStore: { endpoint: "http://minio.storage.svc:9000", credentialsSecret: "s" },
    postgres: { backupBucket: "pg" }, backup: { bucket: "v" },
};

describe("least privilege by default", () => {
    it("a new service gets no Kubernetes API access, no database credentials and no exposure; api-gateway asks for them", () => {
        const c = parseConfig({ ...onprem, services: { worker: { image: "registry.example/worker", tag: "1.0.0" } } }, "kubechat", "t");
        const { readsKubernetesApi, usesDatabase, exposed } = c.services.worker;
        assert.deepStrictEqual({ readsKubernetesApi, usesDatabase, exposed }, { readsKubernetesApi: false, usesDatabase: false, exposed: false });
        const gw = c.services["api-gateway"];
        assert.deepStrictEqual([gw.readsKubernetesApi, gw.usesDatabase, gw.exposed], [true, true, true]);
    });

    it("in a plan, the new service has no RoleBinding, no database Secret, no API or database egress and no route from the gateway", async () => {
        const plan = await planStack("staging", STAGING_VARIANT);
        const of = (name: string) => plan.resources.filter((r) => r.name.startsWith(`kubechat-app-${name}-`) || r.name === `kubechat-app-${name}`);
        const text = (name: string, type: RegExp) => JSON.stringify(of(name).filter((r) => type.test(r.type)).map((r) => r.inputs));
        // api-gateway is the control: it has each of these.
        for (const [svc, expect] of [["api-gateway", true], ["worker", false]] as const) {
            const bindings = plan.resources.filter((r) => /RoleBinding$/.test(r.type) && JSON.stringify(r.inputs.subjects ?? []).includes(`"kubechat-${svc}"`));
            assert.strictEqual(bindings.length > 0, expect, `${svc}: RoleBinding`);
            assert.strictEqual(text(svc, /Rollout|Deployment/).includes("credentials.postgresql"), expect, `${svc}: database Secret`);
            const egress = text(svc, /NetworkPolicy/);
            assert.strictEqual(egress.includes("6443"), expect, `${svc}: API server egress`);
            assert.strictEqual(egress.includes("5432"), expect, `${svc}: database egress`);
            assert.strictEqual(text(svc, /VirtualService/).includes("kubechat-gateway"), expect, `${svc}: public route`);
        }
    });
});
