import * as assert from "assert";
import { configSchema } from "../../components/config";
import { Catalog } from "../../components/catalog";
import { clusterSpec } from "../../components/data/cluster-spec";
import { walBucketIamPolicy } from "../../components/data/iam";
import { appRoleName, credentialsSecretName, postgresClusterName } from "../../components/data/names";
import { operatorValues, podServiceAccountDefinition } from "../../components/data/operator";
import { PLATFORM_CONNECTIONS, SUPERUSER_RESERVED_CONNECTIONS, maxConnections, operatorPoolSplit, poolerSizing } from "../../components/data/pooler";
import { baseBackupsToRetain, logicalBackupRetention } from "../../components/data/retention";
import { synchronousNodeCount } from "../../components/data/timing";
import { validatePostgres } from "../../components/data/validate";
import { BackupTarget, walgEnv } from "../../components/data/walg";
import { dataNetworkPolicies } from "../../components/data/network";
import { objectStoreEgress } from "../../components/network";
import { SecureBucket, bucketArn, bucketLifecycleRules, tlsOnlyBucketPolicy, validateSecureBucketArgs } from "../../components/aws/bucket";

const pgDefaults = () => configSchema.parse({}).postgres;
const catalog = new Catalog();
const images = () => ({
    operator: catalog.image("postgres-operator"), spilo: catalog.image("spilo"),
    pooler: catalog.image("pgbouncer"), logicalBackup: catalog.image("logical-backup"),
});
const onprem: BackupTarget = {
    bucket: "kubechat-staging-pg-wal", region: "us-east-1", endpoint: "https://minio.storage.svc.cluster.local:9000",
    forcePathStyle: true, credentialsSecret: "postgres-object-store",
};
const s3: BackupTarget = { bucket: "kubechat-prod-pg-wal", region: "us-east-1", roleArn: "arn:aws:iam::123456789012:role/wal" };

describe("data: pure planning", () => {
    describe("names", () => {
        it("cluster <teamId>-<clusterName>, cross-namespace role and its Secret", () => {
            assert.strictEqual(postgresClusterName({ teamId: "kubechat", clusterName: "db" }), "kubechat-db");
            assert.strictEqual(appRoleName("kubechat-system", "kubechat"), "kubechat-system.kubechat");
            assert.strictEqual(credentialsSecretName("kubechat-system", "kubechat", "kubechat-db"),
                "kubechat-system.kubechat.kubechat-db.credentials.postgresql.acid.zalan.do");
        });
    });

    describe("synchronous replication", () => {
        it("caps synchronous_node_count at instances - 1", () => {
            assert.strictEqual(synchronousNodeCount({ instances: 3, synchronousReplicas: 2 }), 2);
            assert.strictEqual(synchronousNodeCount({ instances: 3, synchronousReplicas: 5 }), 2);
            assert.strictEqual(synchronousNodeCount({ instances: 1, synchronousReplicas: 2 }), 0);
        });
    });

    describe("backup retention", () => {
        it("keeps pitrDays + 1 daily base backups; logical dumps are pruned after pitrDays by the job", () => {
            assert.strictEqual(baseBackupsToRetain(30), 31);
            assert.strictEqual(logicalBackupRetention(30), "30 days");
        });
        it("a point-in-time restore: clone from the source cluster's uid and timestamp, all three or none, validated", () => {
            const restore = { cloneFromCluster: "kubechat-db", cloneFromUid: "0f4c7a2e-1b2c-4d5e-8f90-123456789abc", cloneTimestamp: "2026-11-29T10:00:00+00:00" };
            const catalog2 = new Catalog();
            const spec: any = clusterSpec({ pg: { ...pgDefaults(), ...restore, clusterName: "db-r1" }, appNamespace: "a", spilo: catalog2.image("spilo"), exporter: catalog2.image("postgres-exporter"), storageClass: "", zones: 1, backups: true });
            assert.deepStrictEqual(spec.clone, { cluster: "kubechat-db", uid: restore.cloneFromUid, timestamp: restore.cloneTimestamp });
            assert.strictEqual((clusterSpec({ pg: pgDefaults(), appNamespace: "a", spilo: catalog2.image("spilo"), exporter: catalog2.image("postgres-exporter"), storageClass: "", zones: 1, backups: true }) as any).clone, undefined);
            assert.deepStrictEqual(validatePostgres({ ...pgDefaults(), ...restore }), []);
            const bad = validatePostgres({ ...pgDefaults(), cloneFromCluster: "kubechat-db", cloneFromUid: "x", cloneTimestamp: "2026-11-29 10:00" });
            assert.deepStrictEqual(bad.map((p) => p.split(":")[0]), ["postgres.cloneFromUid", "postgres.cloneTimestamp"]);
            assert.match(validatePostgres({ ...pgDefaults(), ...restore, backups: false }).join(), /needs postgres.backups/);
        });
        it("rejects a base backup schedule that is not daily", () => {
            assert.deepStrictEqual(validatePostgres({ ...pgDefaults(), baseBackupSchedule: "0 */6 * * *" }).length, 1);
            assert.deepStrictEqual(validatePostgres(pgDefaults()), []);
        });
    });

    describe("walgEnv", () => {
        it("on-prem: WAL-G to the S3-compatible endpoint, path style, retention and schedule; no credentials", () => {
            const env = walgEnv(pgDefaults(), onprem);
            assert.deepStrictEqual(env, {
                USE_WALG_BACKUP: "true", USE_WALG_RESTORE: "true", CLONE_USE_WALG_RESTORE: "true",
                WAL_S3_BUCKET: "kubechat-staging-pg-wal", WAL_BUCKET_SCOPE_PREFIX: "",
                AWS_REGION: "us-east-1", CLONE_AWS_REGION: "us-east-1",
                BACKUP_SCHEDULE: "0 1 * * *", BACKUP_NUM_TO_RETAIN: "31",
                AWS_ENDPOINT: "https://minio.storage.svc.cluster.local:9000", AWS_S3_FORCE_PATH_STYLE: "true",
                CLONE_AWS_ENDPOINT: "https://minio.storage.svc.cluster.local:9000", CLONE_AWS_S3_FORCE_PATH_STYLE: "true",
            });
            assert.ok(!Object.keys(env).some((k) => /KEY|SECRET|PASSWORD/.test(k)));
        });
        it("EKS: no endpoint, path style or keys (IRSA)", () => {
            const env = walgEnv(pgDefaults(), s3);
            assert.strictEqual(env.AWS_ENDPOINT, undefined);
            assert.strictEqual(env.AWS_S3_FORCE_PATH_STYLE, undefined);
            assert.strictEqual(env.WAL_S3_BUCKET, "kubechat-prod-pg-wal");
        });
        it("EKS: SSE-KMS with the stack's key (Spilo would otherwise set AES256); on-prem none", () => {
            const env = walgEnv(pgDefaults(), { ...s3, kmsKeyArn: "arn:aws:kms:us-east-1:1:key/k" });
            assert.strictEqual(env.WALG_S3_SSE, "aws:kms");
            assert.strictEqual(env.WALG_S3_SSE_KMS_ID, "arn:aws:kms:us-east-1:1:key/k");
            assert.strictEqual(walgEnv(pgDefaults(), onprem).WALG_S3_SSE, undefined);
        });
    });

    describe("operatorValues", () => {
        const v: any = operatorValues({ pg: pgDefaults(), namespace: "kubechat-data", persistent: true, backup: onprem, images: images() });
        it("images from the catalog", () => {
            assert.deepStrictEqual(v.image, { registry: "ghcr.io", repository: "zalando/postgres-operator", tag: "v2.0.0" });
            assert.strictEqual(v.configGeneral.docker_image, "ghcr.io/zalando/spilo-18:4.1-p2");
            assert.strictEqual(v.configConnectionPooler.connection_pooler_image, "ghcr.io/zalando/postgres-operator/pgbouncer:v2.0.0");
            assert.strictEqual(v.configLogicalBackup.logical_backup_docker_image, "ghcr.io/zalando/postgres-operator/logical-backup:v2.0.0");
        });
        it("anti-affinity preferred on hostname, PDBs, cross-namespace secrets, WAL-G ConfigMap and credentials Secret", () => {
            const k = v.configKubernetes;
            assert.strictEqual(k.enable_pod_antiaffinity, true);
            assert.strictEqual(k.pod_antiaffinity_preferred_during_scheduling, true);
            assert.strictEqual(k.pod_antiaffinity_topology_key, "kubernetes.io/hostname");
            assert.strictEqual(k.enable_pod_disruption_budget, true);
            assert.strictEqual(k.enable_cross_namespace_secret, true);
            assert.strictEqual(k.pod_environment_configmap, "kubechat-data/postgres-pod-env");
            assert.strictEqual(k.pod_environment_secret, "postgres-object-store");
            assert.strictEqual(k.watched_namespace, "kubechat-data");
            assert.strictEqual(k.spilo_runasuser, 101);
            assert.strictEqual(k.spilo_fsgroup, 103);
            assert.strictEqual(k.spilo_allow_privilege_escalation, false);
            assert.strictEqual(k.enable_persistent_volume_claim_deletion, false);
        });
        it("AWS region, WAL bucket, logical backup target and schedule, pooler", () => {
            assert.deepStrictEqual(v.configAwsOrGcp, { aws_region: "us-east-1", wal_s3_bucket: "kubechat-staging-pg-wal" });
            const lb = v.configLogicalBackup;
            assert.strictEqual(lb.logical_backup_s3_bucket, "kubechat-staging-pg-wal");
            assert.strictEqual(lb.logical_backup_s3_region, "us-east-1");
            assert.strictEqual(lb.logical_backup_s3_endpoint, "https://minio.storage.svc.cluster.local:9000");
            assert.strictEqual(lb.logical_backup_schedule, "30 2 * * *");
            assert.strictEqual(lb.logical_backup_cronjob_environment_secret, "postgres-object-store");
            assert.strictEqual(v.configConnectionPooler.connection_pooler_mode, "transaction");
            assert.strictEqual(v.configConnectionPooler.connection_pooler_max_db_connections, poolerSizing(pgDefaults()).operatorMaxDbConnections);
        });
        it("operator container hardened with requests and limits", () => {
            assert.strictEqual(v.securityContext.runAsNonRoot, true);
            assert.strictEqual(v.securityContext.readOnlyRootFilesystem, true);
            assert.strictEqual(v.securityContext.allowPrivilegeEscalation, false);
            assert.deepStrictEqual(v.securityContext.capabilities, { drop: ["ALL"] });
            assert.ok(v.resources.requests.cpu && v.resources.limits.memory);
        });
        it("EKS: IRSA through the operator's irsa_role_arn (it strips annotations it does not own); no secret, no endpoint", () => {
            const e: any = operatorValues({ pg: pgDefaults(), namespace: "kubechat-data", persistent: true, backup: s3, images: images() });
            assert.strictEqual(e.configAwsOrGcp.irsa_role_arn, "arn:aws:iam::123456789012:role/wal");
            assert.strictEqual(e.configKubernetes.pod_environment_secret, undefined);
            assert.strictEqual(e.configLogicalBackup.logical_backup_s3_endpoint, "");
            assert.deepStrictEqual(JSON.parse(e.configKubernetes.pod_service_account_definition).metadata, { name: "postgres-pod" });
            assert.deepStrictEqual(JSON.parse(podServiceAccountDefinition()).metadata, { name: "postgres-pod" });
        });
        it("the chart sets pod_service_account_name from podServiceAccount.name: not repeated in configKubernetes", () => {
            assert.strictEqual(v.podServiceAccount.name, "postgres-pod");
            assert.ok(!("pod_service_account_name" in v.configKubernetes));
        });
        it("logical dumps pruned by the job after pitrDays (the bucket lifecycle expires nothing current)", () => {
            assert.strictEqual(v.configLogicalBackup.logical_backup_s3_retention_time, "30 days");
        });
        it("without backups: no WAL-G ConfigMap, no bucket", () => {
            const n: any = operatorValues({ pg: pgDefaults(), namespace: "kubechat-data", persistent: false, images: images() });
            assert.strictEqual(n.configKubernetes.pod_environment_configmap, undefined);
            assert.strictEqual(n.configAwsOrGcp, undefined);
            assert.strictEqual(n.configKubernetes.enable_persistent_volume_claim_deletion, true);
        });
    });

    describe("pooler arithmetic", () => {
        it("the operator's own split: 100 over 2 pods leaves the app 2 x (25 + 12) = 74 (the defect)", () => {
            assert.deepStrictEqual(operatorPoolSplit(100, 2), { perPod: 50, defaultPool: 25, reservePool: 12 });
        });
        it("poolerMaxDbConnections is what the app gets in total: the smallest operator value whose pools reach it", () => {
            for (const [total, pods] of [[100, 2], [100, 1], [100, 3], [37, 2], [1, 1], [500, 4]]) {
                const z = poolerSizing({ poolerMaxDbConnections: total, poolerInstances: pods });
                const split = operatorPoolSplit(z.operatorMaxDbConnections, pods);
                assert.strictEqual(z.appConnections, pods * (split.defaultPool + split.reservePool), `${total}/${pods}`);
                assert.ok(z.appConnections >= total, `${total}/${pods}: ${z.appConnections}`);
                const less = operatorPoolSplit((split.perPod - 1) * pods, pods);
                assert.ok(pods * (less.defaultPool + less.reservePool) < total, `${total}/${pods}: not the smallest`);
            }
            assert.deepStrictEqual(poolerSizing({ poolerMaxDbConnections: 100, poolerInstances: 2 }),
                { operatorMaxDbConnections: 136, perPod: 68, appConnections: 102, podsDuringRollout: 3, serverConnections: 204 });
        });
        it("max_connections fits every pooler pod at its cap (one surge pod during a rollout), the platform's clients and the superuser reserve", () => {
            const pg = { poolerMaxDbConnections: 100, poolerInstances: 2 };
            const z = poolerSizing(pg);
            assert.strictEqual(maxConnections(pg), z.podsDuringRollout * z.perPod + PLATFORM_CONNECTIONS + SUPERUSER_RESERVED_CONNECTIONS);
            assert.strictEqual(maxConnections(pg), 3 * 68 + 10 + 3);
        });
    });

    describe("clusterSpec", () => {
        const spec: any = clusterSpec({ pg: pgDefaults(), appNamespace: "kubechat-system", spilo: catalog.image("spilo"), exporter: catalog.image("postgres-exporter"), storageClass: "gp3", zones: 3, backups: true });
        it("HA members, Patroni synchronous mode (strict off), archive_timeout", () => {
            assert.strictEqual(spec.teamId, "kubechat");
            assert.strictEqual(spec.dockerImage, "ghcr.io/zalando/spilo-18:4.1-p2");
            assert.strictEqual(spec.numberOfInstances, 3);
            assert.deepStrictEqual(spec.postgresql, { version: "17", parameters: { archive_timeout: "900", max_connections: String(maxConnections(pgDefaults())), wal_sender_timeout: "20s" } });
            assert.deepStrictEqual(spec.patroni, {
                ttl: 20, loop_wait: 5, retry_timeout: 5, maximum_lag_on_failover: 33554432, failsafe_mode: true,
                synchronous_mode: true, synchronous_node_count: 2, synchronous_mode_strict: false,
            });
        });
        it("volume, resources, users and databases", () => {
            assert.deepStrictEqual(spec.volume, { size: "50Gi", storageClass: "gp3" });
            assert.deepStrictEqual(spec.resources, { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "4Gi" } });
            assert.deepStrictEqual(spec.users, { "kubechat-system.kubechat": [] });
            assert.deepStrictEqual(spec.databases, { kubechat: "kubechat-system.kubechat" });
        });
        it("PgBouncer in transaction mode; the operator's value gives the app at least 100 server connections; logical backup", () => {
            assert.strictEqual(spec.enableConnectionPooler, true);
            assert.strictEqual(spec.connectionPooler.numberOfInstances, 2);
            assert.strictEqual(spec.connectionPooler.mode, "transaction");
            const split = operatorPoolSplit(spec.connectionPooler.maxDBConnections, 2);
            assert.ok(2 * (split.defaultPool + split.reservePool) >= 100);
            assert.ok(spec.connectionPooler.resources.limits.cpu);
            assert.strictEqual(spec.enableLogicalBackup, true);
            assert.strictEqual(spec.logicalBackupSchedule, "30 2 * * *");
        });
        it("zone spread (plural key), hard only across several zones", () => {
            assert.deepStrictEqual(spec.topologySpreadConstraints, [{
                maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule",
                labelSelector: { matchLabels: { application: "spilo", "cluster-name": "kubechat-db" } },
            }]);
            const one: any = clusterSpec({ pg: pgDefaults(), appNamespace: "a", spilo: catalog.image("spilo"), exporter: catalog.image("postgres-exporter"), storageClass: "", zones: 1, backups: false });
            assert.strictEqual(one.topologySpreadConstraints[0].whenUnsatisfiable, "ScheduleAnyway");
            assert.deepStrictEqual(one.volume, { size: "50Gi" });
            assert.strictEqual(one.enableLogicalBackup, false);
        });
        it("a postgres_exporter sidecar with the operator's superuser Secret (no credentials through Pulumi)", () => {
            assert.strictEqual(spec.sidecars.length, 1);
            const x = spec.sidecars[0];
            assert.strictEqual(x.name, "exporter");
            assert.strictEqual(x.image, catalog.image("postgres-exporter").ref);
            assert.deepStrictEqual(x.ports, [{ name: "exporter", containerPort: 9187, protocol: "TCP" }]);
            assert.deepStrictEqual(x.env.find((e: any) => e.name === "DATA_SOURCE_PASS").valueFrom,
                { secretKeyRef: { name: "postgres.kubechat-db.credentials.postgresql.acid.zalan.do", key: "password" } });
            assert.ok(x.env.every((e: any) => e.value === undefined || !/pass/i.test(e.name)));
        });
        it("single instance: synchronous mode off; TLS adds the secret and spiloFSGroup", () => {
            const dev: any = clusterSpec({ pg: { ...pgDefaults(), instances: 1, tls: true, tlsSecretName: "pg-tls" }, appNamespace: "a", spilo: catalog.image("spilo"), exporter: catalog.image("postgres-exporter"), storageClass: "", zones: 1, backups: false });
            assert.deepStrictEqual(dev.patroni, { ttl: 20, loop_wait: 5, retry_timeout: 5, maximum_lag_on_failover: 33554432, failsafe_mode: true, synchronous_mode: false });
            assert.deepStrictEqual(dev.tls, { secretName: "pg-tls", caFile: "ca.crt" });
            assert.strictEqual(dev.spiloFSGroup, 103);
            assert.strictEqual(spec.tls, undefined);
        });
    });

    describe("IAM scope", () => {
        it("WAL-G may list, read, write and delete only its bucket, and use only its key", () => {
            const p = JSON.parse(walBucketIamPolicy("kubechat-prod-pg-wal", "arn:aws:kms:us-east-1:1:key/k", "aws"));
            const resources = p.Statement.flatMap((s: any) => [s.Resource].flat());
            assert.deepStrictEqual(resources, ["arn:aws:s3:::kubechat-prod-pg-wal", "arn:aws:s3:::kubechat-prod-pg-wal/*", "arn:aws:kms:us-east-1:1:key/k"]);
            assert.deepStrictEqual(p.Statement[1].Action, ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]);
            assert.deepStrictEqual(p.Statement[2].Action, ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"]);
            assert.ok(p.Statement.every((s: any) => s.Effect === "Allow" && !String(s.Action).includes("*")));
        });
    });

    describe("NetworkPolicies", () => {
        const nps = dataNetworkPolicies({ cluster: "kubechat-db", appNamespace: "kubechat-system", operatorLabels: { "app.kubernetes.io/name": "postgres-operator" }, objectStore: objectStoreEgress("https://minio.storage.svc.cluster.local:9000", []), apiServerCidrs: ["10.0.0.0/16"], monitoringNamespace: "monitoring" });
        const by = (n: string): any => nps.find((p) => p.name === n)!.spec;
        it("default deny and DNS", () => {
            assert.deepStrictEqual(by("default-deny"), { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
            assert.deepStrictEqual(by("allow-dns").egress[0].ports, [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }]);
        });
        it("5432 to the members only from the app namespace, the poolers and the logical backup; 8008 between members and from the operator", () => {
            const m = by("members");
            assert.deepStrictEqual(m.ingress[0].ports, [{ protocol: "TCP", port: 5432 }]);
            assert.deepStrictEqual(m.ingress[0].from[0], { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kubechat-system" } }, podSelector: {} });
            assert.deepStrictEqual(m.ingress[0].from[1].podSelector.matchLabels, { application: "db-connection-pooler", "connection-pooler": "kubechat-db-pooler" });
            assert.deepStrictEqual(m.ingress[1].ports, [{ protocol: "TCP", port: 5432 }, { protocol: "TCP", port: 8008 }]);
            assert.deepStrictEqual(m.ingress[1].from.map((f: any) => f.podSelector.matchLabels), [{ application: "spilo", "cluster-name": "kubechat-db" }, { "app.kubernetes.io/name": "postgres-operator" }]);
            assert.deepStrictEqual(m.ingress[2], { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ protocol: "TCP", port: 9187 }, { protocol: "TCP", port: 8008 }] });
            // Patroni's DCS is the Kubernetes API; WAL-G reaches the object store.
            assert.deepStrictEqual(m.egress.slice(1).map((e: any) => e.ports.map((p: any) => p.port)), [[443, 6443], [9000]]);
            assert.deepStrictEqual(m.egress[1].to, [{ ipBlock: { cidr: "10.0.0.0/16" } }], "API server by its CIDR");
        });
        it("the poolers accept 5432 from the app namespace only", () => {
            const p = by("poolers");
            assert.strictEqual(p.ingress.length, 1);
            assert.deepStrictEqual(p.ingress[0].from[0].namespaceSelector.matchLabels, { "kubernetes.io/metadata.name": "kubechat-system" });
        });
        it("no logical-backup policy without backups", () => {
            const none = dataNetworkPolicies({ cluster: "c", appNamespace: "a", operatorLabels: {}, apiServerCidrs: ["10.0.0.1/32"], monitoringNamespace: "monitoring" });
            assert.ok(!none.some((p) => p.name === "logical-backup"));
        });
    });
});

describe("SecureBucket: pure parts", () => {
    it("TLS-only policy denies insecure transport on the bucket and its objects", () => {
        const p = JSON.parse(tlsOnlyBucketPolicy("b1", "aws"));
        assert.deepStrictEqual(p.Statement, [{
            Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*",
            Resource: ["arn:aws:s3:::b1", "arn:aws:s3:::b1/*"], Condition: { Bool: { "aws:SecureTransport": "false" } },
        }]);
        assert.strictEqual(bucketArn("b1", "aws"), "arn:aws:s3:::b1");
    });
    it("lifecycle: expiration (optional), noncurrent versions, aborted uploads", () => {
        assert.deepStrictEqual(bucketLifecycleRules(38, 7), [{
            id: "retention", status: "Enabled", filter: {}, expiration: { days: 38 },
            noncurrentVersionExpiration: { noncurrentDays: 7 }, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        }]);
        assert.strictEqual((bucketLifecycleRules(0, 7)[0] as any).expiration, undefined);
    });
    it("validation names every bad input", () => {
        assert.throws(() => validateSecureBucketArgs({ bucketName: "Bad_Name", expirationDays: -1, noncurrentDays: 0 }),
            (e: Error) => /bucketName/.test(e.message) && /expirationDays/.test(e.message) && /noncurrentDays/.test(e.message));
        assert.doesNotThrow(() => validateSecureBucketArgs({ bucketName: "kubechat-prod-pg-wal", expirationDays: 38, noncurrentDays: 7 }));
        assert.ok(SecureBucket);
    });
});
