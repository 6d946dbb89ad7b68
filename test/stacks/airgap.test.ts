/**
 * The air-gap promise: with kubechat:registry and kubechat:chartRepository set (to a registry and a
 * mirror this code has never seen), nothing in the plan points anywhere else — including chart values
 * that carry images — and airgap.json lists everything to mirror.
 */
import * as assert from "assert";
import { IMAGES, splitImage } from "../../components/catalog";
import { AIRGAP, planStack, k8sObjects, podImagesIn } from "../harness";
import { stringsWithPaths } from "../strings";

const REGISTRY = AIRGAP.registry;
const MIRROR = AIRGAP.chartRepository;
const UPSTREAM_HOSTS = [...new Set([...Object.values(IMAGES).map((i) => splitImage(i.repository).registry), "gcr.io", "public.ecr.aws", "mcr.microsoft.com", "registry-1.docker.io"])];

for (const stack of ["dev", "staging", "prod"]) {
    describe(`air-gap: ${stack} with a private registry and chart mirror`, () => {
        const plan = () => planStack(stack, AIRGAP);

        it("no value anywhere in the plan names an upstream registry", async () => {
            const found = (await plan()).resources.flatMap((r) => stringsWithPaths(r.inputs, r.name));
            const leaks = found.filter(([, s]) => UPSTREAM_HOSTS.some((h) => new RegExp(`(^|[^a-z0-9.-])${h.replace(/\./g, "\\.")}/`).test(s)));
            assert.deepStrictEqual(leaks.map(([at, s]) => `${at}: ${s}`), []);
        });

        it("every chart comes from the mirror", async () => {
            const releases = (await plan()).resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
            for (const r of releases) {
                assert.ok(String(r.inputs.chart).startsWith(`${MIRROR}/`), `${r.name}: ${r.inputs.chart}`);
                assert.strictEqual(r.inputs.repositoryOpts?.repo, undefined, r.name);
            }
        });

        it("every pod image comes from the registry and is listed in airgap.json with every chart", async () => {
            const p = await plan();
            const images = podImagesIn(k8sObjects(p));
            const airgap = p.outputs.airgap as { images: string[]; charts: { name: string; version: string; repo: string }[] };
            for (const img of images) {
                assert.ok(img.startsWith(`${REGISTRY}/`), img);
                assert.ok(airgap.images.includes(img), `${img} missing from airgap.json`);
            }
            for (const img of airgap.images) assert.ok(img.startsWith(`${REGISTRY}/`) && /:[\w.-]+$/.test(img), img);
            const releases = p.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
            for (const r of releases) {
                const name = String(r.inputs.chart).slice(MIRROR.length + 1);
                assert.ok(airgap.charts.some((c) => c.name === name && c.version === r.inputs.version && c.repo === MIRROR), `${name} missing from airgap.json`);
            }
        });
    });
}
