import * as fs from "fs";
import * as path from "path";
import * as assert from "assert";
import { Plan, PlanResource, object, objects, planStack, release, resources, schemaCheck, planWithSecrets, leaksNoSecret } from "../harness";

const CR = "kubernetes:acid.zalan.do/v1:postgresql";
const inPostgres = (p: Plan) => p.resources.filter((r) => r.urn.includes("kubechat:data:PostgresHA"));
const cr = (p: Plan): PlanResource => {
    const found = resources(p, CR);
    assert.strictEqual(found.length, 1);
    return found[0];
};

describe("PostgresHA (component)", () => {
    describe("dev", () => {
        it("one instance, synchronous mode off, one pooler, no AWS resources, no WAL-G, not protected", async () => {
            const p = await planStack("dev");
            const c = cr(p);
            assert.strictEqual(c.inputs.spec.numberOfInstances, 1);
            assert.deepStrictEqual(c.inputs.spec.patroni, { ttl: 20, loop_wait: 5, retry_timeout: 5, maximum_lag_on_failover: 33554432, failsafe_mode: true, synchronous_mode: false });
            assert.strictEqual(c.inputs.spec.connectionPooler.numberOfInstances, 1);
            assert.strictEqual(c.inputs.spec.volume.storageClass, "local-path");
            assert.strictEqual(c.protect, false);
            assert.ok(!inPostgres(p).some((r) => r.type.startsWith("aws:")));
            assert.strictEqual(objects(p, "ConfigMap", "postgres-pod-env").length, 0);
            assert.strictEqual(c.inputs.spec.enableLogicalBackup, false);
        });
    });

    describe("staging (on-prem, persistent)", () => {
        it("namespace with Pod Security baseline", async () => {
            const ns = object(await planStack("staging"), "Namespace", "kubechat-data");
            assert.strictEqual(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "baseline");
            assert.strictEqual(ns.metadata.labels["pod-security.kubernetes.io/warn"], "baseline");
        });

        it("operator release: catalog chart, images, anti-affinity, PDB, WAL-G ConfigMap, existing credentials Secret", async () => {
            const r = release(await planStack("staging"), "postgres-operator");
            assert.strictEqual(r.inputs.namespace, "kubechat-data");
            assert.strictEqual(r.inputs.version, "2.0.0");
            const v = r.inputs.values;
            assert.strictEqual(v.configGeneral.docker_image, "ghcr.io/zalando/spilo-18:4.1-p2");
            assert.strictEqual(v.configKubernetes.enable_pod_antiaffinity, true);
            assert.strictEqual(v.configKubernetes.pod_antiaffinity_preferred_during_scheduling, true);
            assert.strictEqual(v.configKubernetes.enable_pod_disruption_budget, true);
            assert.strictEqual(v.configKubernetes.pod_environment_configmap, "kubechat-data/postgres-pod-env");
            assert.strictEqual(v.configKubernetes.pod_environment_secret, "kubechat-object-store");
            assert.strictEqual(v.configKubernetes.enable_cross_namespace_secret, true);
            assert.deepStrictEqual(v.configAwsOrGcp, { aws_region: "us-east-1", wal_s3_bucket: "kubechat-staging-pg-wal" });
            assert.strictEqual(v.configLogicalBackup.logical_backup_s3_endpoint, "https://minio.storage.svc.cluster.local:9000");
            assert.strictEqual(v.configConnectionPooler.connection_pooler_max_db_connections, 136);
            assert.ok(!("pod_service_account_name" in v.configKubernetes));
            assert.strictEqual(v.podServiceAccount.name, "postgres-pod");
        });

        it("postgresql CR: every field, after the operator chart, protected and retained", async () => {
            const p = await planStack("staging");
            const c = cr(p);
            assert.strictEqual(c.inputs.apiVersion, "acid.zalan.do/v1");
            assert.strictEqual(c.inputs.kind, "postgresql");
            assert.deepStrictEqual(c.inputs.metadata.name, "kubechat-db");
            assert.deepStrictEqual(c.inputs.metadata.namespace, "kubechat-data");
            const s = c.inputs.spec;
            assert.strictEqual(s.teamId, "kubechat");
            assert.strictEqual(s.numberOfInstances, 3);
            assert.deepStrictEqual(s.patroni, { ttl: 20, loop_wait: 5, retry_timeout: 5, maximum_lag_on_failover: 33554432, failsafe_mode: true, synchronous_mode: true, synchronous_node_count: 2, synchronous_mode_strict: false });
            // 3 pooler pods during a rollout x 68 + 10 platform clients + 3 superuser-reserved.
            assert.deepStrictEqual(s.postgresql, { version: "17", parameters: { archive_timeout: "900", max_connections: "217", wal_sender_timeout: "20s" } });
            assert.deepStrictEqual(s.volume, { size: "20Gi", storageClass: "standard" });
            assert.deepStrictEqual(s.users, { "kubechat-system.kubechat": [] });
            assert.deepStrictEqual(s.databases, { kubechat: "kubechat-system.kubechat" });
            assert.strictEqual(s.enableConnectionPooler, true);
            assert.deepStrictEqual([s.connectionPooler.numberOfInstances, s.connectionPooler.mode, s.connectionPooler.maxDBConnections], [2, "transaction", 136]);
            assert.strictEqual(s.enableLogicalBackup, true);
            assert.strictEqual(s.logicalBackupSchedule, "30 2 * * *");
            assert.strictEqual(s.topologySpreadConstraints[0].whenUnsatisfiable, "DoNotSchedule");
            assert.ok(c.protect && c.retainOnDelete);
            assert.ok(c.dependencies.includes(release(p, "postgres-operator").urn));
            // The members read the WAL-G environment at start: the ConfigMap exists first.
            const cm = p.resources.find((r) => r.inputs?.kind === "ConfigMap" && r.inputs.metadata?.name === "postgres-pod-env")!;
            assert.ok(c.dependencies.includes(cm.urn));
            assert.deepStrictEqual(s.podAnnotations, { "backup.velero.io/backup-volumes-excludes": "pgdata" });
        });

        it("WAL-G ConfigMap: on-prem store, retention for 30 days of PITR, no secret", async () => {
            const cm = object(await planStack("staging"), "ConfigMap", "postgres-pod-env");
            assert.strictEqual(cm.metadata.namespace, "kubechat-data");
            assert.strictEqual(cm.data.WAL_S3_BUCKET, "kubechat-staging-pg-wal");
            assert.strictEqual(cm.data.AWS_ENDPOINT, "https://minio.storage.svc.cluster.local:9000");
            assert.strictEqual(cm.data.AWS_S3_FORCE_PATH_STYLE, "true");
            assert.strictEqual(cm.data.BACKUP_SCHEDULE, "0 1 * * *");
            assert.strictEqual(cm.data.BACKUP_NUM_TO_RETAIN, "31");
            assert.strictEqual(cm.data.WAL_BUCKET_SCOPE_PREFIX, "");
            assert.ok(!Object.keys(cm.data).some((k) => /KEY|SECRET|PASSWORD/.test(k)));
        });

        it("NetworkPolicies: default deny plus members, poolers, operator, logical backup, DNS; object store port 9000", async () => {
            const p = await planStack("staging");
            const nps = objects(p, "NetworkPolicy").filter((n) => n.metadata.namespace === "kubechat-data").map((n) => n.metadata.name).sort();
            assert.deepStrictEqual(nps, ["postgres-allow-dns", "postgres-default-deny", "postgres-logical-backup", "postgres-operator", "postgres-poolers", "postgres-members"].sort());
            const members = object(p, "NetworkPolicy", "postgres-members");
            assert.ok(members.spec.egress.some((e: any) => e.ports.some((x: any) => x.port === 9000)));
        });

        it("backup alerts in the platform PrometheusRule, and the exporter's base-backup query mounted before the cluster starts", async () => {
            const p = await planStack("staging");
            const alerts = object(p, "PrometheusRule", "kubechat-alerts").spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert));
            for (const a of ["KubeChatWalArchivingFailing", "KubeChatWalArchiveStale", "KubeChatBaseBackupTooOld", "KubeChatBaseBackupMissing",
                "KubeChatLogicalBackupFailed", "KubeChatLogicalBackupTooOld", "KubeChatVeleroBackupFailed", "KubeChatVeleroBackupTooOld"]) assert.ok(alerts.includes(a), a);
            const cm = p.resources.find((r) => r.inputs?.kind === "ConfigMap" && r.inputs.metadata?.name === "postgres-exporter-queries")!;
            assert.strictEqual(cm.inputs.metadata.namespace, "kubechat-data");
            assert.match(cm.inputs.data["queries.yaml"], /kubechat_basebackup:/);
            assert.ok(cr(p).dependencies.includes(cm.urn));
        });

        it("schema-valid objects", async () => {
            const { errors } = await schemaCheck(await planStack("staging"));
            assert.deepStrictEqual(errors, []);
        });
    });

    describe("object-store keys as Pulumi secrets", () => {
        it("a Secret in the data namespace carries them as secrets and the operator uses it", async () => {
            const p = await planWithSecrets();
            const s = object(p, "Secret", "postgres-object-store");
            assert.strictEqual(s.metadata.namespace, "kubechat-data");
            // The whole stringData is a secret (the keys come from Pulumi secrets): the plan shows its keys, no value.
            assert.deepStrictEqual(s.stringData, {
                AWS_ACCESS_KEY_ID: "[secret]", AWS_SECRET_ACCESS_KEY: "[secret]", CLONE_AWS_ACCESS_KEY_ID: "[secret]", CLONE_AWS_SECRET_ACCESS_KEY: "[secret]",
            });
            assert.strictEqual(release(p, "postgres-operator").inputs.values.configKubernetes.pod_environment_secret, "postgres-object-store");
        });
        it("the literal keys appear nowhere in the plan inputs or outputs", async () => {
            const p = await planWithSecrets();
            const text = JSON.stringify({ resources: p.resources, outputs: p.outputs });
            assert.ok(leaksNoSecret(text));
        });
    });

    describe("prod (EKS)", () => {
        it("WAL bucket: SSE-KMS, versioned, private, TLS-only, no age expiry of current objects, protected and retained", async () => {
            const p = await planStack("prod");
            const bucket = resources(p, "aws:s3/bucket:Bucket", "postgres-wal");
            assert.strictEqual(bucket.length, 1);
            const name = bucket[0].inputs.bucket;
            assert.strictEqual(name, "kubechat-prod-pg-wal-123456789012-us-east-1");
            assert.ok(bucket[0].protect && bucket[0].retainOnDelete);
            assert.strictEqual(bucket[0].inputs.forceDestroy, false);
            const companion = (type: string) => {
                const found = resources(p, type, "postgres-wal").filter((r) => r.inputs.bucket === name);
                assert.strictEqual(found.length, 1, type);
                return found[0].inputs;
            };
            const sse = companion("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration");
            assert.strictEqual(sse.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
            assert.strictEqual(sse.rules[0].bucketKeyEnabled, true);
            assert.strictEqual(companion("aws:s3/bucketVersioning:BucketVersioning").versioningConfiguration.status, "Enabled");
            const pab = companion("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
            assert.ok(pab.blockPublicAcls && pab.blockPublicPolicy && pab.ignorePublicAcls && pab.restrictPublicBuckets);
            assert.match(companion("aws:s3/bucketPolicy:BucketPolicy").policy, /aws:SecureTransport/);
            assert.strictEqual(companion("aws:s3/bucketOwnershipControls:BucketOwnershipControls").rule.objectOwnership, "BucketOwnerEnforced");
            // WAL-G prunes by count; an age-based expiry could delete the newest base backup a restore needs.
            const rules = companion("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").rules;
            assert.ok(rules.every((r: any) => r.expiration === undefined));
            assert.strictEqual(rules[0].noncurrentVersionExpiration.noncurrentDays, 7);
        });

        it("the postgresql object waits for its bucket and IRSA role", async () => {
            const p = await planStack("prod");
            const c = cr(p);
            for (const type of ["aws:s3/bucket:Bucket", "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "aws:iam/rolePolicy:RolePolicy"]) {
                const r = resources(p, type, "postgres-wal");
                assert.strictEqual(r.length, 1, type);
                assert.ok(c.dependencies.includes(r[0].urn), type);
            }
        });

        it("WAL and base backups SSE-KMS with the stack's key", async () => {
            const cm = object(await planStack("prod"), "ConfigMap", "postgres-pod-env");
            assert.strictEqual(cm.data.WALG_S3_SSE, "aws:kms");
            assert.ok(cm.data.WALG_S3_SSE_KMS_ID);
        });

        it("IRSA role for the Postgres pod service account; WAL-G config without endpoint or keys", async () => {
            const p = await planStack("prod");
            const role = resources(p, "aws:iam/role:Role", "postgres-wal-irsa");
            assert.strictEqual(role.length, 1);
            assert.match(role[0].inputs.description, /kubechat-data\/postgres-pod/);
            assert.strictEqual(resources(p, "aws:iam/rolePolicy:RolePolicy", "postgres-wal-irsa").length, 1);
            const cm = object(p, "ConfigMap", "postgres-pod-env");
            assert.strictEqual(cm.data.WAL_S3_BUCKET, "kubechat-prod-pg-wal-123456789012-us-east-1");
            assert.strictEqual(cm.data.AWS_ENDPOINT, undefined);
            const v = release(p, "postgres-operator").inputs.values;
            assert.strictEqual(v.configKubernetes.pod_environment_secret, undefined);
            // Operator 2.0 removes an IRSA annotation it was not configured with: the role goes through irsa_role_arn.
            assert.ok(v.configAwsOrGcp.irsa_role_arn);
            assert.ok(!JSON.stringify(v.configKubernetes.pod_service_account_definition).includes("role-arn"));
            assert.strictEqual(objects(p, "Secret", "postgres-object-store").length, 0);
        });

        it("every AWS resource uses the explicit AWS provider", async () => {
            const aws = inPostgres(await planStack("prod")).filter((r) => r.custom && r.type.startsWith("aws:"));
            assert.ok(aws.length >= 9);
            for (const r of aws) assert.ok(r.provider && r.provider.includes("pulumi:providers:aws"), r.name);
        });
    });

    it("stack outputs give the pooler host, port, database and credentials Secret name, no password", async () => {
        const p = await planStack("staging");
        assert.deepStrictEqual(p.outputs.database, {
            host: "kubechat-db-pooler.kubechat-data.svc.cluster.local", port: 5432, database: "kubechat",
            credentialsSecretName: "kubechat-system.kubechat.kubechat-db.credentials.postgresql.acid.zalan.do",
        });
    });

    it("stack output postgresClone records what a point-in-time clone names: cluster, its uid (from the postgresql object) and the WAL bucket", async () => {
        const p = await planStack("staging");
        // uid is assigned by the API server: the mock runtime leaves it unset, so only its neighbours show here.
        assert.strictEqual((p.outputs.postgresClone as any).cluster, "kubechat-db");
        assert.strictEqual((p.outputs.postgresClone as any).bucket, "kubechat-staging-pg-wal");
        assert.match(fs.readFileSync(path.join(__dirname, "../../index.ts"), "utf8"), /uid: platform\.postgres\.clusterUid/);
    });
});
