/**
 * PgBouncer arithmetic, in one place: how operator 2.0 splits `maxDBConnections` over the pooler pods
 * (`getConnectionPoolerEnvVars`), what the operator is given so the app gets the connections it asks
 * for, and the `max_connections` Postgres must admit. The Postgres component and the failover drill
 * (patroni.ts) both read it.
 */
import { PostgresSettings } from "./settings";

export const POOLER_RESOURCES = { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } };

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

/**
 * PgBouncer settings of the operator's pooler image (`pooler/pgbouncer.ini.tmpl`) that the operator
 * does not expose: `query_wait_timeout` is not in the template, so PgBouncer's default (120 s) applies.
 */
export const POOLER_FIXED = { query_wait_timeout: 120, server_login_retry: 5, idle_transaction_timeout: 600 } as const;
/** The operator's `constants.ConnectionPoolerMaxClientConnections`. */
export const POOLER_MAX_CLIENT_CONN = 10000;

/** PgBouncer settings in each pooler pod, as the operator derives them (`getConnectionPoolerEnvVars`). */
export interface PoolerPodSizing {
    pool_mode: string;
    max_db_connections: number;
    default_pool_size: number;
    reserve_pool_size: number;
    max_client_conn: number;
    query_wait_timeout: number;
    server_login_retry: number;
    idle_transaction_timeout: number;
}

/**
 * What the operator writes into each pooler pod's PgBouncer settings for the spec's `maxDBConnections`.
 * (The operator also computes a min_pool_size, but its template leaves that line commented out.)
 */
export function poolerPodSizing(maxDBConnections: number, instances: number, mode: string): PoolerPodSizing {
    const split = operatorPoolSplit(maxDBConnections, instances);
    return {
        pool_mode: mode, max_db_connections: split.perPod, default_pool_size: split.defaultPool, reserve_pool_size: split.reservePool,
        max_client_conn: POOLER_MAX_CLIENT_CONN, ...POOLER_FIXED,
    };
}
