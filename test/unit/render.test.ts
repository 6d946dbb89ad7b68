/**
 * The pieces of rendering that need no chart: finding Helm, finding archives, reading CRD API
 * versions, parsing Helm's output, CRD schemas with the API server's pruning, images operators pull.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { readZipEntry } from "../../planner/render/helm";
import { findChartSource } from "../../planner/render/charts";
import { chartOf } from "../../planner/render/charts";
import { crdApiVersions } from "../../planner/render/crds";
import { parseRendered } from "../../planner/render/parse";
import { templateArgs } from "../../planner/render/releases";
import { validateStructural } from "../../planner/checks/crd-schema";
import { imageSet, imagesOf, outsideRegistry } from "../../planner/checks/images";

/** A zip with one stored and one deflated entry, written field by field (APPNOTE 4.3.7 / 4.3.12). */
function zipOf(entries: { name: string; data: Buffer; deflate: boolean }[]): Buffer {
    const locals: Buffer[] = [];
    const centrals: Buffer[] = [];
    let offset = 0;
    for (const e of entries) {
        const body = e.deflate ? zlib.deflateRawSync(e.data) : e.data;
        const name = Buffer.from(e.name);
        const local = Buffer.alloc(30);
        local.writeUInt32LE(0x04034b50, 0);
        local.writeUInt16LE(e.deflate ? 8 : 0, 8);
        local.writeUInt32LE(body.length, 18);
        local.writeUInt32LE(e.data.length, 22);
        local.writeUInt16LE(name.length, 26);
        const central = Buffer.alloc(46);
        central.writeUInt32LE(0x02014b50, 0);
        central.writeUInt16LE(e.deflate ? 8 : 0, 10);
        central.writeUInt32LE(body.length, 20);
        central.writeUInt32LE(e.data.length, 24);
        central.writeUInt16LE(name.length, 28);
        central.writeUInt32LE(offset, 42);
        locals.push(local, name, body);
        centrals.push(central, name);
        offset += 30 + name.length + body.length;
    }
    const cd = Buffer.concat(centrals);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(entries.length, 8);
    end.writeUInt16LE(entries.length, 10);
    end.writeUInt32LE(cd.length, 12);
    end.writeUInt32LE(offset, 16);
    return Buffer.concat([...locals, cd, end]);
}

describe("rendering: Helm and chart archives", () => {
    it("reads a zip entry with zlib alone (machines without unzip), stored or deflated", () => {
        const helm = Buffer.from("#!/bin/sh\necho helm\n".repeat(50));
        const zip = zipOf([{ name: "kubectl/kubectl", data: Buffer.from("k"), deflate: false }, { name: "helm/helm", data: helm, deflate: true }]);
        assert.deepStrictEqual(readZipEntry(zip, "helm/helm"), helm);
        assert.deepStrictEqual(readZipEntry(zip, "kubectl/kubectl"), Buffer.from("k"));
        assert.throws(() => readZipEntry(zip, "helm/missing"), /not found/);
    });

    it("finds archives in --charts, then a local-directory chartRepository, then charts/ in the checkout", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-charts-"));
        try {
            const mirror = path.join(root, "mirror");
            fs.mkdirSync(mirror);
            assert.strictEqual(findChartSource(root, {}).dir, undefined);
            assert.strictEqual(findChartSource(root, { chartRepository: "oci://r/charts" }).dir, undefined);
            assert.deepStrictEqual(findChartSource(root, { chartRepository: mirror }), { dir: mirror, from: "kubechat:chartRepository", tried: [`${mirror} (kubechat:chartRepository)`] });
            fs.mkdirSync(path.join(root, "charts"));
            assert.strictEqual(findChartSource(root, { chartRepository: "https://charts.corp" }).from, "charts/");
            assert.strictEqual(findChartSource(root, { charts: mirror, chartRepository: "/nowhere" }).from, "--charts");
            // An explicit --charts that does not exist is not replaced by another source.
            assert.strictEqual(findChartSource(root, { charts: path.join(root, "nope") }).dir, undefined);
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });

    it("knows the chart of a release whatever its source (repo, oci:// mirror, local archive)", () => {
        assert.deepStrictEqual(chartOf({ chart: "cni", version: "1.28.0", repositoryOpts: { repo: "https://x" } }), { chart: "cni", version: "1.28.0" });
        assert.deepStrictEqual(chartOf({ chart: "oci://r.corp/charts/kube-prometheus-stack", version: "88.0.0" }), { chart: "kube-prometheus-stack", version: "88.0.0" });
        assert.deepStrictEqual(chartOf({ chart: "/opt/charts/eck-operator-3.2.0.tgz" }), { chart: "eck-operator", version: "3.2.0" });
    });

    it("renders like Pulumi installs: release namespace, stack Kubernetes version, API versions, CRDs, no test hooks", () => {
        const spec = { resource: "r", name: "istiod", namespace: "istio-system", chart: "istiod", version: "1.28.0", values: {}, skipCrds: false };
        const args = templateArgs(spec, "/c/istiod-1.28.0.tgz", { kubeVersion: "1.33", apiVersions: ["a/v1", "b/v1"] });
        assert.deepStrictEqual(args, ["template", "istiod", "/c/istiod-1.28.0.tgz", "--namespace", "istio-system",
            "--kube-version", "1.33", "--api-versions", "a/v1,b/v1", "--include-crds", "--skip-tests"]);
        assert.ok(templateArgs({ ...spec, skipCrds: true }, "a", { kubeVersion: "1.33", apiVersions: [] }).includes("--skip-crds"));
    });

    it("reads the served API versions of CRDs from chart sources, template lines and all", () => {
        const crd = (indent: string, extra: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: things.example.io
  labels: {{- include "x" . | nindent 4 }}
spec:
${indent}group: example.io
${indent}names:
${indent}  kind: Thing
${indent}  plural: things
${indent}scope: Namespaced
${indent}versions:
${indent}- name: v1
${indent}  served: true
${indent}  schema:
${indent}    openAPIV3Schema:
${indent}      properties:
${indent}        spec:
${indent}          properties:
${indent}            name: {type: string}
${extra}`;
        const text = `${crd("  ", "  - name: v1beta1\n    served: false\n  - name: v2alpha1\n    served: true\n")}\n---\n${crd("    ", "")}`;
        assert.deepStrictEqual(crdApiVersions(text).sort(), ["example.io/v1", "example.io/v1/Thing", "example.io/v2alpha1", "example.io/v2alpha1/Thing"]);
    });

    it("parses Helm output with each object's template, and reports a duplicated key (the last value wins, as in Kubernetes)", () => {
        const out = "---\n# Source: c/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: one\n  k: two\n---\n# Source: c/templates/empty.yaml\n---\n# Source: c/templates/sa.yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: b\n";
        const problems: string[] = [];
        const objs = parseRendered(out, problems);
        assert.deepStrictEqual(objs.map((o) => [o.source, o.object.kind, o.object.metadata.name]), [["c/templates/cm.yaml", "ConfigMap", "a"], ["c/templates/sa.yaml", "ServiceAccount", "b"]]);
        assert.strictEqual(objs[0].object.data.k, "two");
        assert.strictEqual(problems.length, 1);
        assert.match(problems[0], /^c\/templates\/cm\.yaml: duplicated mapping key/);
    });
});

describe("rendering: CRD schemas as the API server applies them", () => {
    const schema = {
        type: "object",
        properties: {
            spec: {
                type: "object",
                required: ["size"],
                properties: {
                    size: { type: "integer", minimum: 1 },
                    port: { "x-kubernetes-int-or-string": true },
                    mode: { type: "string", pattern: "^(?i)(abort|warn)?$" },
                    match: { type: "object", properties: { exact: { type: "string" }, prefix: { type: "string" } }, oneOf: [{ not: { anyOf: [{ required: ["exact"] }, { required: ["prefix"] }] } }, { required: ["exact"] }, { required: ["prefix"] }] },
                    config: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                    labels: { type: "object", additionalProperties: { type: "string" } },
                    note: { type: "string", nullable: true },
                },
            },
        },
    };
    const cr = (spec: Record<string, unknown>) => ({ apiVersion: "example.io/v1", kind: "Thing", metadata: { name: "t", labels: { a: "b" } }, spec });

    it("accepts a valid object (metadata is the server's own to check)", () => {
        assert.deepStrictEqual(validateStructural(schema, cr({ size: 2, port: "http", mode: "WARN", match: { exact: "x" }, config: { any: { thing: 1 } }, labels: { a: "b" }, note: null })), []);
        assert.deepStrictEqual(validateStructural(schema, cr({ size: 1, port: 8080 })), []);
    });

    it("reports fields the server would prune, wrong types, missing required fields, bounds, patterns and oneOf", () => {
        assert.deepStrictEqual(validateStructural(schema, cr({ size: 1, sizee: 2 })), ["/spec/sizee: unknown field (the API server would prune it)"]);
        assert.deepStrictEqual(validateStructural(schema, cr({ size: "2" })), ["/spec/size: must be integer, not string"]);
        assert.deepStrictEqual(validateStructural(schema, cr({})), ["/spec: missing required field \"size\""]);
        assert.deepStrictEqual(validateStructural(schema, cr({ size: 0 })), ["/spec/size: must be >= 1"]);
        assert.deepStrictEqual(validateStructural(schema, cr({ size: 1, mode: "stop" })), ["/spec/mode: must match ^(?i)(abort|warn)?$"]);
        assert.deepStrictEqual(validateStructural(schema, cr({ size: 1, match: { exact: "a", prefix: "b" } })), ["/spec/match: must match exactly one of oneOf"]);
        assert.deepStrictEqual(validateStructural(schema, cr({ size: 1, labels: { a: 1 } })), ["/spec/labels/a: must be string, not integer"]);
    });
});

describe("rendering: images the cluster pulls", () => {
    const deployment = (name: string, image: string, args: string[] = [], init?: string) => ({
        apiVersion: "apps/v1", kind: "Deployment", metadata: { name },
        spec: { template: { spec: { initContainers: init ? [{ name: "init", image: init }] : [], containers: [{ name: "c", image, args }] } } },
    });

    it("finds pod images, custom-resource images and the images operators are configured to pull", () => {
        const found = imagesOf([
            { object: deployment("op", "quay.io/p/op:v1", ["--prometheus-config-reloader=quay.io/p/reloader:v1"], "quay.io/p/op:v1-init"), namespace: "monitoring" },
            // The Istio gateway's placeholder, filled by the injector from its own hub/tag.
            { object: deployment("gw", "auto"), namespace: "istio-ingress" },
            { object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "istio-sidecar-injector" }, data: { config: "x", values: JSON.stringify({ global: { hub: "r.io/istio", tag: "1.28.0", proxy: { image: "proxyv2" } } }) } }, namespace: "istio-system" },
            { object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "elastic-operator" }, data: { "eck.yaml": "container-registry: r.io/elastic\n" } }, namespace: "logging" },
            { object: { apiVersion: "elasticsearch.k8s.elastic.co/v1", kind: "Elasticsearch", metadata: { name: "logs", namespace: "logging" }, spec: { version: "8.19.6", nodeSets: [{ name: "a", podTemplate: { spec: { containers: [{ name: "elasticsearch" }] } } }] } } },
            { object: { apiVersion: "acid.zalan.do/v1", kind: "OperatorConfiguration", metadata: { name: "postgres-operator" }, configuration: { docker_image: "ghcr.io/z/spilo-17:4.0-p3", connection_pooler: { connection_pooler_image: "r.io/pgbouncer:1" }, logical_backup: { logical_backup_docker_image: "r.io/lb:2" } } }, namespace: "data" },
            { object: { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "x" }, spec: { versions: [{ schema: { containers: [{ image: "not/pulled:1" }] } }] } } },
        ]);
        assert.deepStrictEqual(imageSet(found), [
            "ghcr.io/z/spilo-17:4.0-p3", "quay.io/p/op:v1", "quay.io/p/op:v1-init", "quay.io/p/reloader:v1",
            "r.io/elastic/elasticsearch/elasticsearch:8.19.6", "r.io/istio/proxyv2:1.28.0", "r.io/lb:2", "r.io/pgbouncer:1",
        ]);
        assert.ok(found.some((f) => f.image === "quay.io/p/reloader:v1" && f.object === "Deployment monitoring/op"));
        assert.deepStrictEqual(outsideRegistry(found, "r.io/").map((f) => `${f.image} (${f.object})`), [
            "quay.io/p/op:v1 (Deployment monitoring/op)", "quay.io/p/op:v1-init (Deployment monitoring/op)", "quay.io/p/reloader:v1 (Deployment monitoring/op)",
            "ghcr.io/z/spilo-17:4.0-p3 (OperatorConfiguration data/postgres-operator)",
        ]);
    });
});

describe("rendering: ignored values and chart exceptions", () => {
    const { leafPaths, withoutPath, documents, unstableParts, differs } = require("../../planner/render/unused-values") as typeof import("../../planner/render/unused-values");
    const { loadExceptions } = require("../../planner/checks/chart-checks") as typeof import("../../planner/checks/chart-checks");

    it("tests each leaf value once (whole lists are leaves, free-form maps are not tested)", () => {
        const values = { a: { b: 1, c: [1, 2], resources: { limits: { cpu: "1" } } }, podAnnotations: { x: "y" }, d: {}, e: "s" };
        assert.deepStrictEqual(leafPaths(values), [["a", "b"], ["a", "c"], ["d"], ["e"]]);
        assert.deepStrictEqual(withoutPath(values, ["a", "b"]), { a: { c: [1, 2], resources: { limits: { cpu: "1" } } }, podAnnotations: { x: "y" }, d: {}, e: "s" });
        assert.strictEqual(values.a.b, 1, "the original is not changed");
    });

    it("a value's effect on a document whose checksum changes on every render is still seen (only the changing lines are ignored)", () => {
        // Two renders of the same values: the Secret's random password and the Deployment's checksum of it differ.
        const render = (pw: string, readOnly: boolean) => [
            "", "# Source: g/templates/secret.yaml", "kind: Secret", `data: {admin-password: ${pw}}`,
            "---", "# Source: g/templates/deployment.yaml", "kind: Deployment", `annotations: {checksum/secret: sum-${pw}}`, `readOnlyRootFilesystem: ${readOnly}`,
        ].join("\n");
        const base = documents(render("aaa", true));
        const unstable = unstableParts(base, documents(render("bbb", true)));
        assert.deepStrictEqual([...unstable].map(([k, v]) => [k, v === "all" ? v : [...v]]), [["g/templates/secret.yaml", [3]], ["g/templates/deployment.yaml", [3]]]);
        assert.strictEqual(differs(base, documents(render("ccc", true)), unstable), false, "a third random password is no change");
        assert.strictEqual(differs(base, documents(render("ccc", false)), unstable), true, "a changed security context is");
        const longer = documents(render("ccc", true).replace("kind: Deployment", "kind: Deployment\nreplicas: 2"));
        assert.strictEqual(differs(base, longer, unstable), true, "an added line is");
        // A document whose length changes between identical renders is left out whole.
        const whole = unstableParts(base, longer);
        assert.strictEqual(whole.get("g/templates/deployment.yaml"), "all");
        assert.strictEqual(differs(base, documents(render("ddd", false)), whole), false);
    });

    it("the exceptions file names chart, Kind/name, policy and a reason for every entry", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-exc-"));
        try {
            fs.mkdirSync(path.join(root, "policies"));
            const write = (text: string) => fs.writeFileSync(path.join(root, "policies", "chart-exceptions.yaml"), text);
            write("exceptions:\n  - {chart: cni, object: DaemonSet/istio-cni-node, policy: pss-host-path, reason: CNI installs into the host}\n");
            assert.deepStrictEqual(loadExceptions(root), [{ chart: "cni", object: "DaemonSet/istio-cni-node", policy: "pss-host-path", reason: "CNI installs into the host" }]);
            write("exceptions:\n  - {chart: cni, object: DaemonSet/istio-cni-node, policy: pss-host-path}\n");
            assert.throws(() => loadExceptions(root), /exceptions\[0\]\.reason is required/);
            write("exceptions:\n  - {chart: cni, object: istio-cni-node, policy: pss-host-path, reason: r}\n");
            assert.throws(() => loadExceptions(root), /must be <Kind>\/<name>/);
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });
});
