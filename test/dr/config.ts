/**
 * node -r ts-node/register/transpile-only test/dr/config.ts <stack>...
 * node -r ts-node/register/transpile-only test/dr/config.ts --clone <stack> <cloneFromCluster> <cloneFromUid> <cloneTimestamp> [<clusterName>]
 *
 * Prints, as JSON, what the disaster-recovery drill (`npm run test:dr`) configures WAL-G, Postgres and
 * the logical backup from, for each stack given: the WAL-G pod environment (`walgEnv`, the operator's
 * `pod_environment_configmap`), `archive_timeout` from the `postgresql` spec (`clusterSpec`), the
 * base-backup schedule and retention, the operator's logical-backup settings (`operatorValues`), the
 * declared volume size and the Patroni settings `npm run test:ha` runs (`effectivePatroniConfig`).
 * The drill reads nothing else, so it cannot drift from what the program gives Spilo. `--clone` prints
 * what the runbook's `pulumi config set kubechat:postgres.clone*` (and `clusterName`) settings become:
 * the restored cluster's name and the `postgresql` resource's `spec.clone`, after the program's validation.
 * Exit codes: 0 ok; 2 bad usage or an invalid stack file.
 */
import { defaultBucketName } from "../../components/aws/bucket";
import { Catalog } from "../../components/catalog";
import { effectivePatroniConfig, memoryMiB } from "../../components/data/patroni";
import { clusterSpec } from "../../components/data/cluster-spec";
import { restoreProblems } from "../../components/data/restore";
import { postgresClusterName } from "../../components/data/names";
import { operatorValues } from "../../components/data/operator";
import { BackupTarget, walgEnv } from "../../components/data/walg";
import { stackConfig } from "../../planner/program/stack-postgres";

/**
 * Stands in for the stack's KMS key ARN, a Pulumi output unknown offline; the drill's object store has
 * no KMS, so the key is never used for encryption there (the report says so).
 */
export function offlineKmsKeyArn(region: string, accountId: string): string {
    return `arn:aws:kms:${region}:${accountId}:key/offline-drill-placeholder`;
}

/** The drill's view of one stack. */
export function drSettings(stack: string) {
    const c = stackConfig(stack);
    const pg = c.postgres;
    const catalog = new Catalog();
    // The backup target Postgres gets (components/data/postgres.ts backupTarget): EKS bucket + KMS key, or the on-prem store.
    let target: BackupTarget | undefined;
    if (pg.backups && c.cluster.kind === "eks") {
        const e = c.eks;
        target = { bucket: pg.backupBucket || defaultBucketName(e.clusterName, "pg-wal", e.accountId, e.region), region: e.region, kmsKeyArn: offlineKmsKeyArn(e.region, e.accountId) };
    } else if (pg.backups) {
        target = { bucket: pg.backupBucket, region: c.objectStore.region, endpoint: c.objectStore.endpoint, forcePathStyle: c.objectStore.forcePathStyle, credentialsSecret: c.objectStore.credentialsSecret || "kubechat-object-store" };
    }
    const spec = clusterSpec({
        pg, appNamespace: c.app.namespace, spilo: catalog.image("spilo"), exporter: catalog.image("postgres-exporter"),
        storageClass: "", zones: 1, backups: target !== undefined,
    }) as { postgresql: { parameters: Record<string, string> } };
    const values = operatorValues({
        pg, namespace: pg.namespace, persistent: true, backup: target,
        images: { operator: catalog.image("postgres-operator"), spilo: catalog.image("spilo"), pooler: catalog.image("pgbouncer"), logicalBackup: catalog.image("logical-backup") },
    }) as { configLogicalBackup: Record<string, string>; configAwsOrGcp?: Record<string, string> };
    return {
        stack,
        backups: target !== undefined,
        cluster: postgresClusterName(pg),
        namespace: pg.namespace,
        postgresMajor: pg.version,
        members: pg.instances,
        volumeSize: pg.volumeSize,
        volumeGiB: memoryMiB(pg.volumeSize) / 1024,
        archiveTimeoutSeconds: Number(spec.postgresql.parameters.archive_timeout),
        baseBackupSchedule: pg.baseBackupSchedule,
        pitrDays: pg.pitrDays,
        target: target === undefined ? null : {
            bucket: target.bucket, region: target.region, endpoint: target.endpoint ?? null, forcePathStyle: target.forcePathStyle ?? null,
            kmsKeyArn: target.kmsKeyArn === undefined ? null : String(target.kmsKeyArn),
        },
        /** The operator's pod_environment_configmap (credentials come from its Secret or IRSA). */
        walgEnv: target === undefined ? null : walgEnv(pg, target) as Record<string, string>,
        /** What the operator puts into the clone environment besides the ConfigMap (`configAwsOrGcp.wal_s3_bucket`). */
        operatorWalBucket: values.configAwsOrGcp?.wal_s3_bucket ?? null,
        logicalBackup: values.configLogicalBackup,
        patroni: effectivePatroniConfig(pg),
    };
}

/** The runbook's restore settings applied to a stack: the new cluster's name and its `spec.clone`. */
export function cloneSettings(stack: string, cloneFromCluster: string, cloneFromUid: string, cloneTimestamp: string, clusterName?: string) {
    const c = stackConfig(stack);
    const pg = { ...c.postgres, cloneFromCluster, cloneFromUid, cloneTimestamp, ...(clusterName ? { clusterName } : {}) };
    const problems = restoreProblems(pg);
    if (problems.length) throw new Error(problems.join("; "));
    const catalog = new Catalog();
    const spec = clusterSpec({
        pg, appNamespace: c.app.namespace, spilo: catalog.image("spilo"), exporter: catalog.image("postgres-exporter"),
        storageClass: "", zones: 1, backups: pg.backups,
    }) as { clone?: Record<string, string> };
    return { cluster: postgresClusterName(pg), clone: spec.clone ?? null };
}

export function run(argv: string[]): number {
    if (argv[0] === "--clone" && (argv.length === 5 || argv.length === 6)) {
        try {
            process.stdout.write(JSON.stringify(cloneSettings(argv[1], argv[2], argv[3], argv[4], argv[5])) + "\n");
            return 0;
        } catch (e) {
            process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
            return 2;
        }
    }
    if (argv.length === 0 || argv.some((a) => a.startsWith("-"))) {
        process.stderr.write("usage: node -r ts-node/register/transpile-only test/dr/config.ts <stack>... | --clone <stack> <cluster> <uid> <timestamp> [<clusterName>]\n");
        return 2;
    }
    try {
        process.stdout.write(JSON.stringify(Object.fromEntries(argv.map((s) => [s, drSettings(s)])), null, 2) + "\n");
        return 0;
    } catch (e) {
        process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
        return 2;
    }
}

if (require.main === module) process.exit(run(process.argv.slice(2)));
