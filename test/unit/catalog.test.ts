import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { CHARTS, Catalog, IMAGES, splitImage } from "../../components/catalog";

import { readSums, sha256File, vendoredCharts } from "../../planner/render/charts";
import { ROOT } from "../../planner/root";

const CHARTS_DIR = vendoredCharts(ROOT);

describe("catalog", () => {
    it("pins every chart and image to an exact version", () => {
        for (const [k, c] of Object.entries(CHARTS)) {
            assert.match(c.version, /^\d+\.\d+\.\d+$/, k);
            assert.match(c.repo, /^https:\/\//, k);
        }
        for (const [k, i] of Object.entries(IMAGES)) {
            const tag: string = i.tag;
            assert.ok(tag !== "" && tag !== "latest", k);
            assert.ok(splitImage(i.repository).registry.includes("."), `${k} names its registry`);
        }
    });

    // Changing a pin: the archive goes into charts/ and its line into charts/SHA256SUMS (charts/SOURCES.md).
    it("vendors exactly the pinned archives in charts/, each listed in charts/SHA256SUMS with its digest", () => {
        const pinned = [...new Set(Object.values(CHARTS).map((c) => `${c.name}-${c.version}.tgz`))].sort();
        const present = fs.readdirSync(CHARTS_DIR).filter((f) => f.endsWith(".tgz")).sort();
        assert.deepStrictEqual(pinned.filter((f) => !present.includes(f)), [], "pinned in components/catalog.ts, no archive in charts/");
        assert.deepStrictEqual(present.filter((f) => !pinned.includes(f)), [], "archive in charts/ that no pin uses");
        const sums = readSums(path.join(CHARTS_DIR, "SHA256SUMS"));
        assert.deepStrictEqual([...sums.keys()].sort(), present, "charts/SHA256SUMS lists exactly the archives");
        for (const f of present) assert.strictEqual(sha256File(path.join(CHARTS_DIR, f)), sums.get(f), `${f}: digest differs from charts/SHA256SUMS`);
    });

    it("splits image references like a container runtime", () => {
        assert.deepStrictEqual(splitImage("nginx"), { registry: "docker.io", path: "library/nginx" });
        assert.deepStrictEqual(splitImage("istio/proxyv2"), { registry: "docker.io", path: "istio/proxyv2" });
        assert.deepStrictEqual(splitImage("localhost:5000/a/b"), { registry: "localhost:5000", path: "a/b" });
        assert.deepStrictEqual(splitImage("quay.io/prometheus/prometheus"), { registry: "quay.io", path: "prometheus/prometheus" });
    });

    it("uses upstream registries and repositories without overrides", () => {
        const c = new Catalog();
        assert.strictEqual(c.image("istio-proxyv2").ref, `docker.io/istio/proxyv2:${IMAGES["istio-proxyv2"].tag}`);
        assert.deepStrictEqual(c.chart("velero"), { chart: "velero", version: CHARTS.velero.version, repositoryOpts: { repo: CHARTS.velero.repo } });
    });

    it("rewrites every image to the customer registry, keeping the path", () => {
        const c = new Catalog({ registry: "mirror.corp:5000/kubechat/" });
        const i = c.image("prometheus");
        assert.strictEqual(i.registry, "mirror.corp:5000/kubechat");
        assert.strictEqual(i.repository, "prometheus/prometheus");
        assert.strictEqual(i.ref, `mirror.corp:5000/kubechat/prometheus/prometheus:${IMAGES.prometheus.tag}`);
        assert.strictEqual(c.resolve("ghcr.io/acme/worker", "2.0").ref, "mirror.corp:5000/kubechat/acme/worker:2.0");
        assert.deepStrictEqual(c.approvedRegistries(), ["mirror.corp:5000/kubechat"]);
    });

    it("points charts at an http mirror, an oci:// registry or a local directory", () => {
        const v = CHARTS.istiod.version;
        assert.deepStrictEqual(new Catalog({ chartRepository: "https://charts.corp/kubechat" }).chart("istiod"), { chart: "istiod", version: v, repositoryOpts: { repo: "https://charts.corp/kubechat" } });
        assert.deepStrictEqual(new Catalog({ chartRepository: "oci://registry.corp/charts" }).chart("istiod"), { chart: "oci://registry.corp/charts/istiod", version: v });
        assert.deepStrictEqual(new Catalog({ chartRepository: "/opt/kubechat/charts" }).chart("istiod"), { chart: `/opt/kubechat/charts/istiod-${v}.tgz` });
    });

    it("lists what was handed out: charts, and the images the program names (chart images come from rendering)", () => {
        const c = new Catalog({ registry: "r.example", chartRepository: "oci://r.example/charts" });
        c.chart("istiod");
        c.image("kubechat-api-gateway");
        const list = c.airgapList();
        assert.deepStrictEqual(list.charts, [{ name: "istiod", version: CHARTS.istiod.version, repo: "oci://r.example/charts" }]);
        assert.deepStrictEqual(list.images, [`r.example/kubechat/api-gateway:${IMAGES["kubechat-api-gateway"].tag}`]);
    });
});

describe("air-gap mirror commands", () => {
    // Imported lazily so the catalog tests stay independent of the plan runner.
    const { mirrorCopies, mirrorCommands } = require("../../planner/airgap/mirror") as typeof import("../../planner/airgap/mirror");

    it("copies each upstream image to the same path under the registry, as the catalog rewrites it", () => {
        const up = new Catalog();
        const down = new Catalog({ registry: "mirror.corp:5000/kc" });
        const m = mirrorCopies({ images: [up.image("istio-proxyv2").ref, up.image("spilo").ref], charts: [] }, "mirror.corp:5000/kc/");
        assert.deepStrictEqual(m.images.map((i) => i.to), [down.image("istio-proxyv2").ref, down.image("spilo").ref]);
        const cmds = mirrorCommands({ images: m.images, artifacts: [], charts: [{ name: "velero", version: "1.0.0", repo: "https://charts.example" }] }, "/tmp/charts");
        assert.ok(cmds.includes(`skopeo copy --all docker://${up.image("spilo").ref} docker://${down.image("spilo").ref}`));
        assert.ok(cmds.includes("helm pull velero --repo https://charts.example --version 1.0.0 --destination /tmp/charts"));
        // OCI artifacts (the Trivy DBs) go the same way, with oras (skopeo handles images only).
        const db = mirrorCopies({ images: [], artifacts: [up.image("trivy-db").ref], charts: [] }, "mirror.corp:5000/kc");
        assert.deepStrictEqual(db.artifacts, [{ from: "mirror.gcr.io/aquasec/trivy-db:2", to: "mirror.corp:5000/kc/aquasec/trivy-db:2" }]);
        assert.ok(mirrorCommands(db, "/tmp/charts").includes("oras copy mirror.gcr.io/aquasec/trivy-db:2 mirror.corp:5000/kc/aquasec/trivy-db:2"));
    });
});
