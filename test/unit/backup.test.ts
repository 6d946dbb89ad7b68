import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Catalog } from "../../components/catalog";
import { namespaceLabels } from "../../components/release";
import {
    SCHEDULES, UPGRADE_JOB_RESOURCES, veleroBucketExpirationDays, veleroCredentialsFile, veleroIamPolicy, veleroNamespace, veleroSchedules, veleroValues,
} from "../../components/backup/velero";

const catalog = new Catalog();
const images = () => ({ velero: catalog.image("velero"), awsPlugin: catalog.image("velero-plugin-for-aws") });
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
        it("images: Velero 1.18.0 (chart 12's appVersion, whose CRD hook runs `install --crds-only --apply`) and AWS plugin 1.14", () => {
            assert.deepStrictEqual(v.image, { repository: "docker.io/velero/velero", tag: "v1.18.0" });
            assert.strictEqual(v.initContainers[0].name, "velero-plugin-for-aws");
            assert.strictEqual(v.initContainers[0].image, "docker.io/velero/velero-plugin-for-aws:v1.14.2");
            assert.deepStrictEqual(v.initContainers[0].volumeMounts, [{ mountPath: "/target", name: "plugins" }]);
            // Chart 12 renders no kubectl image with these values (no cleanUpCRDs, no namespace labels).
            assert.strictEqual(v.kubectl, undefined);
            assert.ok(!JSON.stringify(v).includes("bitnami"));
        });
        it("the CRD-upgrade Job has requests and limits", () => {
            assert.deepStrictEqual(v.upgradeJobResources, UPGRADE_JOB_RESOURCES);
            assert.ok(v.upgradeJobResources.requests.cpu && v.upgradeJobResources.limits.memory);
        });
        it("S3 location and EBS snapshot location in the region; IRSA instead of a Secret", () => {
            assert.deepStrictEqual(v.configuration.backupStorageLocation, [{ name: "default", provider: "aws", bucket: "kubechat-prod-velero", default: true, config: { region: "us-east-1" } }]);
            assert.deepStrictEqual(v.configuration.volumeSnapshotLocation, [{ name: "default", provider: "aws", config: { region: "us-east-1" } }]);
            assert.strictEqual(v.deployNodeAgent, false);
            assert.strictEqual(v.configuration.defaultVolumesToFsBackup, undefined);
            assert.deepStrictEqual(v.credentials, { useSecret: false });
            assert.deepStrictEqual(v.serviceAccount.server.annotations, { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/velero" });
        });
        it("hardened containers with resources", () => {
            for (const sc of [v.containerSecurityContext, v.initContainers[0].securityContext]) {
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
            assert.strictEqual(v.configuration.volumeSnapshotLocation, undefined);
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

    it("schedules leave out what WAL-G restores: the postgresql/operator kinds and everything the operator labels", () => {
        const t = (veleroSchedules(NS, false) as any).daily.template;
        assert.deepStrictEqual(t.excludedResources, ["postgresqls.acid.zalan.do", "operatorconfigurations.acid.zalan.do", "postgresteams.acid.zalan.do"]);
        assert.deepStrictEqual(t.labelSelector, { matchExpressions: [{ key: "application", operator: "NotIn", values: ["spilo", "spilo-logical-backup", "db-connection-pooler"] }] });
    });

    it("IAM: restoring snapshots of KMS-encrypted volumes may use the stack's key (grant only for AWS resources)", () => {
        const key = "arn:aws:kms:us-east-1:1:key/k";
        const p = JSON.parse(veleroIamPolicy("kubechat-prod-velero", key, "aws"));
        const kms = p.Statement.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith("kms:")));
        const actions = kms.flatMap((s: any) => [s.Action].flat());
        for (const a of ["kms:CreateGrant", "kms:DescribeKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:Decrypt"]) assert.ok(actions.includes(a), a);
        assert.ok(kms.every((s: any) => s.Resource === key));
        const grant = kms.find((s: any) => [s.Action].flat().includes("kms:CreateGrant"));
        assert.deepStrictEqual(grant.Condition, { Bool: { "kms:GrantIsForAWSResource": "true" } });
    });

    it("IAM: only the bucket, its key and the EC2 snapshot calls", () => {
        const p = JSON.parse(veleroIamPolicy("kubechat-prod-velero", "arn:aws:kms:us-east-1:1:key/k", "aws"));
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
        const labels = (nodeAgent: boolean) => namespaceLabels(veleroNamespace("velero", nodeAgent));
        assert.strictEqual(labels(true)["pod-security.kubernetes.io/enforce"], "privileged");
        assert.strictEqual(labels(false)["pod-security.kubernetes.io/enforce"], "baseline");
        assert.strictEqual(labels(false)["kubechat.ai/system"], "true");
    });
});

describe("catalog: no unpullable kubectl image", () => {
    it("bitnamisecure/kubectl:1.33.5 (not publicly pullable, used by no chart) is not in the catalog", () => {
        const { IMAGES } = require("../../components/catalog");
        assert.ok(!JSON.stringify(IMAGES).includes("bitnamisecure"));
    });
});
