/**
 * postgres_exporter beside every member: the sidecar, its extra queries and the metric names the
 * alerts and the failover drill read. Pure.
 */
import { ResolvedImage } from "../catalog";
import { POSTGRES_PORT, superuserSecretName } from "./names";

/** postgres_exporter's metrics port (the `exporter` sidecar of every member). */
export const EXPORTER_PORT = 9187;

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
/** Where the sidecar mounts that ConfigMap. */
export const EXPORTER_QUERIES_DIR = "/etc/postgres-exporter";
/**
 * End time (Unix seconds) of the newest base backup, from the member that took it. Postgres writes a
 * backup history file (`<segment>.<offset>.backup`) into pg_wal when a base backup stops and removes
 * the older ones once archived, so the newest one's modification time is when the last WAL-G base
 * backup finished. No row (no metric) on members without one.
 */
export const BASE_BACKUP_METRIC = "kubechat_basebackup_last_end_time_seconds";

/**
 * Age of the oldest commit on a member that is waiting for its synchronous standbys to confirm it
 * (`wait_event = 'SyncRep'`), 0 when none waits: how long a slow synchronous standby holds commits up.
 * Operator 2.0.0 exposes neither Patroni's quorum commit nor `maximum_lag_on_syncnode` (docs/ha.md), so
 * a standby that is slow but connected stays synchronous and every commit waits for it.
 */
export const SYNCREP_WAIT_METRIC = "kubechat_syncrep_oldest_wait_seconds";
/**
 * KubeChatPostgresSyncStandbySlow fires when {@link SYNCREP_WAIT_METRIC}, averaged over the alert's
 * window, exceeds this many seconds. Healthy commits wait milliseconds; the drill's standby that
 * stalls 2 s every 5 s averages far above it (docs/ha.md has both figures).
 */
export const SYNCREP_SLOW_THRESHOLD_SECONDS = 0.1;
/** Commits waiting for synchronous standbys on a member right now. */
export const SYNCREP_WAITING_METRIC = "kubechat_syncrep_waiting_backends";
/** pg_stat_replication.flush_lag of each synchronous standby, as seen by the primary (label `standby`). */
export const SYNC_STANDBY_FLUSH_LAG_METRIC = "kubechat_sync_standby_flush_lag_seconds";

/** One postgres_exporter extra query: SQL and its columns (`LABEL` columns label the others). */
export interface ExporterQuery {
    query: string;
    metrics: { column: string; usage: "GAUGE" | "LABEL"; description: string }[];
}

/**
 * postgres_exporter's extra queries (metric = `<name>_<column>`). The failover drill runs the
 * `kubechat_sync*` ones against its primary (`npm run ha:config` carries them), so the alerts built on
 * them are checked against a real slow standby.
 */
export const EXPORTER_QUERIES: Record<string, ExporterQuery> = {
    kubechat_basebackup: {
        query: "SELECT extract(epoch FROM m) AS last_end_time_seconds FROM (SELECT max(modification) AS m FROM pg_ls_waldir() WHERE name LIKE '%.backup') b WHERE m IS NOT NULL",
        metrics: [{ column: "last_end_time_seconds", usage: "GAUGE", description: "End of the newest base backup (its backup history file in pg_wal), Unix seconds" }],
    },
    kubechat_syncrep: {
        query: "SELECT coalesce(max(extract(epoch FROM clock_timestamp() - query_start)), 0) AS oldest_wait_seconds, count(*) AS waiting_backends FROM pg_stat_activity WHERE wait_event = 'SyncRep'",
        metrics: [
            { column: "oldest_wait_seconds", usage: "GAUGE", description: "Seconds the oldest statement waiting for synchronous standbys (wait_event SyncRep) has run, 0 when none waits" },
            { column: "waiting_backends", usage: "GAUGE", description: "Backends waiting for synchronous standbys to confirm a commit" },
        ],
    },
    kubechat_sync_standby: {
        query: "SELECT application_name AS standby, coalesce(extract(epoch FROM flush_lag), 0) AS flush_lag_seconds FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')",
        metrics: [
            { column: "standby", usage: "LABEL", description: "Synchronous standby (its application_name, the member name)" },
            { column: "flush_lag_seconds", usage: "GAUGE", description: "pg_stat_replication.flush_lag of the synchronous standby" },
        ],
    },
};

/** postgres_exporter's `--extend.query-path` file: {@link EXPORTER_QUERIES}. */
export function exporterQueries(): string {
    const lines: string[] = [];
    for (const [name, q] of Object.entries(EXPORTER_QUERIES)) {
        lines.push(`${name}:`, `  query: ${JSON.stringify(q.query)}`, "  metrics:");
        for (const m of q.metrics) {
            lines.push(`    - ${m.column}:`, `        usage: "${m.usage}"`, `        description: ${JSON.stringify(m.description)}`);
        }
    }
    return lines.join("\n") + "\n";
}

