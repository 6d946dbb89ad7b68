import * as assert from "assert";
import { parse } from "yaml";
import { BACKUP_AGE_MARGIN_SECONDS, backupAlertRules, schedulePeriodSeconds } from "../../components/backup/alerts";
import { SCHEDULES } from "../../components/backup/velero";
import { clusterSpec } from "../../components/data/cluster-spec";
import { BASE_BACKUP_METRIC, EXPORTER_QUERIES_CONFIGMAP, exporterQueries } from "../../components/data/exporter";
import { configSchema } from "../../components/config";
import { Catalog } from "../../components/catalog";

const pg = { namespace: "kubechat-data", cluster: "kubechat-db", archiveTimeoutSeconds: 900, logicalBackups: true };
const rules = backupAlertRules({ postgres: pg, velero: { namespace: "velero", release: "velero" } });
const byName = (n: string) => rules.filter((r) => r.alert === n);
const one = (n: string) => { const f = byName(n); assert.strictEqual(f.length, 1, n); return f[0]; };

describe("backup alerts (unit)", () => {
    it("WAL archiving: failures (pg_stat_archiver_failed_count) and a stale archive on the primary (min over members)", () => {
        assert.strictEqual(one("KubeChatWalArchivingFailing").expr, 'sum(increase(pg_stat_archiver_failed_count{namespace="kubechat-data"}[10m])) > 0');
        assert.strictEqual(one("KubeChatWalArchiveStale").expr, 'min(pg_stat_archiver_last_archive_age{namespace="kubechat-data"}) > 2700');
    });

    it("base backup older than its daily schedule plus margin, or missing on every member for that long", () => {
        const max = 86400 + BACKUP_AGE_MARGIN_SECONDS;
        assert.strictEqual(one("KubeChatBaseBackupTooOld").expr, `time() - max(${BASE_BACKUP_METRIC}{namespace="kubechat-data"}) > ${max}`);
        const missing = one("KubeChatBaseBackupMissing");
        assert.strictEqual(missing.expr, `absent(${BASE_BACKUP_METRIC}{namespace="kubechat-data"})`);
        assert.strictEqual(missing.for, `${max / 3600}h`);
    });

    it("the base backup metric exists: the exporter's extra query produces exactly that name, mounted into the exporter sidecar", () => {
        const q = parse(exporterQueries());
        const [queryName] = Object.keys(q);
        const columns = q[queryName].metrics.map((m: Record<string, unknown>) => Object.keys(m)[0]);
        assert.deepStrictEqual(columns.map((c: string) => `${queryName}_${c}`), [BASE_BACKUP_METRIC]);
        assert.match(q[queryName].query, /pg_ls_waldir\(\) WHERE name LIKE '%\.backup'/);
        const catalog = new Catalog();
        const spec: any = clusterSpec({ pg: configSchema.parse({}).postgres, appNamespace: "a", spilo: catalog.image("spilo"), exporter: catalog.image("postgres-exporter"), storageClass: "", zones: 1, backups: true });
        const vol = spec.additionalVolumes.find((v: any) => v.volumeSource.configMap?.name === EXPORTER_QUERIES_CONFIGMAP);
        assert.deepStrictEqual(vol.targetContainers, ["exporter"]);
        assert.deepStrictEqual(spec.sidecars[0].env.find((e: any) => e.name === "PG_EXPORTER_EXTEND_QUERY_PATH"), { name: "PG_EXPORTER_EXTEND_QUERY_PATH", value: `${vol.mountPath}/queries.yaml` });
        assert.strictEqual(spec.sidecars[0].args, undefined, "the postgresql CRD has no sidecar args: the API server would prune them");
    });

    it("logical backups: a failed Job (kube-state-metrics) and no success for a day plus margin", () => {
        assert.strictEqual(one("KubeChatLogicalBackupFailed").expr, 'max(kube_job_status_failed{namespace="kubechat-data", job_name=~"logical-backup-kubechat-db-.*"}) > 0');
        assert.match(one("KubeChatLogicalBackupTooOld").expr, /kube_cronjob_status_last_successful_time\{namespace="kubechat-data", cronjob="logical-backup-kubechat-db"\}/);
        assert.strictEqual(backupAlertRules({ postgres: { ...pg, logicalBackups: false } }).some((r) => r.alert.startsWith("KubeChatLogical")), false);
    });

    it("Velero: failed, partially failed or invalid backups; each schedule's last success within its own period plus margin", () => {
        assert.match(one("KubeChatVeleroBackupFailed").expr, /velero_backup_\(failure\|partial_failure\|validation_failure\)_total/);
        const periods = SCHEDULES.map((s) => [s.name, schedulePeriodSeconds(s.schedule)]);
        assert.deepStrictEqual(periods, [["daily", 86400], ["every-6h", 21600], ["weekly", 604800], ["monthly", 2678400], ["yearly", 31622400]]);
        const old = byName("KubeChatVeleroBackupTooOld");
        assert.strictEqual(old.length, SCHEDULES.length);
        for (const [i, s] of SCHEDULES.entries()) {
            assert.strictEqual(old[i].expr, `time() - velero_backup_last_successful_timestamp{namespace="velero", schedule="velero-${s.name}"} > ${schedulePeriodSeconds(s.schedule) + BACKUP_AGE_MARGIN_SECONDS}`);
        }
    });

    it("nothing without Postgres backups or Velero; every rule documented", () => {
        assert.deepStrictEqual(backupAlertRules({}), []);
        for (const r of rules) assert.ok(r.annotations.summary && r.annotations.description && ["warning", "critical"].includes(r.labels.severity), r.alert);
    });
});
