/** How long backups are kept: WAL-G base backups, logical dumps and deleted WAL objects. Pure. */

/**
 * The WAL bucket expires no current object by age: WAL-G deletes base backups beyond
 * BACKUP_NUM_TO_RETAIN (and the WAL before the oldest kept one) itself, so an age-based expiry could
 * only ever remove what a restore still needs — the newest base backup when backups have been failing
 * for a while. What WAL-G deletes becomes a noncurrent version and stays recoverable this long.
 */
export const WAL_NONCURRENT_DAYS = 7;

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
