/**
 * Pure planning for the Postgres HA cluster: the operator chart values, the `postgresql` CR spec, the
 * WAL-G pod environment and the backup retention math. Nothing here creates resources.
 */
import * as pulumi from "@pulumi/pulumi";
import { s3BucketArn } from "../aws/partition";
import { PlatformConfig } from "../config";
import { ResolvedImage } from "../catalog";

export type PostgresSettings = PlatformConfig["postgres"];

/** Spilo runs Postgres as this uid/gid; the fsGroup gives it write access to the volume and TLS files. */
export const SPILO_UID = 101;
export const SPILO_GID = 103;
/** Service account of the Postgres pods (and the logical-backup CronJob); IRSA binds to it on EKS. */
export const POD_SERVICE_ACCOUNT = "postgres-pod";
/** Name of the WAL-G pod environment ConfigMap in the data namespace. */
export const WALG_CONFIGMAP = "postgres-pod-env";
export const POSTGRES_PORT = 5432;
export const PATRONI_PORT = 8008;
/** postgres_exporter's metrics port (the `exporter` sidecar of every member). */
export const EXPORTER_PORT = 9187;
/**
 * The WAL bucket expires no current object by age: WAL-G deletes base backups beyond
 * BACKUP_NUM_TO_RETAIN (and the WAL before the oldest kept one) itself, so an age-based expiry could
 * only ever remove what a restore still needs — the newest base backup when backups have been failing
 * for a while. What WAL-G deletes becomes a noncurrent version and stays recoverable this long.
 */
export const WAL_NONCURRENT_DAYS = 7;

/** Kinds whose objects only the operator and WAL-G may recreate (Velero never backs them up). */
export const WALG_OWNED_KINDS = ["postgresqls.acid.zalan.do", "operatorconfigurations.acid.zalan.do", "postgresteams.acid.zalan.do"] as const;
/**
 * `application` label values the operator (and Patroni, for its DCS ConfigMaps) puts on everything it
 * creates for a cluster: members, their StatefulSet, volumes, Services, PDBs and Secrets (`spilo`), the
 * logical-backup CronJob's pods and the poolers.
 */
export const WALG_OWNED_POD_APPS = ["spilo", "spilo-logical-backup", "db-connection-pooler"] as const;
/** The Spilo data volume (the StatefulSet's volumeClaimTemplate). */
export const PGDATA_VOLUME = "pgdata";

export const OPERATOR_RESOURCES = { requests: { cpu: "100m", memory: "250Mi" }, limits: { cpu: "500m", memory: "500Mi" } };
export const POOLER_RESOURCES = { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } };

/** Where WAL-G and the logical backups go. */
export interface BackupTarget {
    /** Bucket name. */
    bucket: string;
    /** Region the bucket (or the S3-compatible store) expects. */
    region: string;
    /** S3-compatible endpoint URL (on-prem); undefined on AWS S3. */
    endpoint?: string;
    /** Path-style addressing (S3-compatible stores). */
    forcePathStyle?: boolean;
    /** Secret in the data namespace with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (on-prem). */
    credentialsSecret?: string;
    /** IRSA role ARN for the Postgres pod service account (EKS). */
    roleArn?: pulumi.Input<string>;
    /** KMS key WAL-G encrypts WAL and base backups with (SSE-KMS, EKS). */
    kmsKeyArn?: pulumi.Input<string>;
}

/** Cluster name as the operator requires it: `<teamId>-<clusterName>`. */
export function postgresClusterName(pg: Pick<PostgresSettings, "teamId" | "clusterName">): string {
    return `${pg.teamId}-${pg.clusterName}`;
}

/** The login role for the app: a `<namespace>.<user>` role makes the operator write its Secret into the app namespace. */
export function appRoleName(appNamespace: string, user: string): string {
    return `${appNamespace}.${user}`;
}

/** Name of the operator-generated credentials Secret (keys `username`, `password`) in the app namespace. */
export function credentialsSecretName(appNamespace: string, user: string, cluster: string): string {
    return `${appRoleName(appNamespace, user)}.${cluster}.credentials.postgresql.acid.zalan.do`;
}

/** Patroni synchronous replication: `min(synchronousReplicas, instances - 1)`; off with a single member. */
export function synchronousNodeCount(pg: Pick<PostgresSettings, "instances" | "synchronousReplicas">): number {
    return Math.max(0, Math.min(pg.synchronousReplicas, pg.instances - 1));
}

const DAILY = /^\d{1,2}\s+\d{1,2}\s+\*\s+\*\s+\*$/;

/**
 * Base backups to keep so that PITR reaches back `pitrDays`: with one base backup a day, recovering to
 * a point `pitrDays` ago needs the base backup taken before it, hence `pitrDays + 1`.
 */
export function baseBackupsToRetain(pitrDays: number): number {
    return pitrDays + 1;
}

/** Retention of the daily logical dumps, in the logical-backup job's `date -d` form: as long as PITR reaches. */
export function logicalBackupRetention(pitrDays: number): string {
    return `${pitrDays} days`;
}

const UID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The operator's clone timestamp: RFC 3339 with an explicit offset (Spilo's recovery_target_time). */
const CLONE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$/;

/** The `clone` section for a point-in-time restore from WAL-G, or undefined for a new database. */
export function cloneSpec(pg: Pick<PostgresSettings, "cloneFromCluster" | "cloneFromUid" | "cloneTimestamp">): Record<string, string> | undefined {
    if (pg.cloneFromCluster === "") return undefined;
    return { cluster: pg.cloneFromCluster, uid: pg.cloneFromUid, timestamp: pg.cloneTimestamp };
}

/** Validates the Postgres settings the planning relies on; returns `path: reason` problems. */
export function validatePostgres(pg: PostgresSettings): string[] {
    const problems: string[] = [];
    if (pg.cloneFromCluster !== "" || pg.cloneFromUid !== "" || pg.cloneTimestamp !== "") {
        if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(pg.cloneFromCluster)) problems.push(`postgres.cloneFromCluster: must name the source cluster (<teamId>-<clusterName>) when restoring`);
        if (!UID.test(pg.cloneFromUid)) problems.push(`postgres.cloneFromUid: must be the source cluster's metadata.uid (a UUID; stack output postgresClone.uid)`);
        if (!CLONE_TIME.test(pg.cloneTimestamp)) problems.push(`postgres.cloneTimestamp: must be RFC 3339 with a UTC offset, e.g. 2026-11-29T10:00:00+00:00`);
        if (!pg.backups) problems.push(`postgres.cloneFromCluster: a WAL-G clone needs postgres.backups (the bucket settings)`);
    }
    if (pg.backups && !DAILY.test(pg.baseBackupSchedule.trim())) {
        problems.push(`postgres.baseBackupSchedule: must be a daily cron "M H * * *" (retention is counted in daily base backups)`);
    }
    return problems;
}

/**
 * WAL-G environment of every Spilo pod (the operator's `pod_environment_configmap`). Plain settings
 * only: credentials come from `pod_environment_secret` (on-prem) or IRSA (EKS).
 */
export function walgEnv(pg: PostgresSettings, target: BackupTarget): Record<string, pulumi.Input<string>> {
    const env: Record<string, pulumi.Input<string>> = {
        USE_WALG_BACKUP: "true",
        USE_WALG_RESTORE: "true",
        CLONE_USE_WALG_RESTORE: "true",
        WAL_S3_BUCKET: target.bucket,
        // The bucket is ours alone: no per-scope prefix, so clones and restores find the WAL by cluster name.
        WAL_BUCKET_SCOPE_PREFIX: "",
        AWS_REGION: target.region,
        CLONE_AWS_REGION: target.region,
        BACKUP_SCHEDULE: pg.baseBackupSchedule,
        BACKUP_NUM_TO_RETAIN: String(baseBackupsToRetain(pg.pitrDays)),
    };
    if (target.kmsKeyArn !== undefined) {
        // Spilo defaults WALG_S3_SSE to AES256 (S3-managed keys), which overrides the bucket default:
        // name the stack's key so WAL and base backups are SSE-KMS encrypted with it.
        Object.assign(env, { WALG_S3_SSE: "aws:kms", WALG_S3_SSE_KMS_ID: target.kmsKeyArn });
    }
    if (target.endpoint) {
        const pathStyle = String(target.forcePathStyle ?? true);
        Object.assign(env, {
            AWS_ENDPOINT: target.endpoint,
            AWS_S3_FORCE_PATH_STYLE: pathStyle,
            CLONE_AWS_ENDPOINT: target.endpoint,
            CLONE_AWS_S3_FORCE_PATH_STYLE: pathStyle,
        });
    }
    return env;
}

/**
 * The service account the operator creates for the Postgres pods. No IRSA annotation here: operator
 * 2.0 syncs `eks.amazonaws.com/role-arn` on it from its own `irsa_role_arn` setting and removes the
 * annotation when that setting is empty, so the role is configured there (`configAwsOrGcp`).
 */
export function podServiceAccountDefinition(): string {
    return JSON.stringify({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: POD_SERVICE_ACCOUNT } });
}

/**
 * How operator 2.0 splits `maxDBConnections` (operator `getConnectionPoolerEnvVars`): each of the N
 * pooler pods gets `floor(max / N)` server connections to the database, a default pool of half of
 * that per user/database and a reserve pool of a quarter. The app (one user, one database) can
 * therefore use `default + reserve` per pod — 37 of 50 with 100 over 2 pods.
 */
export function operatorPoolSplit(maxDbConnections: number, pods: number): { perPod: number; defaultPool: number; reservePool: number } {
    const perPod = Math.floor(maxDbConnections / pods);
    const defaultPool = Math.floor(perPod / 2);
    return { perPod, defaultPool, reservePool: Math.floor(defaultPool / 2) };
}

export interface PoolerSizing {
    /** What the operator is given (`connectionPooler.maxDBConnections`). */
    operatorMaxDbConnections: number;
    /** Server connections one pooler pod may open (PgBouncer `max_db_connections`). */
    perPod: number;
    /** Transaction-mode server connections the app can use across all pooler pods (default + reserve pools). */
    appConnections: number;
    /** Pooler pods during a rolling update: the Deployment's default 25 % surge, rounded up. */
    podsDuringRollout: number;
    /** The most server connections all pooler pods together can hold open. */
    serverConnections: number;
}

/**
 * `postgres.poolerMaxDbConnections` means server connections available to the app in total. The
 * operator's value is chosen so that the pools it derives add up to at least that number (the pools
 * are integer halves and quarters, so 100 over 2 pods gives 102).
 */
export function poolerSizing(pg: Pick<PostgresSettings, "poolerMaxDbConnections" | "poolerInstances">): PoolerSizing {
    const pods = pg.poolerInstances;
    const wantedPerPod = Math.ceil(pg.poolerMaxDbConnections / pods);
    let perPod = 1;
    const usable = (n: number) => { const s = operatorPoolSplit(n * pods, pods); return s.defaultPool + s.reservePool; };
    while (usable(perPod) < wantedPerPod) perPod++;
    const split = operatorPoolSplit(perPod * pods, pods);
    const podsDuringRollout = pods + Math.ceil(pods / 4);
    return {
        operatorMaxDbConnections: perPod * pods,
        perPod: split.perPod,
        appConnections: pods * (split.defaultPool + split.reservePool),
        podsDuringRollout,
        serverConnections: podsDuringRollout * split.perPod,
    };
}

/**
 * Connections Postgres must admit besides the poolers: the members' exporter, Patroni and the operator,
 * the logical-backup pg_dump and operators' ad-hoc sessions. Replication connections (walsenders)
 * are not counted in max_connections.
 */
export const PLATFORM_CONNECTIONS = 10;
/** Postgres' default `superuser_reserved_connections`. */
export const SUPERUSER_RESERVED_CONNECTIONS = 3;

/** `max_connections`: every pooler pod at its cap (during a rollout too), the platform's own clients and the superuser reserve. */
export function maxConnections(pg: Pick<PostgresSettings, "poolerMaxDbConnections" | "poolerInstances">): number {
    return poolerSizing(pg).serverConnections + PLATFORM_CONNECTIONS + SUPERUSER_RESERVED_CONNECTIONS;
}

export interface OperatorValuesArgs {
    pg: PostgresSettings;
    /** Data namespace (operator, cluster and WAL-G ConfigMap). */
    namespace: string;
    persistent: boolean;
    images: { operator: ResolvedImage; spilo: ResolvedImage; pooler: ResolvedImage; logicalBackup: ResolvedImage };
    /** Backup target; undefined when backups are off. */
    backup?: BackupTarget;
}

/** Values of the `postgres-operator` chart. */
export function operatorValues(a: OperatorValuesArgs): Record<string, unknown> {
    const { pg, backup } = a;
    const roleArn = backup?.roleArn;
    return {
        // Typed OperatorConfiguration CR instead of the legacy string-only ConfigMap.
        configTarget: "OperatorConfigurationCRD",
        image: { registry: a.images.operator.registry, repository: a.images.operator.repository, tag: a.images.operator.tag },
        podServiceAccount: { name: POD_SERVICE_ACCOUNT },
        resources: OPERATOR_RESOURCES,
        securityContext: {
            runAsUser: 1000, runAsNonRoot: true, readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" },
        },
        configGeneral: { docker_image: a.images.spilo.ref },
        configKubernetes: {
            // The operator only manages clusters in the data namespace.
            watched_namespace: a.namespace,
            enable_pod_antiaffinity: true,
            // Preferred on hostname: required anti-affinity would cap members at the node/zone count
            // (one-zone dev); zones are spread by the CR's topologySpreadConstraints instead.
            pod_antiaffinity_preferred_during_scheduling: true,
            pod_antiaffinity_topology_key: "kubernetes.io/hostname",
            enable_pod_disruption_budget: true,
            enable_cross_namespace_secret: true,
            ...(backup ? { pod_environment_configmap: `${a.namespace}/${WALG_CONFIGMAP}` } : {}),
            ...(backup?.credentialsSecret ? { pod_environment_secret: backup.credentialsSecret } : {}),
            // The chart writes pod_service_account_name itself from podServiceAccount.name.
            pod_service_account_definition: podServiceAccountDefinition(),
            // Spilo as non-root; volumes writable through the fsGroup.
            spilo_runasuser: SPILO_UID,
            spilo_runasgroup: SPILO_GID,
            spilo_fsgroup: SPILO_GID,
            spilo_privileged: false,
            spilo_allow_privilege_escalation: false,
            // Persistent stacks keep the volumes when a cluster object is deleted.
            enable_persistent_volume_claim_deletion: !a.persistent,
        },
        ...(backup ? {
            configAwsOrGcp: { aws_region: backup.region, wal_s3_bucket: backup.bucket, ...(roleArn !== undefined ? { irsa_role_arn: roleArn } : {}) },
        } : {}),
        configLogicalBackup: {
            logical_backup_docker_image: a.images.logicalBackup.ref,
            logical_backup_schedule: pg.logicalBackupSchedule,
            ...(backup ? {
                logical_backup_s3_bucket: backup.bucket,
                logical_backup_s3_region: backup.region,
                logical_backup_s3_endpoint: backup.endpoint ?? "",
                // Empty: the bucket's default encryption (SSE-KMS with our key on EKS) applies.
                logical_backup_s3_sse: "",
                // The bucket lifecycle expires nothing current (see WAL_NONCURRENT_DAYS): the job prunes.
                logical_backup_s3_retention_time: logicalBackupRetention(pg.pitrDays),
                ...(backup.credentialsSecret ? { logical_backup_cronjob_environment_secret: backup.credentialsSecret } : {}),
            } : {}),
        },
        configConnectionPooler: {
            connection_pooler_image: a.images.pooler.ref,
            connection_pooler_mode: pg.poolerMode,
            connection_pooler_max_db_connections: poolerSizing(pg).operatorMaxDbConnections,
            connection_pooler_number_of_instances: pg.poolerInstances,
            connection_pooler_default_cpu_request: POOLER_RESOURCES.requests.cpu,
            connection_pooler_default_memory_request: POOLER_RESOURCES.requests.memory,
            connection_pooler_default_cpu_limit: POOLER_RESOURCES.limits.cpu,
            connection_pooler_default_memory_limit: POOLER_RESOURCES.limits.memory,
        },
    };
}

export interface ClusterSpecArgs {
    pg: PostgresSettings;
    appNamespace: string;
    spilo: ResolvedImage;
    /** StorageClass ("" = the cluster default: omitted). */
    storageClass: string;
    /** Failure zones the nodes span. */
    zones: number;
    /** WAL-G archiving and logical backups on. */
    backups: boolean;
    /** postgres_exporter image for the metrics sidecar. */
    exporter: ResolvedImage;
}

/** The operator-generated superuser Secret of a cluster (in the data namespace). */
export function superuserSecretName(cluster: string): string {
    return `postgres.${cluster}.credentials.postgresql.acid.zalan.do`;
}

/**
 * postgres_exporter as a sidecar of every member: replication lag (`pg_replication_lag_seconds`),
 * connections and the rest of the standard collectors for the alerts. It connects over localhost with
 * the operator-generated superuser credentials, read from their Secret (never through Pulumi).
 */
export function exporterSidecar(cluster: string, image: ResolvedImage): Record<string, unknown> {
    const secret = (key: string) => ({ valueFrom: { secretKeyRef: { name: superuserSecretName(cluster), key } } });
    return {
        name: "exporter",
        image: image.ref,
        ports: [{ name: "exporter", containerPort: EXPORTER_PORT, protocol: "TCP" }],
        // The postgresql CRD (operator 2.0.0) has no `args` for sidecars: the API server would prune
        // it. postgres_exporter reads every flag from its environment too (--extend.query-path here).
        env: [
            { name: "PG_EXPORTER_EXTEND_QUERY_PATH", value: `${EXPORTER_QUERIES_DIR}/queries.yaml` },
            // Spilo always serves TLS (a self-signed certificate unless tls is configured).
            { name: "DATA_SOURCE_URI", value: `localhost:${POSTGRES_PORT}/postgres?sslmode=require` },
            { name: "DATA_SOURCE_USER", ...secret("username") },
            { name: "DATA_SOURCE_PASS", ...secret("password") },
        ],
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "128Mi" } },
    };
}

/** ConfigMap (data namespace) with the exporter's extra queries, mounted into the `exporter` sidecar. */
export const EXPORTER_QUERIES_CONFIGMAP = "postgres-exporter-queries";
const EXPORTER_QUERIES_DIR = "/etc/postgres-exporter";
/**
 * End time (Unix seconds) of the newest base backup, from the member that took it. Postgres writes a
 * backup history file (`<segment>.<offset>.backup`) into pg_wal when a base backup stops and removes
 * the older ones once archived, so the newest one's modification time is when the last WAL-G base
 * backup finished. No row (no metric) on members without one.
 */
export const BASE_BACKUP_METRIC = "kubechat_basebackup_last_end_time_seconds";

/** postgres_exporter's `--extend.query-path` file: the base backup query behind {@link BASE_BACKUP_METRIC}. */
export function exporterQueries(): string {
    return [
        "kubechat_basebackup:",
        "  query: \"SELECT extract(epoch FROM m) AS last_end_time_seconds FROM (SELECT max(modification) AS m FROM pg_ls_waldir() WHERE name LIKE '%.backup') b WHERE m IS NOT NULL\"",
        "  metrics:",
        "    - last_end_time_seconds:",
        "        usage: \"GAUGE\"",
        "        description: \"End of the newest base backup (its backup history file in pg_wal), Unix seconds\"",
        "",
    ].join("\n");
}

/** Labels the operator puts on the Postgres member pods. */
export function memberPodLabels(cluster: string): Record<string, string> {
    return { application: "spilo", "cluster-name": cluster };
}

/** Labels the operator puts on the PgBouncer pods. */
export function poolerPodLabels(cluster: string): Record<string, string> {
    return { application: "db-connection-pooler", "connection-pooler": `${cluster}-pooler` };
}

/** `spec` of the `acid.zalan.do/v1` `postgresql` resource. */
export function clusterSpec(a: ClusterSpecArgs): Record<string, unknown> {
    const { pg } = a;
    const cluster = postgresClusterName(pg);
    const role = appRoleName(a.appNamespace, pg.user);
    const sync = synchronousNodeCount(pg);
    return {
        teamId: pg.teamId,
        dockerImage: a.spilo.ref,
        numberOfInstances: pg.instances,
        postgresql: {
            version: pg.version,
            parameters: {
                // Switch WAL segments at least this often so the archived WAL is never older than the RPO.
                archive_timeout: String(pg.archiveTimeoutSeconds),
                max_connections: String(maxConnections(pg)),
            },
        },
        // strict false: when no synchronous standby is available Patroni falls back to asynchronous
        // replication so writes keep flowing (RPO > 0 during that window) instead of blocking.
        patroni: sync > 0
            ? { synchronous_mode: true, synchronous_node_count: sync, synchronous_mode_strict: false }
            : { synchronous_mode: false },
        volume: { size: pg.volumeSize, ...(a.storageClass ? { storageClass: a.storageClass } : {}) },
        resources: {
            requests: { cpu: pg.cpuRequest, memory: pg.memoryRequest },
            limits: { cpu: pg.cpuLimit, memory: pg.memoryLimit },
        },
        users: { [role]: [] },
        databases: { [pg.database]: role },
        enableConnectionPooler: true,
        connectionPooler: {
            numberOfInstances: pg.poolerInstances,
            mode: pg.poolerMode,
            maxDBConnections: poolerSizing(pg).operatorMaxDbConnections,
            resources: POOLER_RESOURCES,
        },
        enableLogicalBackup: a.backups,
        ...(a.backups ? { logicalBackupSchedule: pg.logicalBackupSchedule } : {}),
        topologySpreadConstraints: [{
            maxSkew: 1,
            topologyKey: "topology.kubernetes.io/zone",
            // One zone (or nodes without zone labels): a hard constraint could leave members pending.
            whenUnsatisfiable: a.zones > 1 ? "DoNotSchedule" : "ScheduleAnyway",
            labelSelector: { matchLabels: memberPodLabels(cluster) },
        }],
        sidecars: [exporterSidecar(cluster, a.exporter)],
        additionalVolumes: [{
            name: "exporter-queries", mountPath: EXPORTER_QUERIES_DIR, targetContainers: ["exporter"],
            volumeSource: { configMap: { name: EXPORTER_QUERIES_CONFIGMAP } },
        }],
        // Velero's file-system backup (on-prem) must not copy a live data directory: WAL-G covers it.
        podAnnotations: { "backup.velero.io/backup-volumes-excludes": PGDATA_VOLUME },
        ...(pg.tls ? { tls: { secretName: pg.tlsSecretName, caFile: "ca.crt" }, spiloFSGroup: SPILO_GID } : {}),
        // Read by the operator only when it bootstraps a new cluster: a restore (docs/restore.md).
        ...(cloneSpec(pg) ? { clone: cloneSpec(pg) } : {}),
    };
}

/** IAM policy for WAL-G and logical backups: that bucket only, and the key that encrypts it. */
export function walBucketIamPolicy(bucketName: string, kmsKeyArn: string, partition: string): string {
    const arn = s3BucketArn(partition, bucketName);
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            { Sid: "ListBucket", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: arn },
            { Sid: "Objects", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: `${arn}/*` },
            { Sid: "Kms", Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], Resource: kmsKeyArn },
        ],
    });
}
