/**
 * The data layer's rules over its settings, pure and free of resource code, so the config loader can
 * apply them before anything is created and the Postgres component can apply them to its args.
 */
import { restoreProblems } from "./restore";
import { PostgresSettings } from "./settings";

const DAILY = /^\d{1,2}\s+\d{1,2}\s+\*\s+\*\s+\*$/;

/**
 * Problems with the Postgres settings, as `path: reason` below the namespace. The TLS Secret is
 * required whenever tls is on; the rest only matters when the cluster is deployed.
 */
export function validatePostgres(pg: PostgresSettings): string[] {
    const problems: string[] = [];
    if (pg.tls && pg.tlsSecretName === "") problems.push("postgres.tlsSecretName: is required when postgres.tls is true");
    if (!pg.enabled) return problems;
    problems.push(...restoreProblems(pg));
    if (pg.backups && !DAILY.test(pg.baseBackupSchedule.trim())) {
        problems.push(`postgres.baseBackupSchedule: must be a daily cron "M H * * *" (retention is counted in daily base backups)`);
    }
    return problems;
}
