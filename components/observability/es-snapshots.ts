/**
 * Elasticsearch snapshots to the backup object store, so the audit trail (7-year indices) survives the
 * loss of the cluster: an S3 snapshot repository and a daily SLM policy, registered by the es-setup
 * Job. EKS: a bucket of its own (no age expiry: snapshots share files across years) reached through
 * IRSA; on-prem: the S3-compatible store under the Postgres backup bucket's `elasticsearch/` prefix
 * (Velero's bucket must hold Velero's directories only), with the store's keys in the ES keystore.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ClusterLayer } from "../cluster/types";
import { ObjectStoreCredentials, ObjectStoreSettings, irsaBucket } from "../aws/bucket";
import { encryptedBucketIamPolicy } from "../aws/partition";
import { recommendedLabels } from "../labels";

/** Repository name in Elasticsearch. */
export const ES_SNAPSHOT_REPOSITORY = "kubechat-backups";
/** Key prefix of the snapshots in the bucket. */
export const ES_SNAPSHOT_BASE_PATH = "elasticsearch";
/** ServiceAccount of the Elasticsearch pods (the IRSA trust names it). */
export const ES_SERVICE_ACCOUNT = "elasticsearch";
/** Secret (logging namespace) with the object-store keys under Elasticsearch keystore names. */
export const ES_S3_KEYSTORE_SECRET = "elasticsearch-s3-keystore";
/** Where Elasticsearch's S3 repository looks for a web identity token (inside its config directory). */
export const ES_WEB_IDENTITY_TOKEN = "/usr/share/elasticsearch/config/repository-s3/aws-web-identity-token-file";
/** Noncurrent snapshot files stay recoverable this long. */
export const ES_SNAPSHOT_NONCURRENT_DAYS = 7;

/** Where the snapshots go and how Elasticsearch authenticates. */
export interface EsSnapshotTarget {
    bucket: string;
    /** EKS: IRSA role of the Elasticsearch ServiceAccount. */
    roleArn?: pulumi.Input<string>;
    /** On-prem: `http(s)://host[:port]` of the S3-compatible store. */
    endpoint?: string;
    /** On-prem: path-style addressing. */
    pathStyle?: boolean;
    /** On-prem: keystore entries (Secret name and, for an existing env-style Secret, the key mapping). */
    keystore?: { secretName: string; entries?: { key: string; path: string }[] };
}

/** IAM policy for the snapshot repository: that bucket only, and the key that encrypts it. */
export function esSnapshotIamPolicy(bucketName: string, kmsKeyArn: string, partition: string): string {
    return encryptedBucketIamPolicy(bucketName, kmsKeyArn, partition,
        ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]);
}

/** `PUT _snapshot/<repository>` body. */
export function esSnapshotRepository(t: EsSnapshotTarget): Record<string, unknown> {
    return { type: "s3", settings: { bucket: t.bucket, base_path: ES_SNAPSHOT_BASE_PATH, client: "default" } };
}

/**
 * `PUT _slm/policy/daily-snapshots` body: every index (audit included) and the cluster state, daily.
 * The newest snapshot holds every live index, so 30 days of snapshots restore all of it — including
 * audit indices ILM keeps for 7 years.
 */
export function esSlmPolicy(): Record<string, unknown> {
    return {
        schedule: "0 30 1 * * ?",
        name: "<daily-{now/d}>",
        repository: ES_SNAPSHOT_REPOSITORY,
        config: { indices: ["*"], include_global_state: true },
        retention: { expire_after: "30d", min_count: 7, max_count: 60 },
    };
}

/** What the Elasticsearch nodeSet needs for the repository: client settings, keystore, identity. */
export function esSnapshotPodSettings(t: EsSnapshotTarget): {
    config: Record<string, unknown>;
    secureSettings: Record<string, unknown>[];
    serviceAccountName: string;
    env: Record<string, unknown>[];
    volumes: Record<string, unknown>[];
    volumeMounts: Record<string, unknown>[];
} {
    const config: Record<string, unknown> = {};
    if (t.endpoint) {
        const u = new URL(t.endpoint);
        Object.assign(config, {
            "s3.client.default.endpoint": u.host,
            "s3.client.default.protocol": u.protocol.replace(/:$/, ""),
            "s3.client.default.path_style_access": t.pathStyle ?? true,
        });
    }
    const irsa = t.roleArn !== undefined;
    return {
        config,
        secureSettings: t.keystore ? [{ secretName: t.keystore.secretName, ...(t.keystore.entries ? { entries: t.keystore.entries } : {}) }] : [],
        serviceAccountName: ES_SERVICE_ACCOUNT,
        // Elasticsearch reads a web identity token only from its config directory: a projected token is
        // mounted there directly (no reliance on the EKS webhook), with the role named in the environment.
        env: irsa ? [{ name: "AWS_ROLE_ARN", value: t.roleArn }, { name: "AWS_WEB_IDENTITY_TOKEN_FILE", value: ES_WEB_IDENTITY_TOKEN }] : [],
        volumes: irsa ? [{
            name: "aws-web-identity",
            projected: { sources: [{ serviceAccountToken: { audience: "sts.amazonaws.com", expirationSeconds: 86400, path: "aws-web-identity-token-file" } }] },
        }] : [],
        volumeMounts: irsa ? [{ name: "aws-web-identity", mountPath: ES_WEB_IDENTITY_TOKEN.replace(/\/[^/]+$/, ""), readOnly: true }] : [],
    };
}

export interface EsSnapshotStoreArgs {
    cluster: ClusterLayer;
    /** Persistent stack: the EKS bucket is protected. */
    persistent: boolean;
    /** On-prem S3-compatible store (endpoint "" = no snapshots on-prem). */
    objectStore: ObjectStoreSettings;
    /** On-prem store keys (Pulumi secrets): written into the Elasticsearch keystore Secret; else `objectStore.credentialsSecret`. */
    objectStoreCredentials?: ObjectStoreCredentials;
    /** On-prem bucket (the Postgres backup bucket); "" = no snapshots on-prem. */
    onPremBucket: string;
}

/**
 * Creates what the repository needs (EKS: bucket + IRSA role; on-prem: the keystore Secret) and
 * returns the target, or undefined when there is nowhere to write (on-prem without a store).
 */
export function esSnapshotStore(name: string, a: EsSnapshotStoreArgs, namespace: pulumi.Input<string>, nsName: string, parent: pulumi.Resource):
    { target: EsSnapshotTarget; ready: pulumi.Resource[] } | undefined {
    const eks = a.cluster.eks;
    const sa = new k8s.core.v1.ServiceAccount(`${name}-sa`, {
        metadata: { name: ES_SERVICE_ACCOUNT, namespace, labels: recommendedLabels("elasticsearch", "logging") },
        automountServiceAccountToken: false,
    }, { parent, provider: a.cluster.provider });
    if (eks) {
        const b = irsaBucket(name, {
            eks,
            bucket: {
                bucketName: `${eks.clusterName}-es-snapshots`.toLowerCase(),
                // Snapshots are incremental: a file written years ago may belong to today's snapshot.
                expirationDays: 0,
                noncurrentDays: ES_SNAPSHOT_NONCURRENT_DAYS,
                protect: a.persistent,
            },
            namespace: nsName,
            serviceAccount: ES_SERVICE_ACCOUNT,
            policy: esSnapshotIamPolicy,
        }, parent);
        return { target: { bucket: b.bucketName, roleArn: b.roleArn }, ready: [sa, ...b.ready] };
    }
    if (a.objectStore.endpoint === "" || a.onPremBucket === "") return undefined;
    const target: EsSnapshotTarget = { bucket: a.onPremBucket, endpoint: a.objectStore.endpoint, pathStyle: a.objectStore.forcePathStyle };
    const ready: pulumi.Resource[] = [sa];
    if (a.objectStoreCredentials) {
        ready.push(new k8s.core.v1.Secret(`${name}-keystore`, {
            metadata: { name: ES_S3_KEYSTORE_SECRET, namespace, labels: recommendedLabels("elasticsearch", "backup") },
            type: "Opaque",
            stringData: {
                "s3.client.default.access_key": a.objectStoreCredentials.accessKeyId,
                "s3.client.default.secret_key": a.objectStoreCredentials.secretAccessKey,
            },
        }, { parent, provider: a.cluster.provider }));
        target.keystore = { secretName: ES_S3_KEYSTORE_SECRET };
    } else if (a.objectStore.credentialsSecret) {
        // The configured env-style Secret (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) must exist in this namespace too.
        target.keystore = {
            secretName: a.objectStore.credentialsSecret,
            entries: [{ key: "AWS_ACCESS_KEY_ID", path: "s3.client.default.access_key" }, { key: "AWS_SECRET_ACCESS_KEY", path: "s3.client.default.secret_key" }],
        };
    }
    return { target, ready };
}
