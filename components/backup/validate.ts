/**
 * The rules over the on-prem object store that Velero and WAL-G back up to, pure, so the config loader
 * applies them before anything is created. Problems are `path: reason` below the namespace.
 */
import { objectStoreProblem, unlessUnparsable } from "../network";

/** What the object-store rules read. */
export interface ObjectStoreRuleInput {
    objectStore: { endpoint: string; cidrs: string[]; credentialsSecret: string };
    /** Both kubechat:objectStoreAccessKeyId and kubechat:objectStoreSecretAccessKey are set. */
    keysSet: boolean;
    /** WAL-G archiving is on, and its bucket. */
    postgres: { on: boolean; bucket: string };
    /** Velero is on, and its bucket. */
    velero: { on: boolean; bucket: string };
}

/** On-prem: the store, its addresses, buckets and credentials, when anything backs up to it. */
export function objectStoreProblems(a: ObjectStoreRuleInput): string[] {
    const p: string[] = [];
    if (!a.postgres.on && !a.velero.on) return p;
    const store = a.objectStore;
    if (store.endpoint === "") p.push("objectStore.endpoint: is required on-prem when postgres.backups or backup.enabled is on");
    else {
        const problem = unlessUnparsable(() => objectStoreProblem(store.endpoint, store.cidrs));
        if (problem) p.push(`objectStore.cidrs: ${problem}`);
    }
    if (a.postgres.on && a.postgres.bucket === "") p.push("postgres.backupBucket: is required on-prem when postgres.backups is on");
    if (a.velero.on && a.velero.bucket === "") p.push("backup.bucket: is required on-prem when backup.enabled is on");
    if (!a.keysSet && store.credentialsSecret === "") {
        p.push("objectStore.credentialsSecret: is required unless kubechat:objectStoreAccessKeyId and kubechat:objectStoreSecretAccessKey are set (as secrets)");
    }
    return p;
}
