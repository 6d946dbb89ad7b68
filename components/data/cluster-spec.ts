/** `spec` of the `acid.zalan.do/v1` `postgresql` resource. Pure. */
import { ResolvedImage } from "../catalog";
import { EXPORTER_QUERIES_CONFIGMAP, EXPORTER_QUERIES_DIR, exporterSidecar } from "./exporter";
import { PGDATA_VOLUME, SPILO_GID, appRoleName, memberPodLabels, postgresClusterName } from "./names";
import { POOLER_RESOURCES, maxConnections, poolerSizing } from "./pooler";
import { cloneSpec } from "./restore";
import { PostgresSettings } from "./settings";
import { WAL_SENDER_TIMEOUT, patroniSpec } from "./timing";

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

/** `spec` of the `acid.zalan.do/v1` `postgresql` resource. */
export function clusterSpec(a: ClusterSpecArgs): Record<string, unknown> {
    const { pg } = a;
    const cluster = postgresClusterName(pg);
    const role = appRoleName(a.appNamespace, pg.user);
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
                // See WAL_SENDER_TIMEOUT: a frozen synchronous standby blocks commits until then.
                wal_sender_timeout: WAL_SENDER_TIMEOUT,
            },
        },
        // Timing, synchronous replication and failsafe mode: see timing.ts (the failover drill reads the same through patroni.ts).
        patroni: patroniSpec(pg),
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

