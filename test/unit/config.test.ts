import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigError, decodeStackValues, parseConfig } from "../../components/config";
import { stackConfig } from "../../planner/config-reference";
import { configProblems as problems, minimalOnPremConfig as base } from "../harness";

describe("config loader", () => {
    it("accepts an empty-but-complete on-prem config and fills documented defaults", () => {
        const c = parseConfig(base(), "p", "s");
        assert.strictEqual(c.cluster.kind, "onprem");
        assert.strictEqual(c.postgres.instances, 3);
        assert.strictEqual(c.services["api-gateway"].maxReplicas, 20);
        assert.deepStrictEqual(Object.keys(c.eks.nodeGroups), ["general-purpose", "compute-optimized"]);
        assert.deepStrictEqual(c.eks.nodeGroups["compute-optimized"].taints, ["workload-type=compute-intensive:NoSchedule"]);
    });

    it("reports wrong types, ranges, enums and unknown keys all at once, each naming its key", () => {
        const p = problems({ ...base(), postgres: { instances: 0, backupBucket: "pg", colour: "red" }, cluster: { kind: "gke" }, mesh: { enabled: "yes" }, typo: 1 });
        assert.deepStrictEqual(p.sort(), [
            "kubechat:cluster.kind: must be one of: onprem, eks",
            "kubechat:mesh.enabled: must be a boolean, not the string \"yes\"",
            "kubechat:postgres.colour: unknown key",
            "kubechat:postgres.instances: must be >= 1",
            "kubechat:typo: unknown key",
        ]);
    });

    it("validates entries of named maps and merges them over their defaults", () => {
        const c = parseConfig({ ...base(), eks: { nodeGroups: { "compute-optimized": { maxSize: 4 } } } }, "p", "s");
        assert.strictEqual(c.eks.nodeGroups["compute-optimized"].maxSize, 4);
        assert.strictEqual(c.eks.nodeGroups["compute-optimized"].minSize, 0);
        assert.deepStrictEqual(c.eks.nodeGroups["compute-optimized"].instanceTypes, ["c5.large", "c5.xlarge"]);
        assert.deepStrictEqual(problems({ ...base(), services: { Bad_Name: { image: "x" } } }), ["kubechat:services.Bad_Name: key must be a DNS-1123 label (lower-case letters, digits, '-')"]);
        assert.deepStrictEqual(problems({ ...base(), services: { worker: { exposed: false } } }), [
            "kubechat:services.worker.image: is required for services other than api-gateway",
            "kubechat:services.worker.tag: is required (only api-gateway has a catalog default)",
        ]);
    });

    it("keeps on-prem egress closed: the API server, the nodes and an external object store need their addresses", () => {
        const b = base();
        assert.deepStrictEqual(problems({ ...b, cluster: {}, objectStore: { ...b.objectStore, cidrs: [] } }), [
            "kubechat:cluster.apiServerCidrs: is required on-prem: the VPA controllers, istiod, Prometheus, Fluent Bit, the ECK operator, Velero, Postgres (Patroni), Argo Rollouts, the Trivy Operator, services.api-gateway reach the Kubernetes API, and NetworkPolicies allow it only at its addresses (kubectl get endpoints kubernetes -n default)",
            "kubechat:cluster.nodeCidrs: is required on-prem when observability.metrics is on: Prometheus scrapes the kubelets (10250) and node-exporter (9100) at the nodes' addresses, and NetworkPolicies allow it only there (kubectl get nodes -o wide)",
            "kubechat:objectStore.cidrs: is required when objectStore.endpoint names a host outside the cluster (minio.example): NetworkPolicies match addresses, not names",
        ]);
        // The fewest API readers (the VPA controllers always run), no metrics, an in-cluster store:
        // only the API server's addresses are needed.
        const minimal = {
            ...b, cluster: {}, postgres: { enabled: false }, delivery: { strategy: "rolling" }, services: { "api-gateway": { readsKubernetesApi: false } },
            mesh: { enabled: false }, observability: { metrics: false, logs: false, traces: false }, backup: { enabled: false }, trivy: { enabled: false },
            objectStore: { endpoint: "http://minio.storage.svc:9000", credentialsSecret: "s" },
        };
        assert.deepStrictEqual(problems(minimal), [
            "kubechat:cluster.apiServerCidrs: is required on-prem: the VPA controllers reach the Kubernetes API, and NetworkPolicies allow it only at its addresses (kubectl get endpoints kubernetes -n default)",
        ]);
        assert.deepStrictEqual(problems({ ...minimal, cluster: { apiServerCidrs: ["10.0.0.1/32"] } }), []);
        // An external Elasticsearch named by host needs its addresses, on any cluster kind.
        const es = { ...b, observability: { elasticsearchUrl: "https://es.corp.example:9200" } };
        assert.deepStrictEqual(problems(es), [
            "kubechat:observability.elasticsearchCidrs: is required when observability.elasticsearchUrl names a host outside the cluster (es.corp.example): NetworkPolicies match addresses, not names",
        ]);
        assert.deepStrictEqual(problems({ ...es, observability: { ...es.observability, elasticsearchCidrs: ["10.40.0.0/24"] } }), []);
    });

    it("checks rules across keys", () => {
        assert.deepStrictEqual(problems({ ...base(), services: { "api-gateway": { minReplicas: 5, maxReplicas: 2 } } }), ["kubechat:services.api-gateway.maxReplicas: must be >= minReplicas (5)"]);
        assert.deepStrictEqual(problems({ ...base(), delivery: { canarySteps: [5, 50, 25] } }), ["kubechat:delivery.canarySteps: weights must increase", "kubechat:delivery.canarySteps: must end at 100"]);
        // Each weight's analysis must take more measurements than either limit, or it passes unmeasured.
        const gate = (delivery: object) => problems({ ...base(), delivery: { strategy: "canary", ...delivery } }).filter((p) => p.includes("gate") || p.includes("analysis"));
        const tooShort = (min: number, n: number) => `kubechat:delivery.pauseMinutes: each canary weight below 100 is held for an error-rate analysis of pauseMinutes (${min} min: ${n} measurement(s)), but it needs at least 3 to tell a failing canary or one nobody calls from a healthy one (with fewer, Argo Rollouts passes it unmeasured); set pauseMinutes to at least 3`;
        assert.deepStrictEqual(gate({ pauseMinutes: 0 }), [tooShort(0, 0)]);
        assert.deepStrictEqual(gate({ pauseMinutes: 2 }), [tooShort(2, 2)]);
        assert.deepStrictEqual(gate({ pauseMinutes: 3 }), []);
        // The rule is per weight now: one weight below 100 needs no longer time than three.
        assert.deepStrictEqual(gate({ canarySteps: [50, 100], pauseMinutes: 2 }), [tooShort(2, 2)]);
        assert.deepStrictEqual(gate({ canarySteps: [50, 100], pauseMinutes: 3 }), []);
        assert.deepStrictEqual(gate({ canarySteps: [100] }), ["kubechat:delivery.canarySteps: a canary needs a weight below 100 for its error-rate gate to measure anything before the canary takes all traffic"]);
        assert.deepStrictEqual(problems({ ...base(), delivery: { strategy: "blueGreen", pauseMinutes: 0 } }).filter((p) => p.includes("gate")), []);
        assert.deepStrictEqual(problems({ cluster: base().cluster, objectStore: { endpoint: "" } }), [
            "kubechat:objectStore.endpoint: is required on-prem when postgres.backups or backup.enabled is on",
            "kubechat:postgres.backupBucket: is required on-prem when postgres.backups is on",
            "kubechat:backup.bucket: is required on-prem when backup.enabled is on",
            "kubechat:objectStore.credentialsSecret: is required unless kubechat:objectStoreAccessKeyId and kubechat:objectStoreSecretAccessKey are set (as secrets)",
        ]);
        const eks = { cluster: { kind: "eks", zones: 3 }, eks: { privateAccessCidrs: ["10.100.0.0/24"], accountId: "123456789012", nodeGroups: { "general-purpose": { minSize: 3, maxSize: 45, desiredSize: 3 } } } };
        assert.deepStrictEqual(problems(eks), ["kubechat:eks.nodeGroups: maximum sizes add up to 55, above eks.maxNodes (50)"]);
        assert.deepStrictEqual(problems({ ...eks, eks: { privateAccessCidrs: ["10.100.0.0/24"], accountId: "123456789012", nodeGroups: { "general-purpose": { minSize: 3, maxSize: 20, desiredSize: 1 } } } }), ["kubechat:eks.nodeGroups.general-purpose.desiredSize: must be between minSize and maxSize (3..20)"]);
    });

    it("applies the components' own rules before anything is created", () => {
        assert.deepStrictEqual(problems({ ...base(), mesh: { enabled: false }, delivery: { strategy: "canary" } }), ["kubechat:delivery.strategy: canary traffic shifting needs the mesh (mesh.enabled)"]);
        assert.deepStrictEqual(problems({ ...base(), services: { "api-gateway": { vpaMode: "Recreate" } } }), [
            "kubechat:services.api-gateway.vpaMode: must be Off while an HPA scales on cpu and memory (maxReplicas > minReplicas); VPA would fight the HPA",
        ]);
        assert.deepStrictEqual(problems({ ...base(), services: { worker: { image: "ghcr.io/acme/worker", tag: "1.0", exposed: true } } }), [
            "kubechat:services: only one service can own the external host, but api-gateway, worker are exposed; set exposed: false on the others",
        ]);
        assert.deepStrictEqual(problems({ ...base(), postgres: { backupBucket: "pg", baseBackupSchedule: "0 */6 * * *" } }), [
            'kubechat:postgres.baseBackupSchedule: must be a daily cron "M H * * *" (retention is counted in daily base backups)',
        ]);
    });

    it("refuses secrets given in plain text and keeps them out of the typed config", () => {
        const kubeconfig = "apiVersion: v1\nkind: Config\n";
        assert.deepStrictEqual(problems({ ...base(), kubeconfig }), ["kubechat:kubeconfig: kubeconfig contents must be set as a secret (pulumi config set --secret)"]);
        const c = parseConfig({ ...base(), kubeconfig, objectStoreAccessKeyId: "AKIA", objectStoreSecretAccessKey: "s3cr3t" }, "p", "s",
            ["kubechat:kubeconfig", "kubechat:objectStoreAccessKeyId", "kubechat:objectStoreSecretAccessKey"]);
        assert.strictEqual(c.kubeconfig, "");
        assert.strictEqual(c.objectStoreSecretAccessKey, "");
        assert.ok(c.kubeconfigSecret && c.objectStoreCredentials);
        assert.ok(!JSON.stringify(c).includes("s3cr3t"));
    });
});

describe("one stack-value decoder", () => {
    it("keeps string keys strings, decodes the rest as JSON and passes on only the provider keys it checks", () => {
        const { raw, providers } = decodeStackValues({
            "kubechat:objectStoreAccessKeyId": "12345678901234567890",
            "kubechat:registry": "1e3",
            "kubechat:postgres": '{"instances":3}',
            "kubechat:persistent": "true",
            "aws:region": "eu-west-1",
            "kubernetes:context": "kind",
        });
        assert.deepStrictEqual(raw, { objectStoreAccessKeyId: "12345678901234567890", registry: "1e3", postgres: { instances: 3 }, persistent: true });
        assert.deepStrictEqual(providers, { "aws:region": "eu-west-1" });
    });

    it("gen:config reads a stack file as the program does: an aws:region that contradicts eks.region fails there too", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gen-config-"));
        try {
            const file = path.join(dir, "Pulumi.t.yaml");
            const eks = { accountId: "123456789012", privateAccessCidrs: ["10.100.0.0/24"] };
            const write = (region: string) => fs.writeFileSync(file, YAML.stringify({ config: { "aws:region": region, "kubechat:cluster": { kind: "eks" }, "kubechat:eks": eks } }));
            write("us-east-1");
            assert.strictEqual(stackConfig("t", file).eks.region, "us-east-1");
            write("us-west-2");
            assert.throws(() => stackConfig("t", file), (e: Error) => e instanceof ConfigError && /aws:region: us-west-2 differs from kubechat:eks\.region us-east-1/.test(e.message));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
