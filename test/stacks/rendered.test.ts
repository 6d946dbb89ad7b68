/**
 * What deploys, rendered: every Helm release of each stack rendered with real Helm from the pinned
 * archives in charts/, and the checks that hold for our own objects held on the result.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AIRGAP, CHARTS_DIR, podImagesIn, renderedStack, resources } from "../harness";
import { imageSet, imagesOf } from "../../planner/checks/images";
import { IMAGES, ImageEntry, splitImage } from "../../components/catalog";
import { ROOT } from "../../planner/root";
import { renderReleases } from "../../planner/render/render";
import { writePlanFiles } from "../../planner/output/plan-files";
import { jsyaml } from "../../planner/js-yaml";
import { run as policyCheck } from "../../cmd/policy";


for (const stack of ["dev", "staging", "prod"]) {
    describe(`rendered charts: ${stack}`, () => {
        it("renders every release from charts/ without an error", async () => {
            const { plan, render } = await renderedStack(stack);
            assert.strictEqual(render.releases.length, resources(plan, "kubernetes:helm.sh/v3:Release").length);
            assert.deepStrictEqual(render.releases.filter((r) => r.error || r.objects.length === 0).map((r) => `${r.release.name}: ${r.error ?? "no objects"}`), []);
        });

        it("every rendered object and every custom resource of ours passes its schema (unknown fields included)", async () => {
            const { checks } = await renderedStack(stack);
            assert.deepStrictEqual(checks.schema.errors, []);
            assert.deepStrictEqual(checks.schema.unvalidatedKinds, []);
        });

        it("no chart's output breaks a mandatory policy beyond the written exceptions", async () => {
            const { checks } = await renderedStack(stack);
            assert.deepStrictEqual(checks.violations.filter((v) => v.level === "mandatory").map((v) => `${v.chart}: ${v.policy}: ${v.message}`), []);
        });

        it("the mesh, delivery and cluster charts have no violation at all (advisory included) beyond the written exceptions", async () => {
            const { checks } = await renderedStack(stack);
            const charts = new Set(["base", "cni", "istiod", "gateway", "argo-rollouts", "metrics-server", "cluster-autoscaler"]);
            assert.deepStrictEqual(checks.violations.filter((v) => charts.has(v.chart)).map((v) => `${v.chart}: ${v.policy}: ${v.message}`), []);
        });

        it("every entry of policies/chart-exceptions.yaml for a chart rendered here matches a violation (none is stale)", async () => {
            const { checks } = await renderedStack(stack);
            assert.deepStrictEqual(checks.unusedExceptions.map((e) => `${e.chart} ${e.object} ${e.policy}`), []);
        });

        if (stack !== "dev") {
            // dev's policies are advisory (the plan passes whatever it finds); the offline check knows no stack enforcement.
            it("`policy check --exceptions` over the written rendered/ and manifests/ reproduces the plan's verdict (without them it fails)", async () => {
                const { plan, render, checks } = await renderedStack(stack);
                const out = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-verdict-"));
                try {
                    const written = writePlanFiles(plan, out, { source: { dir: CHARTS_DIR, from: "--charts", tried: [] }, render, checks });
                    const planFails = written.mandatoryViolations > 0 || checks.violations.some((v) => v.level === "mandatory");
                    const quiet = { out: () => undefined, err: () => undefined };
                    const dirs = [path.join(out, "rendered"), path.join(out, "manifests")];
                    assert.strictEqual(await policyCheck(["check", ...dirs, "--exceptions", path.join(ROOT, "policies/chart-exceptions.yaml")], quiet), planFails ? 1 : 0);
                    assert.strictEqual(await policyCheck(["check", ...dirs], quiet), 1);
                } finally {
                    fs.rmSync(out, { recursive: true, force: true });
                }
            });
        }

        it("airgap.json is exactly the set of images the rendered charts and our objects pull", async () => {
            const { plan, render, checks } = await renderedStack(stack);
            const out = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-rendered-"));
            try {
                writePlanFiles(plan, out, { source: { dir: CHARTS_DIR, from: "--charts", tried: [] }, render, checks });
                const airgap = JSON.parse(fs.readFileSync(path.join(out, "airgap.json"), "utf8"));
                assert.deepStrictEqual(airgap.images, imageSet(checks.images));
                // "auto": Istio's gateway chart placeholder, replaced by the injected proxy's image.
                const pods = new Set(podImagesIn(render.releases.map((r) => r.objects.map((o) => o.object))).filter((i) => i !== "auto"));
                assert.deepStrictEqual([...pods].filter((i) => !airgap.images.includes(i)), []);
                assert.ok(fs.readdirSync(path.join(out, "rendered")).length === render.releases.length);
                // A Secret a chart renders (Alertmanager's configuration in the HA stacks) is written with its keys only.
                const secrets = render.releases.flatMap((r) => r.objects.filter((o) => o.object.kind === "Secret" && o.object.data).map(() => r.release.name));
                const written = fs.readdirSync(path.join(out, "rendered"), { recursive: true, withFileTypes: true })
                    .filter((e) => e.isFile() && e.name.startsWith("Secret-")).map((e) => jsyaml.load(fs.readFileSync(path.join(e.parentPath, e.name), "utf8")) as any);
                assert.strictEqual(written.length, render.releases.flatMap((r) => r.objects).filter((o) => o.object.kind === "Secret").length);
                assert.strictEqual(secrets.length > 0, stack !== "dev", "dev runs no Alertmanager");
                const values = written.flatMap((w) => [...Object.values(w.data ?? {}).map((v) => Buffer.from(String(v), "base64").toString()), ...Object.values(w.stringData ?? {})]);
                assert.deepStrictEqual([...new Set(values)], stack === "dev" ? [] : ["[secret]"]);
            } finally {
                fs.rmSync(out, { recursive: true, force: true });
            }
        });

        it("with kubechat:registry set, every image the cluster pulls comes from that registry", async () => {
            // The same plan as the air-gap tests (a registry and chart mirror never seen), rendered.
            const { checks } = await renderedStack(stack, AIRGAP);
            assert.ok(checks.images.length > 0);
            assert.deepStrictEqual(checks.outsideRegistry.map((f) => `${f.image} (${f.object})`), []);
        });
    });
}

describe("rendered charts: images are the chart versions' own defaults", () => {
    it("every image a chart deploys (prod: every chart) has the tag the chart renders with no values, or says in the catalog why not", async () => {
        const { render } = await renderedStack("prod");
        const defaults = await renderReleases(render.releases.map((r) => ({ ...r.release, values: {} })), {
            root: ROOT, chartDir: CHARTS_DIR, kubeVersion: render.kubeVersion, apiVersions: render.apiVersions,
        });
        const split = (ref: string) => {
            const { path: p } = splitImage(ref);
            const at = p.lastIndexOf(":");
            return { path: p.slice(0, at), tag: p.slice(at + 1) };
        };
        const differs = new Map(Object.values(IMAGES).filter((i: ImageEntry) => i.differs).map((i: ImageEntry) => [splitImage(i.repository).path, i]));
        const wrong: string[] = [];
        render.releases.forEach((r, i) => {
            const dflt = new Map(imageSet(imagesOf(defaults[i].objects.map((o) => ({ object: o.object })))).map((ref) => [split(ref).path, split(ref).tag]));
            for (const ref of imageSet(imagesOf(r.objects.map((o) => ({ object: o.object }))))) {
                const { path: p, tag } = split(ref);
                const want = dflt.get(p);
                if (want !== undefined && want !== tag && !differs.has(p)) wrong.push(`${r.release.name}: ${p}:${tag}, chart default ${want}`);
            }
        });
        assert.deepStrictEqual(wrong, []);
        // Each stated difference is real: the entry is not the chart default.
        for (const [p, e] of differs) assert.ok(e.differs!.length > 20, `${p}: the reason is written out`);
    });
});
