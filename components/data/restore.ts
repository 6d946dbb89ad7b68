/** Point-in-time restore: the operator's `clone` section and the rules its settings must meet. Pure. */
import { PostgresSettings } from "./settings";

const UID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The operator's clone timestamp: RFC 3339 with an explicit offset (Spilo's recovery_target_time). */
const CLONE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$/;

/** The `clone` section for a point-in-time restore from WAL-G, or undefined for a new database. */
export function cloneSpec(pg: Pick<PostgresSettings, "cloneFromCluster" | "cloneFromUid" | "cloneTimestamp">): Record<string, string> | undefined {
    if (pg.cloneFromCluster === "") return undefined;
    return { cluster: pg.cloneFromCluster, uid: pg.cloneFromUid, timestamp: pg.cloneTimestamp };
}

/** Problems with the restore settings, as `path: reason`. */
export function restoreProblems(pg: Pick<PostgresSettings, "cloneFromCluster" | "cloneFromUid" | "cloneTimestamp" | "backups">): string[] {
    const problems: string[] = [];
    if (pg.cloneFromCluster === "" && pg.cloneFromUid === "" && pg.cloneTimestamp === "") return problems;
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(pg.cloneFromCluster)) problems.push(`postgres.cloneFromCluster: must name the source cluster (<teamId>-<clusterName>) when restoring`);
    if (!UID.test(pg.cloneFromUid)) problems.push(`postgres.cloneFromUid: must be the source cluster's metadata.uid (a UUID; stack output postgresClone.uid)`);
    if (!CLONE_TIME.test(pg.cloneTimestamp)) problems.push(`postgres.cloneTimestamp: must be RFC 3339 with a UTC offset, e.g. 2026-11-29T10:00:00+00:00`);
    if (!pg.backups) problems.push(`postgres.cloneFromCluster: a WAL-G clone needs postgres.backups (the bucket settings)`);
    return problems;
}
