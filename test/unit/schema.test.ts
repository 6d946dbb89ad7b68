import * as assert from "assert";
import { validateObjects } from "../../planner/checks/schema";

const deployment = (spec: Record<string, unknown>) => ({
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "app" },
    spec: { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:1.27" }] } }, ...spec },
});

describe("schema validation", () => {
    it("accepts a valid object and rejects one that breaks the official schema", async () => {
        assert.deepStrictEqual(await validateObjects([deployment({ replicas: 2 })]), { validated: 1, unvalidatedKinds: [], errors: [] });
        const bad = await validateObjects([deployment({ replicas: "two" })]);
        assert.strictEqual(bad.errors.length, 1);
        assert.match(bad.errors[0], /^Deployment app\/web: .*replicas/);
    });

    it("validates CRDs from the @kubernetes-models packages and lists kinds it has no schema for", async () => {
        const vs = { apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name: "a" }, spec: { hosts: ["a"], http: [{ route: [{ destination: { host: "a" }, weight: "x" }] }] } };
        const res = await validateObjects([vs, { apiVersion: "acid.zalan.do/v1", kind: "postgresql", metadata: { name: "x" } }]);
        assert.strictEqual(res.errors.length, 1);
        assert.deepStrictEqual(res.unvalidatedKinds, ["acid.zalan.do/v1/postgresql"]);
    });

    it("built-in kinds: a field the Kubernetes schema does not have is an error (the API server would prune it), at any depth", async () => {
        const withField = (at: (d: any) => any) => {
            const d: any = deployment({ replicas: 2 });
            at(d).foo = "bar";
            return d;
        };
        const bad = await validateObjects([withField((d) => d.spec.template.spec.containers[0])]);
        assert.deepStrictEqual(bad.errors, ["Deployment app/web: /spec/template/spec/containers/0/foo: unknown field (the API server would prune it)"]);
        for (const at of [(d: any) => d, (d: any) => d.metadata, (d: any) => d.spec, (d: any) => d.spec.template.spec]) {
            assert.strictEqual((await validateObjects([withField(at)])).errors.length, 1);
        }
        // Another group, a list of objects inside a list, and a misspelt field.
        const role = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "r" }, rules: [{ apiGroups: [""], resources: ["pods"], verb: ["get"] }] };
        assert.match((await validateObjects([role])).errors.join(), /\/rules\/0\/verb: unknown field/);
    });

    it("built-in kinds: maps (labels, resources, ConfigMap data) and schema-free fields (a CRD's defaults) take any key", async () => {
        const d: any = deployment({ replicas: 2 });
        Object.assign(d.spec.template.spec.containers[0], { resources: { limits: { cpu: "1", "nvidia.com/gpu": 1 } }, env: [{ name: "A", value: "b" }] });
        d.metadata.annotations = { "any/key": "v" };
        const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { anything: "x" } };
        const crd = {
            apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "xs.example.com" },
            spec: {
                group: "example.com", scope: "Namespaced", names: { kind: "X", plural: "xs" },
                versions: [{
                    name: "v1", served: true, storage: true,
                    schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true, default: { free: { form: 1 } } } } } },
                }],
            },
        };
        assert.deepStrictEqual(await validateObjects([d, cm, crd]), { validated: 3, unvalidatedKinds: [], errors: [] });
    });
});
