import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { backupExclusions } from "../../components/backup/velero";
import { KubeObject, compareNamespace, comparable, excludedBySelector, outOfCluster, DeploymentLike } from "./velero";

const svc = (over: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: "v1", kind: "Service",
    metadata: { name: "api", namespace: "app", uid: "u1", resourceVersion: "10", creationTimestamp: "t", labels: { app: "api" } },
    spec: { clusterIP: "10.96.0.5", clusterIPs: ["10.96.0.5"], ports: [{ port: 80 }] },
    status: { loadBalancer: {} },
    ...over,
});

describe("test:dr's Velero comparison (test/dr/velero.ts)", () => {
    it("puts status, server-set metadata, Velero's restore labels and a Service's allocated IPs aside", () => {
        const restored = svc({ status: { x: 1 } });
        restored.metadata = { ...restored.metadata, uid: "u2", resourceVersion: "99", labels: { app: "api", "velero.io/backup-name": "b", "velero.io/restore-name": "r" } };
        (restored.spec as Record<string, unknown>).clusterIP = "10.96.0.9";
        assert.deepStrictEqual(comparable(restored), comparable(svc()));
        assert.deepStrictEqual(compareNamespace([svc()], [restored]), { before: 1, after: 1, missing: [], extra: [], changed: [] });
    });

    it("reports a changed field, a missing and an extra object", () => {
        const changed = svc({ spec: { clusterIP: "10.96.0.5", ports: [{ port: 81 }] } });
        const cm: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: {} };
        const extra: KubeObject = { apiVersion: "v1", kind: "Secret", metadata: { name: "s" } };
        const d = compareNamespace([svc(), cm], [changed, extra]);
        assert.deepStrictEqual(d.missing, ["core/ConfigMap/c"]);
        assert.deepStrictEqual(d.extra, ["core/Secret/s"]);
        assert.deepStrictEqual(d.changed, [{ key: "core/Service/api", paths: [".spec.ports"] }]);
    });

    it("keys an object with a generated name by its prefix (a Service's EndpointSlice made again by its controller)", () => {
        const slice = (name: string, port: number): KubeObject => ({ apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice",
            metadata: { name, generateName: "api-", labels: { "kubernetes.io/service-name": "api" } }, ports: [{ port }] });
        const made = slice("api-xyz12", 80);
        made.metadata.annotations = { "endpoints.kubernetes.io/last-change-trigger-time": "2026-12-06T09:00:00Z" };
        assert.deepStrictEqual(compareNamespace([slice("api-abcde", 80)], [made]), { before: 1, after: 1, missing: [], extra: [], changed: [] });
        assert.deepStrictEqual(compareNamespace([slice("api-abcde", 80)], [slice("api-xyz12", 81)]).changed, [{ key: "discovery.k8s.io/EndpointSlice/api-*", paths: [".ports"] }]);
        const two = compareNamespace([slice("api-a", 80), slice("api-b", 81)], [slice("api-c", 81)]);
        assert.deepStrictEqual([two.before, two.after, two.missing.length], [2, 1, 1]);
    });

    it("a headless Service keeps `clusterIP: None` in the comparison", () => {
        const headless = svc({ spec: { clusterIP: "None" } });
        assert.notDeepStrictEqual(comparable(headless), comparable(svc({ spec: { clusterIP: "10.0.0.1" } })));
    });

    it("applies the Schedules' label selector as Kubernetes does (NotIn keeps unlabelled objects)", () => {
        const sel = backupExclusions().labelSelector as never;
        assert.strictEqual(excludedBySelector({ application: "spilo" }, sel), true);
        assert.strictEqual(excludedBySelector({ application: "db-connection-pooler" }, sel), true);
        assert.strictEqual(excludedBySelector({ application: "kubechat" }, sel), false);
        assert.strictEqual(excludedBySelector(undefined, sel), false);
    });

    it("runs a Deployment's container out of cluster: arguments, environment, Secret files and mount paths", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "velero-test-"));
        try {
            const d: DeploymentLike = {
                metadata: { name: "velero", namespace: "velero" },
                spec: { template: { spec: {
                    initContainers: [{ name: "plugin", image: "plugin:v1" }],
                    containers: [{
                        name: "velero", image: "velero:v1", args: ["server", "--uploader-type=kopia"],
                        envFrom: [{ secretRef: { name: "env" } }],
                        env: [{ name: "AWS_SHARED_CREDENTIALS_FILE", value: "/credentials/cloud" }, { name: "VELERO_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                            { name: "LD_LIBRARY_PATH", value: "/plugins" }, { name: "OTHER", value: "/credentialsX" }],
                        volumeMounts: [{ name: "creds", mountPath: "/credentials" }, { name: "plugins", mountPath: "/plugins" }, { name: "scratch", mountPath: "/scratch" }, { name: "tmpdir", mountPath: "/tmp" }],
                    }],
                    volumes: [{ name: "creds", secret: { secretName: "cloud" } }, { name: "plugins", emptyDir: {} }, { name: "scratch", emptyDir: {} }, { name: "tmpdir", emptyDir: {} }],
                } } },
            };
            const secrets: Record<string, Record<string, string>> = { cloud: { cloud: "[default]\n" }, env: { FROM_ENV: "1" } };
            const c = outOfCluster(d, "velero", dir, (n) => secrets[n], { "/plugins": "/opt/plugins" });
            assert.deepStrictEqual(c.args, ["server", "--uploader-type=kopia"]);
            assert.strictEqual(c.env.AWS_SHARED_CREDENTIALS_FILE, path.join(dir, "creds", "cloud"));
            assert.strictEqual(fs.readFileSync(c.env.AWS_SHARED_CREDENTIALS_FILE, "utf8"), "[default]\n");
            assert.strictEqual(c.env.VELERO_NAMESPACE, "velero");
            assert.strictEqual(c.env.LD_LIBRARY_PATH, "/opt/plugins");
            assert.strictEqual(c.env.OTHER, "/credentialsX", "a value that only starts with the same letters is not a path under the mount");
            assert.strictEqual(c.env.FROM_ENV, "1");
            assert.deepStrictEqual([c.image, c.initImages], ["velero:v1", ["plugin:v1"]]);
            assert.ok(fs.statSync(c.mounts["/scratch"]).isDirectory());
            assert.strictEqual(c.env.TMPDIR, path.join(dir, "tmpdir"));
            d.spec.template.spec.volumes!.push({ name: "host", hostPath: { path: "/" } } as never);
            d.spec.template.spec.containers[0].volumeMounts!.push({ name: "host", mountPath: "/host" });
            assert.throws(() => outOfCluster(d, "velero", dir, (n) => secrets[n]), /only Secret and emptyDir volumes/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
