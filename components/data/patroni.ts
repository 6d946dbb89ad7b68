/**
 * What Spilo/Patroni and the operator's PgBouncer actually run for a stack: the Patroni dynamic
 * configuration the `postgresql` resource sets, the Postgres parameters, PgBouncer sizing per pooler
 * pod, and the Patroni version the pinned Spilo image ships. Pure: it reads the very `postgresql` spec
 * the Postgres component creates (`clusterSpec`, whose `patroni` section is `patroniSpec`), and the
 * failover drill (`npm run test:ha`) reads only this, so the drill and the deployment cannot drift apart.
 */
import { Catalog, IMAGES, ImageEntry } from "../catalog";
import { clusterSpec } from "./cluster-spec";
import { EXPORTER_QUERIES, SYNCREP_SLOW_THRESHOLD_SECONDS, SYNCREP_WAIT_METRIC } from "./exporter";
import { PoolerPodSizing, poolerPodSizing } from "./pooler";
import { PostgresSettings } from "./settings";

/** A Spilo image tag and the Patroni it ships, each row checked against Spilo's source at that tag. */
export interface SpiloRelease {
    /** Patroni version installed in the image (Spilo's `PATRONIVERSION`). */
    patroni: string;
    /** Postgres major the image is built for (`PGVERSION`); older majors ship beside it. */
    defaultMajor: string;
    /** Where the row comes from. */
    evidence: string;
}

/** Keyed by `repository:tag` as in the catalog. */
export const SPILO_RELEASES: Record<string, SpiloRelease> = {
    "ghcr.io/zalando/spilo-17:4.0-p3": {
        patroni: "4.0.4",
        defaultMajor: "17",
        evidence: "zalando/spilo postgres-appliance/Dockerfile of the 4.0 line: ENV PATRONIVERSION=4.0.4, ARG PGVERSION=17, PGOLDVERSIONS 13-16",
    },
    "ghcr.io/zalando/spilo-18:4.1-p2": {
        patroni: "4.1.0",
        defaultMajor: "18",
        evidence: "zalando/spilo#1191 (spilo-18: PG 18, Patroni 4.1.0); the published 4.1-p2 image declares PATRONIVERSION=4.1.0; postgres-operator 2.0.0 chart default docker_image",
    },
};

/**
 * First Patroni release that removes a member which dies right after being added to the synchronous
 * set; before it, with `synchronous_node_count` = replicas, the leader waits for that member forever.
 */
export const PATRONI_SYNC_REJOIN_FIX = "4.1.0";

/**
 * Spilo's bootstrap parameters that matter for replication and failover (`configure_spilo.py`
 * template), under the stack's own `spec.postgresql.parameters`.
 */
export const SPILO_REPLICATION_PARAMETERS: Record<string, string> = {
    wal_level: "replica", wal_log_hints: "on", hot_standby: "on", max_wal_senders: "10", max_replication_slots: "10",
};

/** Spilo's `max_connections` when the stack sets none: one per 30 MiB of memory, 100..1000. */
export function spiloDefaultMaxConnections(memoryMiB: number): number {
    return Math.min(Math.max(100, Math.floor(memoryMiB / 30)), 1000);
}

/** Parse a Kubernetes memory quantity into MiB. */
export function memoryMiB(q: string): number {
    const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?$/.exec(q.trim());
    if (!m) throw new Error(`not a memory quantity: ${q}`);
    const n = Number(m[1]);
    const factor: Record<string, number> = { "": 1 / 1048576, Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1048576, K: 1e3 / 1048576, M: 1e6 / 1048576, G: 1e9 / 1048576, T: 1e12 / 1048576 };
    return n * factor[m[2] ?? ""];
}

export interface EffectivePatroniConfig {
    spiloImage: string;
    patroniVersion: string;
    /** Whether that Patroni has the synchronous-set rejoin fix. */
    hasSyncRejoinFix: boolean;
    postgresMajor: string;
    members: number;
    dcs: Record<string, number | boolean>;
    postgresql: { parameters: Record<string, string> };
    pooler: { instances: number; perPod: PoolerPodSizing };
    /** What the drill asserts: no write blocked, and a new leader, within ttl + loop_wait + 5 s. */
    bounds: { maxWriteStallSeconds: number; maxLeaderChangeSeconds: number };
    /**
     * The exporter's synchronous-replication queries (metric name -> SQL and gauge columns) and the slow
     * standby alert's metric and threshold: the drill samples them on its primary during a slow standby.
     */
    exporter: {
        queries: Record<string, { query: string; gauges: string[] }>;
        slowStandbyAlert: { metric: string; thresholdSeconds: number };
    };
}

/** Semantic-version comparison of `a` and `b` (`-1`, `0`, `1`). */
export function compareVersions(a: string, b: string): number {
    const pa = a.split(".").map(Number);
    const pb = b.split(".").map(Number);
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
        const d = (pa[i] ?? 0) - (pb[i] ?? 0);
        if (d !== 0) return Math.sign(d);
    }
    return 0;
}

/** What Spilo/Patroni and PgBouncer run for a stack. Throws for a Spilo tag missing from SPILO_RELEASES. */
export function effectivePatroniConfig(pg: PostgresSettings, spilo: ImageEntry = IMAGES.spilo): EffectivePatroniConfig {
    // The same spec the Postgres component creates (images and placement do not matter here).
    const catalog = new Catalog();
    const spec = clusterSpec({
        pg, appNamespace: "app", spilo: catalog.resolve(spilo.repository, spilo.tag), exporter: catalog.image("postgres-exporter"),
        storageClass: "", zones: 1, backups: false,
    }) as { patroni: Record<string, number | boolean>; postgresql: { parameters?: Record<string, string> }; connectionPooler: { numberOfInstances: number; mode: string; maxDBConnections: number } };
    const key = `${spilo.repository}:${spilo.tag}`;
    const release = SPILO_RELEASES[key];
    if (!release) throw new Error(`${key}: Patroni version unknown; add the image to SPILO_RELEASES (components/data/patroni.ts) after checking Spilo's source at that tag`);
    const dcs = spec.patroni;
    const parameters: Record<string, string> = {
        ...SPILO_REPLICATION_PARAMETERS,
        max_connections: String(spiloDefaultMaxConnections(memoryMiB(pg.memoryLimit))),
        ...(spec.postgresql.parameters ?? {}),
    };
    const pooler = spec.connectionPooler;
    const bound = Number(dcs.ttl) + Number(dcs.loop_wait) + 5;
    return {
        spiloImage: key,
        patroniVersion: release.patroni,
        hasSyncRejoinFix: compareVersions(release.patroni, PATRONI_SYNC_REJOIN_FIX) >= 0,
        postgresMajor: pg.version,
        members: pg.instances,
        dcs,
        postgresql: { parameters },
        pooler: {
            instances: pooler.numberOfInstances,
            perPod: poolerPodSizing(pooler.maxDBConnections, pooler.numberOfInstances, pooler.mode),
        },
        bounds: { maxWriteStallSeconds: bound, maxLeaderChangeSeconds: bound },
        exporter: {
            queries: Object.fromEntries(Object.entries(EXPORTER_QUERIES).filter(([name]) => name.startsWith("kubechat_sync"))
                .map(([name, q]) => [name, { query: q.query, gauges: q.metrics.filter((m) => m.usage === "GAUGE").map((m) => m.column) }])),
            slowStandbyAlert: { metric: SYNCREP_WAIT_METRIC, thresholdSeconds: SYNCREP_SLOW_THRESHOLD_SECONDS },
        },
    };
}
