import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Catalog } from "../../components/catalog";
import {
    SCHEDULES, veleroBucketExpirationDays, veleroCredentialsFile, veleroIamPolicy, veleroNamespaceLabels, veleroSchedules, veleroValues,
} from "../../components/backup/velero";

const catalog = new Catalog();
const images = () => ({ velero: catalog.image("velero"), awsPlugin: catalog.image("velero-plugin-for-aws"), kubectl: catalog.image("kubectl") });
const NS = ["kubechat-system", "kubechat-data"];

describe("backup: Velero pure planning", () => {
    it("the five schedules with exact cron and ttl, over the app and data namespaces", () => {
        const s: any = veleroSchedules(NS, true);
        const table = Object.entries(s).map(([name, v]: [string, any]) => [name, v.schedule, v.template.ttl]);
        assert.deepStrictEqual(table, [
            ["daily", "0 2 * * *", "720h"],
            ["every-6h", "0 */6 * * *", "168h"],
            ["weekly", "0 3 * * 0", "2016h"],
            ["monthly", "0 4 1 * *", "8760h"],
            ["yearly", "0 5 1 1 *", "61320h"],
        ]);
        for (const v of Object.values(s) as any[]) {
            assert.strictEqual(v.useOwnerReferencesInBackup, false);
            assert.strictEqual(v.disabled, false);
            assert.deepStrictEqual(v.template.includedNamespaces, NS);
            assert.strictEqual(v.template.snapshotVolumes, true);
            assert.strictEqual(v.template.storageLocation, "default");
        }
        assert.strictEqual((veleroSchedules(NS, false) as any).daily.template.snapshotVolumes, false);
    });

    it("bucket lifecycle outlives the longest ttl (7 years) by the margin", () => {
        assert.strictEqual(SCHEDULES.length, 5);
        assert.strictEqual(veleroBucketExpirationDays(), 2555 + 30);
    });

    describe("EKS values", () => {
        const v: any = veleroValues({ images: images(), includedNamespaces: NS, snapshotVolumes: true,
            storage: { bucket: "kubechat-prod-velero", region: "us-east-1", roleArn: "arn:aws:iam::1:role/velero" } });
        it("images from the catalog: server, AWS plugin init container on /target, kubectl job", () => {
            assert.deepStrictEqual(v.image, { repository: "docker.io/velero/velero", tag: "v1.17.1" });
            assert.strictEqual(v.initContainers[0].name, "velero-plugin-for-aws");
            assert.strictEqual(v.initContainers[0].image, "docker.io/velero/velero-plugin-for-aws:v1.13.1");
            assert.deepStrictEqual(v.initContainers[0].volumeMounts, [{ mountPath: "/target", name: "plugins" }]);
            assert.deepStrictEqual(v.kubectl.image, { repository: "docker.io/bitnamisecure/kubectl", tag: "1.33.5" });
        });
        it("S3 location and EBS snapshot location in the region; IRSA instead of a Secret", () => {
            assert.deepStrictEqual(v.configuration.backupStorageLocation, [{ name: "default", provider: "aws", bucket: "kubechat-prod-velero", default: true, config: { region: "us-east-1" } }]);
            assert.deepStrictEqual(v.configuration.volumeSnapshotLocation, [{ name: "default", provider: "aws", config: { region: "us-east-1" } }]);
            assert.strictEqual(v.deployNodeAgent, false);
            assert.strictEqual(v.configuration.defaultVolumesToFsBackup, undefined);
            assert.deepStrictEqual(v.credentials, { useSecret: false });
            assert.deepStrictEqual(v.serviceAccount.server.annotations, { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/velero" });
            assert.strictEqual(v.serviceAccount.server.name, "velero-server");
        });
        it("hardened containers with resources", () => {
            for (const sc of [v.containerSecurityContext, v.initContainers[0].securityContext, v.kubectl.containerSecurityContext]) {
                assert.strictEqual(sc.runAsNonRoot, true);
                assert.strictEqual(sc.allowPrivilegeEscalation, false);
                assert.deepStrictEqual(sc.capabilities, { drop: ["ALL"] });
            }
            assert.ok(v.resources.limits.memory && v.initContainers[0].resources.limits.memory);
        });
    });

    describe("on-prem values", () => {
        const base = { bucket: "kubechat-staging-velero", region: "us-east-1", endpoint: "https://minio:9000", forcePathStyle: true };
        it("S3-compatible location, file-system backup through the node agent", () => {
            const v: any = veleroValues({ images: images(), includedNamespaces: NS, snapshotVolumes: false, storage: { ...base, existingSecret: "velero-object-store" } });
            assert.deepStrictEqual(v.configuration.backupStorageLocation[0].config, { region: "us-east-1", s3ForcePathStyle: "true", s3Url: "https://minio:9000" });
            assert.deepStrictEqual(v.configuration.volumeSnapshotLocation, []);
            assert.strictEqual(v.deployNodeAgent, true);
            assert.strictEqual(v.configuration.defaultVolumesToFsBackup, true);
            assert.strictEqual(v.snapshotsEnabled, false);
            assert.deepStrictEqual(v.credentials, { useSecret: true, existingSecret: "velero-object-store" });
            assert.strictEqual(v.serviceAccount.server.annotations, undefined);
        });
        it("an existing env-style Secret is loaded through extraSecretRef", () => {
            const v: any = veleroValues({ images: images(), includedNamespaces: NS, snapshotVolumes: false, storage: { ...base, envSecret: "kubechat-object-store" } });
            assert.deepStrictEqual(v.credentials, { useSecret: false, extraSecretRef: "kubechat-object-store" });
        });
    });

    it("IAM: only the bucket, its key and the EC2 snapshot calls", () => {
        const p = JSON.parse(veleroIamPolicy("kubechat-prod-velero", "arn:aws:kms:us-east-1:1:key/k"));
        const s3 = p.Statement.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith("s3:")));
        assert.deepStrictEqual(s3.map((s: any) => s.Resource), ["arn:aws:s3:::kubechat-prod-velero", "arn:aws:s3:::kubechat-prod-velero/*"]);
        const ec2 = p.Statement.find((s: any) => s.Sid === "Snapshots");
        assert.ok(ec2.Action.every((a: string) => a.startsWith("ec2:")));
        assert.ok(p.Statement.every((s: any) => ![s.Action].flat().some((a: string) => a.endsWith("*"))));
    });

    it("credentials file is a secret Output in Velero's format", async () => {
        const out = veleroCredentialsFile("AKID", "SAK");
        assert.strictEqual(await (out as any).isSecret, true);
        const text = await new Promise<string>((resolve) => out.apply((t) => { resolve(t); return t; }));
        assert.strictEqual(text, "[default]\naws_access_key_id=AKID\naws_secret_access_key=SAK\n");
        assert.ok(pulumi.Output.isInstance(out));
    });

    it("namespace Pod Security: privileged only with the node agent; a platform namespace", () => {
        assert.strictEqual(veleroNamespaceLabels(true)["pod-security.kubernetes.io/enforce"], "privileged");
        assert.strictEqual(veleroNamespaceLabels(false)["pod-security.kubernetes.io/enforce"], "baseline");
        assert.strictEqual(veleroNamespaceLabels(false)["kubechat.ai/system"], "true");
    });
});
