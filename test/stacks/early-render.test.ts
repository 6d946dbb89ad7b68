/**
 * Rendering beside the program (scripts/lib/render.ts EarlyRenders): a release starts rendering when it
 * registers, with the settings the stack's last plan remembered; the plan's own render reuses it only
 * when its real settings are the same, and never runs more Helm processes than cores.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SHARED_CHARTS, planStack } from "../harness";
import { ROOT } from "../../scripts/lib/plan";
import { EarlyRenders, RELEASE_TYPE, helmStats, jsonSafe, parseRendered, releaseSpec, renderReleases } from "../../scripts/lib/render";

describe("rendering beside the program", () => {
    let tmp: string;
    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-early-"));
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    /** dev's Istio gateway release with a value no other test renders (so nothing is memoized yet). */
    async function freshRelease(tag: string) {
        const plan = await planStack("dev");
        const r = plan.resources.find((x) => x.type === RELEASE_TYPE && x.inputs.chart === "gateway")!;
        return { ...r, inputs: { ...r.inputs, values: { ...r.inputs.values, podAnnotations: { "test.kubechat.ai/run": tag } } } };
    }
    const settings = { kubeVersion: "1.33.0", apiVersions: ["apiregistration.k8s.io/v1"] };
    const opts = { root: ROOT, chartDir: SHARED_CHARTS, ...settings };

    it("without a remembered plan nothing starts early; the next plan of the stack reuses what started at registration", async () => {
        const file = path.join(tmp, "last.json");
        const release = await freshRelease(`${process.pid}1`);
        const cold = new EarlyRenders(ROOT, SHARED_CHARTS, "Pulumi.dev.yaml", file);
        const before = helmStats.started;
        cold.onResource(release);
        assert.strictEqual(helmStats.started, before, "no guess, no early render");
        cold.remember({ releases: [], ...settings });

        const warm = new EarlyRenders(ROOT, SHARED_CHARTS, "Pulumi.dev.yaml", file);
        warm.onResource(release);
        // Started at registration: the slot is taken synchronously once the values file is written.
        await new Promise((r) => setImmediate(r));
        const started = helmStats.started;
        assert.strictEqual(started, before + 1);
        const [r] = await renderReleases([releaseSpec(release)], opts);
        assert.strictEqual(helmStats.started, started, "the plan's render is the early one");
        assert.ok(!r.error, r.error);
        assert.ok(r.objects.some((o) => o.object.kind === "Deployment" && o.object.spec.template.metadata.annotations["test.kubechat.ai/run"] === `${process.pid}1`));
    });

    it("an early render with other settings (a wrong guess) is not used: the plan renders again with its own", async () => {
        const file = path.join(tmp, "wrong.json");
        const release = await freshRelease(`${process.pid}2`);
        new EarlyRenders(ROOT, SHARED_CHARTS, "Pulumi.dev.yaml", file).remember({ releases: [], kubeVersion: "1.30.0", apiVersions: settings.apiVersions });
        const before = helmStats.started;
        new EarlyRenders(ROOT, SHARED_CHARTS, "Pulumi.dev.yaml", file).onResource(release);
        const [r] = await renderReleases([releaseSpec(release)], opts);
        assert.strictEqual(helmStats.started, before + 2);
        assert.ok(!r.error, r.error);
    });

    it("never more Helm processes at once than cores, however many renders are asked for", async () => {
        const releases = await Promise.all([3, 4, 5, 6, 7].map((n) => freshRelease(`${process.pid}${n}`)));
        helmStats.maxRunning = 0;
        const out = await renderReleases(releases.map(releaseSpec), opts);
        assert.strictEqual(out.length, 5);
        assert.ok(helmStats.maxRunning >= 1 && helmStats.maxRunning <= os.cpus().length, String(helmStats.maxRunning));
    });

    it("large documents come back from the parse cache as YAML would parse them; values JSON cannot carry are not cached", () => {
        const big = `\n# Source: c/templates/crd.yaml\nkind: CustomResourceDefinition\nmetadata:\n  name: x\nspec:\n  description: "${"a".repeat(25000)}"\n  n: 1\n`;
        const first = parseRendered(big)[0].object;
        assert.deepStrictEqual(parseRendered(big)[0].object, first);
        assert.strictEqual(first.spec.n, 1);
        assert.strictEqual(jsonSafe(first), true);
        assert.strictEqual(jsonSafe({ created: new Date(0) }), false);
        assert.strictEqual(jsonSafe({ max: Infinity }), false);
    });
});
