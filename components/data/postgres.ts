/**
 * PostgresHA: the Zalando postgres-operator (Patroni + Spilo + PgBouncer + WAL-G) and one `postgresql`
 * cluster in the data namespace, with continuous WAL archiving and daily logical backups to S3 (EKS:
 * a bucket created here, reached through IRSA) or an S3-compatible store (on-prem).
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { recommendedLabels } from "../labels";
import { defaultBucketName, irsaBucket } from "../aws/bucket";
import { BackupStoreArgs } from "../object-store";
import { dataNetworkPolicies } from "./network";
import { backupStoreEgress } from "../network";
import { clusterSpec } from "./cluster-spec";
import { EXPORTER_QUERIES_CONFIGMAP, exporterQueries } from "./exporter";
import { walBucketIamPolicy } from "./iam";
import { POD_SERVICE_ACCOUNT, POSTGRES_PORT, WALG_CONFIGMAP, credentialsSecretName, postgresClusterName } from "./names";
import { operatorValues } from "./operator";
import { WAL_NONCURRENT_DAYS } from "./retention";
import { PostgresSettings } from "./settings";
import { validatePostgres } from "./validate";
import { BackupTarget, walgEnv } from "./walg";
import { addonNamespace, chartAddon } from "../release";

export interface PostgresHAArgs extends BackupStoreArgs {
    /** `kubechat:postgres` settings (instances, sync replicas, volume, pooler, backups...). */
    config: PostgresSettings;
    /** App namespace: the operator writes the app's credentials Secret there and NetworkPolicies admit its pods. */
    appNamespace: string;
    /** Namespace Prometheus scrapes from (the members' exporter sidecars admit it). Default `monitoring`. */
    monitoringNamespace?: string;
}

/** Name of the Secret created from the object-store keys in the data namespace. */
export const OBJECT_STORE_SECRET = "postgres-object-store";
/** Labels of the operator pod (set by its chart). */
export const OPERATOR_POD_LABELS = { "app.kubernetes.io/name": "postgres-operator" };

export class PostgresHA extends pulumi.ComponentResource {
    /** Pooler Service host the app connects to. */
    public readonly host: string;
    public readonly port: number;
    public readonly database: string;
    /** Operator-generated Secret (keys username, password) in the app namespace. Never the password itself. */
    public readonly credentialsSecretName: string;
    /** `<teamId>-<clusterName>`. */
    public readonly clusterName: string;
    public readonly namespace: string;
    /** WAL/logical backup bucket ("" when backups are off). */
    public readonly backupBucket: string;
    /**
     * `metadata.uid` of the `postgresql` object. WAL-G archives under `spilo/<cluster>/<uid>/wal/`, so a
     * point-in-time clone names it (`spec.clone.uid`): recorded as a stack output because it is lost with
     * the cluster.
     */
    public readonly clusterUid: pulumi.Output<string>;

    constructor(name: string, args: PostgresHAArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubechat:data:PostgresHA", name, {}, opts);
        const pg = args.config;
        const problems = validatePostgres(pg);
        if (problems.length) throw new Error(`PostgresHA ${name}:\n  ${problems.join("\n  ")}`);

        const ns = pg.namespace;
        const cluster = postgresClusterName(pg);
        const { catalog } = args;
        const k8sOpts = { parent: this, provider: args.cluster.provider };
        const labels = (component: string) => recommendedLabels("postgres", component);

        // Pod Security baseline, not restricted: the operator renders the Spilo StatefulSet and the
        // PgBouncer Deployment itself and offers no setting for seccompProfile or dropping ALL
        // capabilities on them, which restricted requires. Spilo still runs as non-root (uid 101,
        // fsGroup 103) without privilege escalation.
        const namespace = addonNamespace(`${name}-ns`, { name: ns, owner: "kubechat-data", podSecurity: "baseline" }, k8sOpts);
        const inNs = { ...k8sOpts, dependsOn: [namespace.resource] };

        // Everything the members read at start (WAL-G environment, object-store credentials, the bucket
        // and its IRSA role) exists before the cluster object is created.
        const backupReady: pulumi.Resource[] = [];
        const backup = pg.backups ? this.backupTarget(name, args, inNs, backupReady) : undefined;
        this.backupBucket = backup?.bucket ?? "";

        const operator = chartAddon(`${name}-operator`, {
            release: "postgres-operator",
            namespace,
            chart: "postgres-operator", catalog,
            values: operatorValues({
                pg, namespace: ns, persistent: args.persistent, backup,
                images: {
                    operator: catalog.image("postgres-operator"), spilo: catalog.image("spilo"),
                    pooler: catalog.image("pgbouncer"), logicalBackup: catalog.image("logical-backup"),
                },
            }),
        }, inNs);

        if (backup) {
            backupReady.push(new k8s.core.v1.ConfigMap(`${name}-walg-env`, {
                metadata: { name: WALG_CONFIGMAP, namespace: ns, labels: labels("backup") },
                data: walgEnv(pg, backup),
            }, inNs));
        }

        // The exporter sidecar mounts its extra queries (the last base backup's time) from here.
        const exporterQueriesMap = new k8s.core.v1.ConfigMap(`${name}-exporter-queries`, {
            metadata: { name: EXPORTER_QUERIES_CONFIGMAP, namespace: ns, labels: labels("monitoring") },
            data: { "queries.yaml": exporterQueries() },
        }, inNs);

        // The CRD comes with the operator chart; protect + retain keep the database (and, through the
        // operator's retained PVCs, its volumes) when the stack is destroyed.
        const clusterObject = new k8s.apiextensions.CustomResource(`${name}-cluster`, {
            apiVersion: "acid.zalan.do/v1",
            kind: "postgresql",
            metadata: { name: cluster, namespace: ns, labels: labels("database") },
            spec: clusterSpec({
                pg, appNamespace: args.appNamespace, spilo: catalog.image("spilo"), exporter: catalog.image("postgres-exporter"),
                storageClass: args.cluster.storageClass, zones: args.cluster.zones, backups: backup !== undefined,
            }),
        }, { ...k8sOpts, dependsOn: [operator, exporterQueriesMap, ...backupReady, ...args.cluster.storageReady], protect: args.persistent, retainOnDelete: args.persistent });
        this.clusterUid = clusterObject.metadata.uid;

        // On-prem: the configured endpoint only. AWS S3 has no fixed addresses: HTTPS to any (exempt, see the egress test).
        const objectStore = backup === undefined ? undefined : backupStoreEgress(backup.endpoint, args.objectStore?.cidrs ?? []);
        for (const np of dataNetworkPolicies({ cluster, appNamespace: args.appNamespace, operatorLabels: OPERATOR_POD_LABELS, objectStore, apiServerCidrs: args.cluster.apiServerCidrs, monitoringNamespace: args.monitoringNamespace ?? "monitoring" })) {
            new k8s.networking.v1.NetworkPolicy(`${name}-np-${np.name}`, {
                metadata: { name: `postgres-${np.name}`, namespace: ns, labels: labels("network-policy") },
                spec: np.spec,
            }, inNs);
        }

        this.namespace = ns;
        this.clusterName = cluster;
        this.host = `${cluster}-pooler.${ns}.svc.cluster.local`;
        this.port = POSTGRES_PORT;
        this.database = pg.database;
        this.credentialsSecretName = credentialsSecretName(args.appNamespace, pg.user, cluster);
        this.registerOutputs({
            host: this.host, port: this.port, database: this.database, credentialsSecretName: this.credentialsSecretName,
            clusterName: this.clusterName, namespace: this.namespace, backupBucket: this.backupBucket, clusterUid: this.clusterUid,
        });
    }

    /** EKS: a SecureBucket + IRSA role; on-prem: the configured object store and its credentials. */
    private backupTarget(name: string, args: PostgresHAArgs, inNs: pulumi.CustomResourceOptions, ready: pulumi.Resource[]): BackupTarget | undefined {
        const pg = args.config;
        const eks = args.cluster.eks;
        if (eks) {
            const bucket = irsaBucket(`${name}-wal`, {
                eks,
                bucket: {
                    bucketName: pg.backupBucket || defaultBucketName(eks.clusterName, "pg-wal", eks.accountId, eks.region),
                    // Never by age: see WAL_NONCURRENT_DAYS.
                    expirationDays: 0,
                    noncurrentDays: WAL_NONCURRENT_DAYS,
                    protect: args.persistent,
                },
                namespace: pg.namespace,
                serviceAccount: POD_SERVICE_ACCOUNT,
                policy: walBucketIamPolicy,
            }, this);
            ready.push(...bucket.ready);
            return { bucket: bucket.bucketName, region: eks.region, roleArn: bucket.roleArn, kmsKeyArn: eks.kmsKeyArn };
        }
        const store = args.objectStore;
        if (store.endpoint === "" || pg.backupBucket === "") {
            // Only reachable while a stack declares EKS but the cluster layer provides no EKS info;
            // on-prem configs are rejected earlier without an endpoint and bucket.
            pulumi.log.warn(`postgres.backups: no backup target (no EKS layer, no kubechat:objectStore.endpoint/postgres.backupBucket): WAL archiving is off`, this);
            return undefined;
        }
        let credentialsSecret = store.credentialsSecret;
        const creds = args.objectStoreCredentials;
        if (creds) {
            credentialsSecret = OBJECT_STORE_SECRET;
            ready.push(new k8s.core.v1.Secret(`${name}-object-store`, {
                metadata: { name: OBJECT_STORE_SECRET, namespace: pg.namespace, labels: recommendedLabels("postgres", "backup") },
                type: "Opaque",
                stringData: {
                    AWS_ACCESS_KEY_ID: creds.accessKeyId,
                    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
                    // Clones and point-in-time restores read the same store.
                    CLONE_AWS_ACCESS_KEY_ID: creds.accessKeyId,
                    CLONE_AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
                },
            }, inNs));
        }
        return {
            bucket: pg.backupBucket, region: store.region, endpoint: store.endpoint,
            forcePathStyle: store.forcePathStyle, credentialsSecret,
        };
    }
}
