import * as assert from "assert";
import { validateObjects } from "../../scripts/lib/schema";

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
});
