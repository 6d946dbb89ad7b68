import * as assert from "assert";
import { Plan, object, objects, planStack, release, resources, schemaCheck, planWithSecrets, leaksNoSecret } from "../harness";

const inVelero = (p: Plan) => p.resources.filter((r) => r.urn.includes("kubechat:backup:VeleroBackup"));
const EXPECTED = [
    ["daily", "0 2 * * *", "720h"],
    ["every-6h", "0 */6 * * *", "168h"],
    ["weekly", "0 3 * * 0", "2016h"],
    ["monthly", "0 4 1 * *", "8760h"],
    ["yearly", "0 5 1 1 *", "61320h"],
];

describe("VeleroBackup (component)", () => {
    it("dev: backup disabled, so no release and nothing else", async () => {
        const p = await planStack("dev");
        assert.strictEqual(inVelero(p).length, 0);
        assert.throws(() => release(p, "velero"));
    });

    describe("staging (on-prem)", () => {
        it("release in the velero namespace with the five schedules over the app and data namespaces", async () => {
            const p = await planStack("staging");
            const r = release(p, "velero");
            assert.strictEqual(r.inputs.namespace, "velero");
            assert.strictEqual(r.inputs.version, "12.0.0");
            const s = r.inputs.values.schedules;
            // Serialized maps come back with sorted keys.
            const byName = (a: string[], b: string[]) => a[0].localeCompare(b[0]);
            assert.deepStrictEqual(Object.entries(s).map(([n, v]: [string, any]) => [n, v.schedule, v.template.ttl]).sort(byName), [...EXPECTED].sort(byName));
            for (const v of Object.values(s) as any[]) {
                assert.deepStrictEqual(v.template.includedNamespaces, ["kubechat-system", "kubechat-data"]);
                assert.strictEqual(v.template.snapshotVolumes, false);
            }
        });

        it("S3-compatible location, file-system backup, the configured credentials Secret", async () => {
            const v = release(await planStack("staging"), "velero").inputs.values;
            assert.deepStrictEqual(v.configuration.backupStorageLocation, [{
                name: "default", provider: "aws", bucket: "kubechat-staging-velero", default: true,
                config: { region: "us-east-1", s3ForcePathStyle: "true", s3Url: "https://minio.storage.svc.cluster.local:9000" },
            }]);
            assert.strictEqual(v.deployNodeAgent, true);
            assert.strictEqual(v.configuration.defaultVolumesToFsBackup, true);
            assert.deepStrictEqual(v.credentials, { useSecret: false, extraSecretRef: "kubechat-object-store" });
        });

        it("namespace: privileged for the node agent, system-labelled; schema-valid", async () => {
            const p = await planStack("staging");
            const ns = object(p, "Namespace", "velero");
            assert.strictEqual(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");
            assert.deepStrictEqual((await schemaCheck(p)).errors, []);
        });

        it("no AWS resources on-prem", async () => {
            assert.ok(!inVelero(await planStack("staging")).some((r) => r.type.startsWith("aws:")));
        });
    });

    describe("object-store keys as Pulumi secrets", () => {
        it("a Secret in Velero's format, used as existingSecret", async () => {
            const p = await planWithSecrets();
            const s = object(p, "Secret", "velero-object-store");
            assert.strictEqual(s.metadata.namespace, "velero");
            // Secret: the plan shows the key (Velero's `cloud` file), never its value.
            assert.deepStrictEqual(s.stringData, { cloud: "[secret]" });
            assert.deepStrictEqual(release(p, "velero").inputs.values.credentials, { useSecret: true, existingSecret: "velero-object-store" });
        });
        it("the literal keys appear nowhere in the plan", async () => {
            const p = await planWithSecrets();
            const text = JSON.stringify({ resources: p.resources, outputs: p.outputs });
            assert.ok(leaksNoSecret(text));
        });
    });

    describe("prod (EKS)", () => {
        it("bucket: encrypted, versioned, private, TLS-only, lifecycle past 7 years, protected and retained", async () => {
            const p = await planStack("prod");
            const b = resources(p, "aws:s3/bucket:Bucket", "backup-bucket");
            assert.strictEqual(b.length, 1);
            assert.strictEqual(b[0].inputs.bucket, "kubechat-prod-velero-123456789012-us-east-1");
            assert.ok(b[0].protect && b[0].retainOnDelete);
            const companion = (type: string) => resources(p, type, "backup-bucket").map((r) => r.inputs).find((i) => i.bucket === "kubechat-prod-velero-123456789012-us-east-1");
            assert.strictEqual(companion("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
            assert.strictEqual(companion("aws:s3/bucketVersioning:BucketVersioning").versioningConfiguration.status, "Enabled");
            assert.strictEqual(companion("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").restrictPublicBuckets, true);
            assert.match(companion("aws:s3/bucketPolicy:BucketPolicy").policy, /aws:SecureTransport/);
            assert.strictEqual(companion("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").rules[0].expiration.days, 2585);
        });

        it("IRSA for the server service account, EBS snapshots, no node agent, no Secret", async () => {
            const p = await planStack("prod");
            const role = resources(p, "aws:iam/role:Role", "backup-irsa");
            assert.strictEqual(role.length, 1);
            assert.match(role[0].inputs.description, /velero\/velero-server/);
            const v = release(p, "velero").inputs.values;
            assert.deepStrictEqual(v.credentials, { useSecret: false });
            assert.ok(v.serviceAccount.server.annotations["eks.amazonaws.com/role-arn"]);
            assert.deepStrictEqual(v.configuration.volumeSnapshotLocation, [{ name: "default", provider: "aws", config: { region: "us-east-1" } }]);
            assert.strictEqual(v.deployNodeAgent, false);
            assert.strictEqual(v.schedules.daily.template.snapshotVolumes, true);
            assert.strictEqual(objects(p, "Secret", "velero-object-store").length, 0);
            assert.strictEqual(object(p, "Namespace", "velero").metadata.labels["pod-security.kubernetes.io/enforce"], "baseline");
        });

        it("the release waits for its bucket and IRSA role", async () => {
            const p = await planStack("prod");
            const r = release(p, "velero");
            for (const type of ["aws:s3/bucket:Bucket", "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "aws:iam/rolePolicy:RolePolicy"]) {
                const dep = resources(p, type, "backup-");
                assert.strictEqual(dep.length, 1, type);
                assert.ok(r.dependencies.includes(dep[0].urn), type);
            }
        });
    });
});
