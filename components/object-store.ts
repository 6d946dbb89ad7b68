/**
 * The object store backups go to, which Postgres (WAL-G, logical dumps), Velero and the Elasticsearch
 * snapshots share: the args those components are given, and the rules over its on-prem settings (pure,
 * applied by the config loader). Problems are `path: reason` below the namespace.
 */
import { ObjectStoreCredentials, ObjectStoreSettings } from "./aws/bucket";
import { Catalog } from "./catalog";
import { ClusterLayer } from "./cluster/types";
import { objectStoreProblem, unlessUnparsable } from "./network";

/** Arguments shared by the components that write backups to S3 (EKS) or an S3-compatible store (on-prem). */
export interface BackupStoreArgs {
    /** Persistent stack: protect + retain the bucket. */
    persistent: boolean;
    /** On-prem object store (endpoint, region, path style, existing credentials Secret). */
    objectStore: ObjectStoreSettings;
    /** On-prem object-store keys (Pulumi secrets); when set a Secret is created from them. */
    objectStoreCredentials?: ObjectStoreCredentials;
    catalog: Catalog;
    cluster: ClusterLayer;
}

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
