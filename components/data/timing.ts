/**
 * Patroni timing and synchronous replication: the `patroni` section of the `postgresql` resource and
 * the matching `wal_sender_timeout`. Pure; the failover drill reads the same values (patroni.ts).
 */
import { PostgresSettings } from "./settings";

/**
 * Patroni timing, set explicitly so it no longer depends on the image. Spilo's template defaults
 * (`configure_spilo.py`: ttl 30, loop_wait 10, retry_timeout 10) gave a measured ~28 s leader failover
 * and ~38 s of blocked writes while a synchronous standby was frozen (docs/ha.md). Halving loop_wait and
 * retry_timeout and taking ttl to 20 s keeps Patroni's rule ttl >= loop_wait + 2 x retry_timeout and
 * bounds both at ttl + loop_wait + 5 = 30 s; with failsafe_mode on, a slow Kubernetes API (DCS) call
 * no longer demotes a leader that still reaches its members. maximum_lag_on_failover stays Spilo's 32 MiB.
 */
export const PATRONI_TIMING = { ttl: 20, loop_wait: 5, retry_timeout: 5, maximum_lag_on_failover: 33554432 } as const;

/**
 * `wal_sender_timeout`: the primary drops a standby's replication connection after this long without
 * an answer, and only then does Patroni take a frozen synchronous standby out of the synchronous set.
 * With the etcd DCS the member's key expires after ttl first; with the Kubernetes DCS production uses,
 * a member is a Pod annotation that never expires, so Postgres' default (60 s) blocked every commit for
 * 65 s in the failover drill (`npm run test:ha -- --dcs kubernetes`, docs/ha.md). ttl here gives the
 * same bound on both.
 */
export const WAL_SENDER_TIMEOUT = `${PATRONI_TIMING.ttl}s`;

/** Patroni synchronous replication: `min(synchronousReplicas, instances - 1)`; off with a single member. */
export function synchronousNodeCount(pg: Pick<PostgresSettings, "instances" | "synchronousReplicas">): number {
    return Math.max(0, Math.min(pg.synchronousReplicas, pg.instances - 1));
}

/**
 * The `patroni` section of the `postgresql` resource (the operator copies it into Patroni's bootstrap
 * DCS config and syncs it to running clusters).
 * - strict off: with no synchronous standby left Patroni falls back to asynchronous replication so
 *   writes keep flowing (RPO > 0 in that window; KubeChatPostgresSyncStandbysMissing alerts).
 * - failsafe_mode: a Kubernetes API (DCS) outage longer than ttl does not demote a leader that still
 *   reaches every member over the Patroni API.
 */
export function patroniSpec(pg: Pick<PostgresSettings, "instances" | "synchronousReplicas">): Record<string, number | boolean> {
    const sync = synchronousNodeCount(pg);
    return {
        ...PATRONI_TIMING,
        failsafe_mode: true,
        ...(sync > 0
            ? { synchronous_mode: true, synchronous_node_count: sync, synchronous_mode_strict: false }
            : { synchronous_mode: false }),
    };
}
