/**
 * Helm runs (planner/render/helm-runs.ts): started ahead from the runs the stack's last plan remembered,
 * used only when the plan asks for exactly the same input, stopped otherwise; never more Helm processes
 * than cores; output identical to running `helm template` directly. And the parse cache of rendered
 * documents (planner/render/render.ts).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CHARTS_DIR, planStack } from "../harness";
import { ROOT } from "../../planner/root";
import { runHelm } from "../../planner/render/helm";
import { helmStats, helmTemplate, rememberRuns, startAhead } from "../../planner/render/helm-runs";
import { renderReleases } from "../../planner/render/render";
import { RELEASE_TYPE } from "../../planner/model";
import { jsonSafe, trimParseCache } from "../../planner/render/parse-cache";
import { parseRendered } from "../../planner/render/parse";
import { releaseSpec, templateRun } from "../../planner/render/releases";

describe("helm runs", () => {
    let tmp: string;
    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-runs-"));
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    /** dev's Istio gateway release with a value no other test renders (so no run of it exists yet). */
    async function freshSpec(tag: string) {
        const plan = await planStack("dev");
        const r = plan.resources.find((x) => x.type === RELEASE_TYPE && x.inputs.chart === "gateway")!;
        return releaseSpec({ ...r, inputs: { ...r.inputs, values: { ...r.inputs.values, podAnnotations: { "test.kubechat.ai/run": tag } } } });
    }
    const opts = { root: ROOT, chartDir: CHARTS_DIR, kubeVersion: "1.33.0", apiVersions: ["apiregistration.k8s.io/v1"] };
    const annotated = (objects: { object: any }[], tag: string) =>
        objects.some((o) => o.object.kind === "Deployment" && o.object.spec.template.metadata.annotations["test.kubechat.ai/run"] === tag);

    it("starts nothing ahead without remembered runs; the next plan starts them first and its render joins them", async () => {
        const file = path.join(tmp, "ahead.json");
        const tag = `${process.pid}-1`;
        const spec = await freshSpec(tag);
        assert.strictEqual(startAhead(ROOT, "stack-a", file), 0, "nothing remembered yet");
        rememberRuns(ROOT, "stack-a", [templateRun(spec, opts)], file);
        assert.strictEqual(startAhead(ROOT, "other stack", file), 0, "runs are remembered per key");

        const before = helmStats.started;
        assert.strictEqual(startAhead(ROOT, "stack-a", file), 1);
        assert.strictEqual(helmStats.started, before + 1, "handed to Helm at once");
        const [r] = await renderReleases([spec], opts);
        assert.strictEqual(helmStats.started, before + 1, "the plan's render is the run started ahead");
        assert.ok(!r.error, r.error);
        assert.ok(annotated(r.objects, tag));
    });

    it("does not use a run started ahead with other input, and stops it", async () => {
        const file = path.join(tmp, "stale.json");
        const spec = await freshSpec(`${process.pid}-2`);
        const stale = await freshSpec(`${process.pid}-2-old`);
        rememberRuns(ROOT, "stack-b", [templateRun(stale, opts), templateRun(stale, { ...opts, kubeVersion: "1.30.0" })], file);
        const before = { ...helmStats };
        assert.strictEqual(startAhead(ROOT, "stack-b", file), 2);
        const [r] = await renderReleases([spec], opts);
        assert.strictEqual(helmStats.started, before.started + 3, "rendered again with the plan's own input");
        assert.strictEqual(helmStats.stopped, before.stopped + 2);
        assert.ok(!r.error, r.error);
        assert.ok(annotated(r.objects, `${process.pid}-2`));
    });

    it("never runs more Helm processes at once than cores, however many renders are asked for", async () => {
        const specs = await Promise.all([3, 4, 5, 6, 7].map((n) => freshSpec(`${process.pid}-${n}`)));
        const out = await renderReleases(specs, opts);
        assert.strictEqual(out.length, 5);
        assert.ok(out.every((r) => !r.error));
        assert.ok(helmStats.maxRunning >= 1 && helmStats.maxRunning <= os.cpus().length, String(helmStats.maxRunning));
    });

    it("gives exactly what `helm template` writes when run directly", async () => {
        const spec = await freshSpec(`${process.pid}-8`);
        const run = templateRun(spec, opts);
        const values = path.join(tmp, "values.json");
        fs.writeFileSync(values, JSON.stringify(run.values));
        const [viaRuns, direct] = await Promise.all([helmTemplate(ROOT, run), runHelm(ROOT, [...run.args, "--values", values])]);
        assert.strictEqual(viaRuns.code, 0, viaRuns.stderr);
        assert.strictEqual(viaRuns.stdout, direct.stdout);
        assert.ok(viaRuns.stdout.includes(`${process.pid}-8`));
    });

    it("reports a chart Helm rejects with Helm's own message", async () => {
        const spec = await freshSpec(`${process.pid}-9`);
        const r = await helmTemplate(ROOT, { ...templateRun(spec, opts), args: [...templateRun(spec, opts).args, "--set", "replicaCount=[bad"] });
        assert.notStrictEqual(r.code, 0);
        assert.match(r.stderr, /Error/);
    });
});

describe("parse cache of rendered documents", () => {
    it("gives back what YAML parsing gives, for large and small documents; values JSON cannot carry are not cached", () => {
        const big = `\n# Source: c/templates/crd.yaml\nkind: CustomResourceDefinition\nmetadata:\n  name: x\nspec:\n  description: "${"a".repeat(25000)}"\n  n: 1\n`;
        const small = `\n# Source: c/templates/cm.yaml\nkind: ConfigMap\nmetadata:\n  name: y-${process.pid}\ndata:\n  a: "${"b".repeat(500)}"\n  on: yes\n`;
        for (const doc of [big, small]) {
            const first = parseRendered(doc)[0].object;
            assert.deepStrictEqual(parseRendered(doc)[0].object, first);
            assert.strictEqual(jsonSafe(first), true);
        }
        assert.strictEqual(parseRendered(big)[0].object.spec.n, 1);
        assert.strictEqual(parseRendered(small)[0].object.data.on, "yes", "YAML 1.2, as Helm's own parser reads it");
        assert.strictEqual(jsonSafe({ created: new Date(0) }), false);
        assert.strictEqual(jsonSafe({ max: Infinity }), false);
    });

    it("keeps the disk cache bounded: past the limit the older half goes", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-parsed-"));
        try {
            for (let i = 0; i < 10; i++) {
                const f = path.join(dir, `${i}.json`);
                fs.writeFileSync(f, "{}");
                fs.utimesSync(f, 1000 + i, 1000 + i);
            }
            trimParseCache(dir, 12);
            assert.strictEqual(fs.readdirSync(dir).length, 10, "under the limit nothing goes");
            trimParseCache(dir, 8);
            assert.deepStrictEqual(fs.readdirSync(dir).sort(), ["6.json", "7.json", "8.json", "9.json"]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
