import * as assert from "assert";
import { configSchema } from "../../components/config";
import { Catalog, IMAGES } from "../../components/catalog";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { clusterSpec } from "../../components/data/cluster-spec";
import { EXPORTER_QUERIES, SYNCREP_SLOW_THRESHOLD_SECONDS, SYNCREP_WAIT_METRIC, exporterQueries } from "../../components/data/exporter";
import { PATRONI_TIMING, WAL_SENDER_TIMEOUT, patroniSpec } from "../../components/data/timing";
import { poolerPodSizing } from "../../components/data/pooler";
import { dataNetworkPolicies } from "../../components/data/network";
import {
    PATRONI_SYNC_REJOIN_FIX, SPILO_RELEASES, compareVersions, effectivePatroniConfig, memoryMiB,
    spiloDefaultMaxConnections,
} from "../../components/data/patroni";
import { alertRules, postgresPodMonitor } from "../../components/observability/prometheus";

const pg = (over: Record<string, unknown> = {}) => configSchema.parse({ postgres: over }).postgres;

describe("data: effective Patroni configuration (what the failover drill runs)", () => {
    it("the pinned Spilo is in the release table and ships a Patroni with the sync-set rejoin fix", () => {
        const key = `${IMAGES.spilo.repository}:${IMAGES.spilo.tag}`;
        assert.ok(SPILO_RELEASES[key], `${key} missing from SPILO_RELEASES`);
        assert.ok(compareVersions(SPILO_RELEASES[key].patroni, PATRONI_SYNC_REJOIN_FIX) >= 0, `${key} ships Patroni ${SPILO_RELEASES[key].patroni}`);
        const e = effectivePatroniConfig(pg());
        assert.strictEqual(e.spiloImage, key);
        assert.strictEqual(e.hasSyncRejoinFix, true);
    });

    it("the old Spilo 4.0-p3 ships Patroni 4.0.4, without the fix", () => {
        const e = effectivePatroniConfig(pg(), { repository: "ghcr.io/zalando/spilo-17", tag: "4.0-p3" });
        assert.strictEqual(e.patroniVersion, "4.0.4");
        assert.strictEqual(e.hasSyncRejoinFix, false);
    });

    it("refuses an image whose Patroni version nobody checked", () => {
        assert.throws(() => effectivePatroniConfig(pg(), { repository: "ghcr.io/zalando/spilo-18", tag: "9.9-p9" }), /Patroni version unknown/);
    });

    it("is exactly the patroni section, parameters and pooler the component puts in the postgresql resource", () => {
        const c = new Catalog();
        for (const settings of [pg(), pg({ instances: 5, synchronousReplicas: 3, poolerInstances: 3, poolerMaxDbConnections: 90 }), pg({ instances: 1 })]) {
            const spec: any = clusterSpec({ pg: settings, appNamespace: "a", spilo: c.image("spilo"), exporter: c.image("postgres-exporter"), storageClass: "", zones: 3, backups: true });
            const e = effectivePatroniConfig(settings);
            assert.deepStrictEqual(e.dcs, spec.patroni);
            for (const [k, v] of Object.entries(spec.postgresql.parameters ?? {})) assert.strictEqual(e.postgresql.parameters[k], v, k);
            assert.strictEqual(e.pooler.instances, spec.connectionPooler.numberOfInstances);
            assert.strictEqual(e.pooler.perPod.pool_mode, spec.connectionPooler.mode);
            assert.strictEqual(e.pooler.perPod.max_db_connections, Math.floor(spec.connectionPooler.maxDBConnections / spec.connectionPooler.numberOfInstances));
            assert.strictEqual(e.members, settings.instances);
            assert.strictEqual(e.postgresMajor, settings.version);
        }
    });

    it("failsafe mode on, non-strict synchronous mode capped at replicas, explicit timing", () => {
        assert.deepStrictEqual(patroniSpec({ instances: 3, synchronousReplicas: 2 }), {
            ttl: 20, loop_wait: 5, retry_timeout: 5, maximum_lag_on_failover: 33554432, failsafe_mode: true,
            synchronous_mode: true, synchronous_node_count: 2, synchronous_mode_strict: false,
        });
        assert.strictEqual(patroniSpec({ instances: 2, synchronousReplicas: 2 }).synchronous_node_count, 1);
        const single = patroniSpec({ instances: 1, synchronousReplicas: 2 });
        assert.strictEqual(single.synchronous_mode, false);
        assert.strictEqual(single.synchronous_node_count, undefined);
        // Patroni requires ttl >= loop_wait + 2 * retry_timeout.
        const t = patroniSpec({ instances: 3, synchronousReplicas: 2 });
        assert.ok(Number(t.ttl) >= Number(t.loop_wait) + 2 * Number(t.retry_timeout));
    });

    it("wal_sender_timeout is ttl: with the Kubernetes DCS it alone ends a frozen synchronous standby's hold on commits", () => {
        const e = effectivePatroniConfig(pg());
        assert.strictEqual(e.postgresql.parameters.wal_sender_timeout, `${e.dcs.ttl}s`);
        assert.strictEqual(WAL_SENDER_TIMEOUT, `${PATRONI_TIMING.ttl}s`);
    });

    it("bounds are ttl + loop_wait + 5 s", () => {
        const e = effectivePatroniConfig(pg());
        assert.deepStrictEqual(e.bounds, { maxWriteStallSeconds: 30, maxLeaderChangeSeconds: 30 });
    });

    it("PgBouncer per pod as the operator derives it; query_wait_timeout is PgBouncer's default", () => {
        assert.deepStrictEqual(poolerPodSizing(100, 2, "transaction"), {
            pool_mode: "transaction", max_db_connections: 50, default_pool_size: 25, reserve_pool_size: 12,
            max_client_conn: 10000, query_wait_timeout: 120, server_login_retry: 5, idle_transaction_timeout: 600,
        });
        assert.strictEqual(poolerPodSizing(90, 3, "session").default_pool_size, 15);
    });

    it("max_connections: Spilo's memory formula unless the stack sets it", () => {
        assert.strictEqual(memoryMiB("4Gi"), 4096);
        assert.strictEqual(memoryMiB("512Mi"), 512);
        assert.strictEqual(spiloDefaultMaxConnections(4096), 136);
        assert.strictEqual(spiloDefaultMaxConnections(1024), 100);
        assert.strictEqual(spiloDefaultMaxConnections(65536), 1000);
        const settings = pg({ memoryLimit: "8Gi" });
        const c = new Catalog();
        const spec: any = clusterSpec({ pg: settings, appNamespace: "a", spilo: c.image("spilo"), exporter: c.image("postgres-exporter"), storageClass: "", zones: 3, backups: true });
        const e = effectivePatroniConfig(settings);
        assert.strictEqual(e.postgresql.parameters.max_connections, spec.postgresql.parameters?.max_connections ?? "273");
        assert.strictEqual(e.postgresql.parameters.wal_log_hints, "on");
    });

    it("compareVersions", () => {
        assert.strictEqual(compareVersions("4.0.4", "4.1.0"), -1);
        assert.strictEqual(compareVersions("4.1.0", "4.1"), 0);
        assert.strictEqual(compareVersions("4.10.0", "4.9.9"), 1);
    });
});

describe("monitoring: synchronous standbys below the configured count", () => {
    it("alerts on Patroni's patroni_sync_standby sum only when synchronous replication is configured", () => {
        const rules = alertRules({ namespace: "ns", errorRatePercent: 5, dataNamespace: "data", postgresSyncStandbys: 2 }).flatMap((g) => g.rules);
        const r = rules.find((x) => x.alert === "KubeChatPostgresSyncStandbysMissing");
        assert.ok(r);
        assert.strictEqual(r!.expr, '(sum(patroni_sync_standby{namespace="data"}) or vector(0)) < 2');
        assert.strictEqual(r!.labels.severity, "critical");
        const none = alertRules({ namespace: "ns", errorRatePercent: 5, dataNamespace: "data", postgresSyncStandbys: 0 }).flatMap((g) => g.rules);
        assert.ok(!none.some((x) => x.alert === "KubeChatPostgresSyncStandbysMissing"));
    });

    it("Prometheus scrapes Patroni's /metrics on 8008 and the data NetworkPolicy admits it", () => {
        const pm: any = postgresPodMonitor("monitoring", "data");
        assert.deepStrictEqual(pm.spec.podMetricsEndpoints[1], { portNumber: 8008, path: "/metrics", interval: "30s" });
        const members: any = dataNetworkPolicies({ cluster: "c", appNamespace: "a", operatorLabels: {}, apiServerCidrs: ["10.0.0.0/16"], monitoringNamespace: "monitoring" })
            .find((p) => p.name === "members")!.spec;
        const fromMonitoring = members.ingress.find((i: any) => JSON.stringify(i.from).includes("monitoring"));
        assert.ok(fromMonitoring.ports.some((p: any) => p.port === 8008));
    });
});

describe("monitoring: what the failover drill showed (docs/ha.md)", () => {
    const rules = alertRules({ namespace: "ns", errorRatePercent: 5, dataNamespace: "data", postgresSyncStandbys: 2 }).flatMap((g) => g.rules);
    const rule = (name: string) => { const r = rules.find((x) => x.alert === name); assert.ok(r, name); return r!; };
    const drill = fs.readFileSync(path.join(__dirname, "../../test/ha/drill.py"), "utf8");

    it("failsafe mode active (one member failure from refusing writes) and no primary: Patroni's gauges, which the drill asserts on", () => {
        assert.strictEqual(rule("KubeChatPostgresFailsafeActive").expr, 'max(patroni_failsafe_mode_is_active{namespace="data"}) > 0');
        assert.strictEqual(rule("KubeChatPostgresFailsafeActive").labels.severity, "critical");
        assert.strictEqual(rule("KubeChatPostgresNoPrimary").expr, '(sum(patroni_primary{namespace="data"}) or vector(0)) < 1');
        // The DCS-outage scenarios fail unless the leader reports failsafe mode and, after the member
        // loss, no member reports primary: the metric names here are the ones the drill reads.
        assert.match(drill, /metric\("patroni_failsafe_mode_is_active"\) == 1/);
        assert.match(drill, /metric\("patroni_primary"\)/);
        // Both without synchronous replication too (failsafe demotes on any unreachable member).
        const async = alertRules({ namespace: "ns", errorRatePercent: 5, dataNamespace: "data", postgresSyncStandbys: 0 }).flatMap((g) => g.rules).map((r) => r.alert);
        assert.ok(async.includes("KubeChatPostgresFailsafeActive") && async.includes("KubeChatPostgresNoPrimary"));
        assert.ok(!async.includes("KubeChatPostgresSyncStandbySlow"));
    });

    it("slow synchronous standby: the exporter's query yields the alert's metric, and the drill samples that very query and threshold", () => {
        const r = rule("KubeChatPostgresSyncStandbySlow");
        assert.strictEqual(r.expr, `max by (pod) (avg_over_time(${SYNCREP_WAIT_METRIC}{namespace="data"}[10m])) > ${SYNCREP_SLOW_THRESHOLD_SECONDS}`);
        const q = parse(exporterQueries());
        const produced = Object.entries(q).flatMap(([name, v]: [string, any]) => v.metrics.map((m: Record<string, { usage: string }>) => {
            const [column, def] = Object.entries(m)[0];
            return def.usage === "GAUGE" ? `${name}_${column}` : undefined;
        })).filter(Boolean);
        assert.ok(produced.includes(SYNCREP_WAIT_METRIC), `${SYNCREP_WAIT_METRIC} not among ${produced.join(", ")}`);
        const e = effectivePatroniConfig(pg());
        assert.deepStrictEqual(e.exporter.slowStandbyAlert, { metric: SYNCREP_WAIT_METRIC, thresholdSeconds: SYNCREP_SLOW_THRESHOLD_SECONDS });
        assert.strictEqual(e.exporter.queries.kubechat_syncrep.query, EXPORTER_QUERIES.kubechat_syncrep.query);
        assert.deepStrictEqual(e.exporter.queries.kubechat_syncrep.gauges, ["oldest_wait_seconds", "waiting_backends"]);
        assert.match(drill, /cfg\["exporter"\]\["slowStandbyAlert"\]/);
    });
});
