/**
 * The bundle of kubernetes-models schemas (planner/checks/model-bundle.ts) holds the package's own code:
 * its models validate exactly as the package's modules do.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { noteMissingModel, updateModelBundle } from "../../planner/checks/model-bundle";

const importEsm = new Function("specifier", "return import(specifier)") as (s: string) => Promise<any>;

describe("schema bundle", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-models-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("bundles the kinds noted missing, and its models validate as the package's do", async () => {
        const file = path.join(dir, "models.js");
        noteMissingModel("apps/v1", "Deployment");
        noteMissingModel("v1", "ConfigMap");
        assert.strictEqual(updateModelBundle(file), true);
        assert.strictEqual(updateModelBundle(file), false, "nothing new noted: no rebuild");
        const bundled = (require(file) as { models: Record<string, any> }).models;
        assert.ok(bundled["apps/v1/Deployment"] && bundled["v1/ConfigMap"]);
        const packaged = (await importEsm("kubernetes-models/apps/v1/Deployment")).Deployment;
        const outcome = (Model: any, spec: unknown) => {
            try {
                new Model({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec }).validate();
                return "valid";
            } catch (e) {
                return (e as Error).message;
            }
        };
        const good = { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:1.27" }] } } };
        for (const spec of [good, { ...good, replicas: "two" }, { ...good, selector: undefined }]) {
            assert.strictEqual(outcome(bundled["apps/v1/Deployment"], spec), outcome(packaged, spec));
        }
        assert.strictEqual(outcome(bundled["apps/v1/Deployment"], good), "valid");
        assert.match(outcome(bundled["apps/v1/Deployment"], { ...good, replicas: "two" }), /replicas/);
    });
});
