/**
 * Backup alert rules (pure): WAL archiving and base backups (postgres_exporter on every member),
 * the logical-backup CronJob (kube-state-metrics) and the Velero schedules (Velero's own metrics).
 * Every threshold is derived from the schedule it watches plus a margin, so a changed schedule moves
 * its alert with it. The rules join the platform's PrometheusRule (observability).
 */
import type { AlertRule } from "../observability/prometheus";
import { BASE_BACKUP_METRIC } from "../data/exporter";
import { SCHEDULES } from "./velero";

/** Slack on top of a schedule's period before "too old" fires: a slow or retried run is not an incident. */
export const BACKUP_AGE_MARGIN_SECONDS = 6 * 3600;

export interface BackupAlertArgs {
    /** Postgres with WAL-G (absent: no Postgres rules). */
    postgres?: {
        namespace: string;
        /** `<teamId>-<clusterName>`. */
        cluster: string;
        /** `archive_timeout`: the longest a WAL segment may wait before it is switched and archived. */
        archiveTimeoutSeconds: number;
        /** Logical-backup CronJob on (`logical-backup-<cluster>`). */
        logicalBackups: boolean;
    };
    /** Velero namespace and release (absent: no Velero rules). */
    velero?: { namespace: string; release: string };
}

const DAY = 86400;

/** Seconds between two runs of a Velero schedule (the cron expressions of SCHEDULES). */
export function schedulePeriodSeconds(schedule: string): number {
    const [, hour, dom, , dow] = schedule.trim().split(/\s+/);
    if (/^\*\/\d+$/.test(hour)) return Number(hour.slice(2)) * 3600;
    if (dow !== "*") return 7 * DAY;
    if (dom === "*") return DAY;
    // A fixed day of the month: monthly, or yearly when the month is fixed too.
    return schedule.trim().split(/\s+/)[3] === "*" ? 31 * DAY : 366 * DAY;
}

function rule(alert: string, expr: string, forDuration: string, severity: AlertRule["labels"]["severity"], summary: string, description: string): AlertRule {
    return { alert, expr, for: forDuration, labels: { severity }, annotations: { summary, description } };
}

export function backupAlertRules(a: BackupAlertArgs): AlertRule[] {
    const rules: AlertRule[] = [];
    const pg = a.postgres;
    if (pg) {
        const sel = `namespace="${pg.namespace}"`;
        // Base backups run daily (validated in the loader): one day plus the margin.
        const baseBackupMax = DAY + BACKUP_AGE_MARGIN_SECONDS;
        rules.push(
            // archive_command is retried about once a minute while it fails: a failure that persists shows
            // as a growing failed_count on the primary.
            rule("KubeChatWalArchivingFailing", `sum(increase(pg_stat_archiver_failed_count{${sel}}[10m])) > 0`, "10m", "critical",
                "WAL archiving to the backup store fails",
                "archive_command has failed for 10 minutes (pg_stat_archiver): WAL piles up in pg_wal and point-in-time recovery stops at the last archived segment."),
            // The primary is the member with the freshest archive; replicas keep the stale value from their
            // last time as primary, so the minimum over the members is the primary's.
            rule("KubeChatWalArchiveStale", `min(pg_stat_archiver_last_archive_age{${sel}}) > ${3 * pg.archiveTimeoutSeconds}`, "15m", "warning",
                "No WAL segment archived for three archive_timeout periods",
                `The newest archived WAL segment is {{ $value | humanizeDuration }} old (archive_timeout ${pg.archiveTimeoutSeconds}s). Either archiving is stuck or the database has had no writes.`),
            rule("KubeChatBaseBackupTooOld", `time() - max(${BASE_BACKUP_METRIC}{${sel}}) > ${baseBackupMax}`, "0m", "critical",
                "The last WAL-G base backup is older than its daily schedule plus margin",
                `The newest base backup of ${pg.cluster} finished {{ $value | humanizeDuration }} ago; restores replay ever more WAL and retention cannot advance.`),
            // After a failover the new primary has no backup history file until its first base backup.
            rule("KubeChatBaseBackupMissing", `absent(${BASE_BACKUP_METRIC}{${sel}})`, `${baseBackupMax / 3600}h`, "critical",
                "No member reports a base backup",
                `No member of ${pg.cluster} has reported a base backup for a day plus margin.`),
        );
        if (pg.logicalBackups) {
            const job = `logical-backup-${pg.cluster}`;
            rules.push(
                rule("KubeChatLogicalBackupFailed", `max(kube_job_status_failed{${sel}, job_name=~"${job}-.*"}) > 0`, "0m", "warning",
                    "A logical backup (pg_dump) Job failed",
                    "A failed logical-backup Job is in the CronJob's history (kube-state-metrics); it stays there until pruned."),
                rule("KubeChatLogicalBackupTooOld", `time() - max(kube_cronjob_status_last_successful_time{${sel}, cronjob="${job}"}) > ${DAY + BACKUP_AGE_MARGIN_SECONDS}`, "0m", "warning",
                    "No successful logical backup for a day plus margin",
                    "The last successful pg_dump finished {{ $value | humanizeDuration }} ago."),
            );
        }
    }
    const v = a.velero;
    if (v) {
        const sel = `namespace="${v.namespace}"`;
        rules.push(rule("KubeChatVeleroBackupFailed",
            `sum by (schedule) (increase({__name__=~"velero_backup_(failure|partial_failure|validation_failure)_total", ${sel}}[1h])) > 0`, "0m", "critical",
            "A Velero backup failed", "Schedule {{ $labels.schedule }} had a failed, partially failed or invalid backup in the last hour."));
        for (const s of SCHEDULES) {
            const max = schedulePeriodSeconds(s.schedule) + BACKUP_AGE_MARGIN_SECONDS;
            const schedule = `${v.release}-${s.name}`;
            rules.push(rule(`KubeChatVeleroBackupTooOld`,
                `time() - velero_backup_last_successful_timestamp{${sel}, schedule="${schedule}"} > ${max}`, "0m", "critical",
                `No successful ${s.name} Velero backup within its period plus margin`,
                `The last successful backup of ${schedule} is {{ $value | humanizeDuration }} old (limit ${max}s).`));
        }
    }
    return rules;
}
