/**
 * VeleroBackup: Velero (official chart + AWS plugin) with the platform's five backup schedules over
 * the app and data namespaces. EKS: a SecureBucket, EBS snapshots and IRSA; on-prem: an S3-compatible
 * store with file-system backup through the node agent.
 */
import * as pulumi from "@pulumi/pulumi";
import { s3BucketArn } from "../aws/partition";
import * as k8s from "@pulumi/kubernetes";
import { ResolvedImage } from "../catalog";
import { recommendedLabels } from "../labels";
import { defaultBucketName, irsaBucket } from "../aws/bucket";
import { BackupStoreArgs } from "../object-store";
import { WALG_OWNED_KINDS, WALG_OWNED_POD_APPS } from "../data/names";
import { AddonNamespaceArgs, addonNamespace, chartAddon } from "../release";

/** Velero's settings (`kubechat:backup`). */
export interface BackupSettings {
    /** Velero installed with the schedules (the component is created only when true). */
    enabled: boolean;
    /** Bucket name ("" on EKS: one is created and named here; on-prem: required, on the object store). */
    bucket: string;
    /** Volume snapshots (EKS); otherwise file-system backup through the node agent. */
    snapshotVolumes: boolean;
}

export interface VeleroBackupArgs extends BackupStoreArgs {
    /** Bucket and snapshot mode. */
    config: BackupSettings;
    /** Namespaces every schedule backs up (app and data). */
    includedNamespaces: string[];
    /** Velero's own namespace (`NamespaceNames.velero`). */
    namespace: string;
}

/** Helm release name; the chart names each Schedule `<release>-<schedule>` (the `schedule` label of Velero's metrics). */
export const VELERO_RELEASE = "velero";
/**
 * Velero server service account: the chart's own name for it, `<fullname>-server` (the fullname is the
 * release name when it contains the chart name). The IRSA trust policy names it; a rendered test checks
 * that the chart creates exactly this ServiceAccount, so setting the chart's `serviceAccount.server.name`
 * to the same string would change nothing.
 */
export const VELERO_SERVICE_ACCOUNT = `${VELERO_RELEASE}-server`;
/** Secret in Velero's credentials-file format (key `cloud`). */
export const VELERO_CREDENTIALS_SECRET = "velero-object-store";
/** Days beyond the longest backup ttl that the bucket lifecycle keeps objects (Velero's GC deletes first). */
export const VELERO_LIFECYCLE_MARGIN_DAYS = 30;
export const VELERO_NONCURRENT_DAYS = 30;

/** The schedules: name, cron (UTC) and ttl (Go duration in hours). */
export const SCHEDULES = [
    { name: "daily", schedule: "0 2 * * *", ttl: "720h" },
    { name: "every-6h", schedule: "0 */6 * * *", ttl: "168h" },
    { name: "weekly", schedule: "0 3 * * 0", ttl: "2016h" },
    { name: "monthly", schedule: "0 4 1 * *", ttl: "8760h" },
    { name: "yearly", schedule: "0 5 1 1 *", ttl: "61320h" },
] as const;

/** Days the bucket keeps current objects: the longest ttl plus the margin. */
export function veleroBucketExpirationDays(): number {
    const longestHours = Math.max(...SCHEDULES.map((s) => Number(s.ttl.replace(/h$/, ""))));
    return Math.ceil(longestHours / 24) + VELERO_LIFECYCLE_MARGIN_DAYS;
}

/**
 * What the schedules leave out, so no restore can bring it back: the Postgres cluster's own state. WAL-G
 * restores Postgres (point-in-time clone into a new cluster); restoring the `postgresql` object, the
 * operator's configuration, the members' StatefulSet/pods/volumes or Patroni's DCS ConfigMaps (all
 * labelled `application: spilo` by the operator) would bring back stale Patroni state. `NotIn` keeps
 * every object without that label (Kubernetes selector semantics).
 */
export function backupExclusions(): { excludedResources: string[]; labelSelector: Record<string, unknown> } {
    return {
        excludedResources: [...WALG_OWNED_KINDS],
        labelSelector: { matchExpressions: [{ key: "application", operator: "NotIn", values: [...WALG_OWNED_POD_APPS] }] },
    };
}

/** The chart's `schedules` value. */
export function veleroSchedules(includedNamespaces: string[], snapshotVolumes: boolean): Record<string, unknown> {
    // Backups must outlive the Schedule object (and a reinstall of the chart): the chart only writes
    // owner references into backups when `useOwnerReferencesInBackup` is true, so it is left unset.
    return Object.fromEntries(SCHEDULES.map((s) => [s.name, {
        schedule: s.schedule,
        template: { ttl: s.ttl, includedNamespaces, snapshotVolumes, storageLocation: "default", ...backupExclusions() },
    }]));
}

/** Where backups go and how Velero authenticates. */
export interface VeleroStorage {
    bucket: string;
    region: string;
    /** S3-compatible endpoint (on-prem); undefined on AWS S3. */
    endpoint?: string;
    forcePathStyle?: boolean;
    /** EKS: IRSA role ARN for the server service account. */
    roleArn?: pulumi.Input<string>;
    /** Secret with key `cloud` (AWS credentials file). */
    existingSecret?: string;
    /** Secret with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY loaded as environment. */
    envSecret?: string;
}

export interface VeleroValuesArgs {
    images: { velero: ResolvedImage; awsPlugin: ResolvedImage };
    storage: VeleroStorage;
    includedNamespaces: string[];
    /** EBS snapshots (EKS); otherwise file-system backup through the node agent. */
    snapshotVolumes: boolean;
}

const CONTAINER_SECURITY = {
    runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" },
};
const SMALL_RESOURCES = { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "128Mi" } };
/**
 * The file-system backup agent reads every pod's volume through the kubelet's directory (hostPath) as
 * root — what it cannot do without is written down in policies/chart-exceptions.yaml; the rest is
 * hardened here: no privilege escalation, the runtime's seccomp profile.
 */
export const NODE_AGENT_VALUES = {
    resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
    podSecurityContext: { runAsUser: 0, seccompProfile: { type: "RuntimeDefault" } },
    containerSecurityContext: { allowPrivilegeEscalation: false },
};
/** The CRD-upgrade Job (a Velero binary applying its CRDs). */
export const UPGRADE_JOB_RESOURCES = { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } };

/** Values of the `velero` chart. */
export function veleroValues(a: VeleroValuesArgs): Record<string, unknown> {
    const s = a.storage;
    const fsBackup = !a.snapshotVolumes;
    const credentials = s.roleArn !== undefined ? { useSecret: false }
        : s.existingSecret ? { useSecret: true, existingSecret: s.existingSecret }
            : { useSecret: false, extraSecretRef: s.envSecret ?? "" };
    return {
        image: { repository: a.images.velero.name, tag: a.images.velero.tag },
        initContainers: [{
            name: "velero-plugin-for-aws",
            image: a.images.awsPlugin.ref,
            imagePullPolicy: "IfNotPresent",
            volumeMounts: [{ mountPath: "/target", name: "plugins" }],
            securityContext: CONTAINER_SECURITY,
            resources: SMALL_RESOURCES,
        }],
        // The pre-install/upgrade/rollback CRD job runs the Velero image itself (`velero install
        // --crds-only --apply`, chart 12); it takes the pod and container security contexts below.
        upgradeJobResources: UPGRADE_JOB_RESOURCES,
        podSecurityContext: { runAsNonRoot: true, runAsUser: 65532, fsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
        containerSecurityContext: CONTAINER_SECURITY,
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
        configuration: {
            backupStorageLocation: [{
                name: "default",
                provider: "aws",
                bucket: s.bucket,
                default: true,
                config: {
                    region: s.region,
                    ...(s.endpoint ? { s3ForcePathStyle: String(s.forcePathStyle ?? true), s3Url: s.endpoint } : {}),
                },
            }],
            // Without snapshots the chart renders no VolumeSnapshotLocation at all (snapshotsEnabled: false).
            ...(a.snapshotVolumes ? { volumeSnapshotLocation: [{ name: "default", provider: "aws", config: { region: s.region } }] } : {}),
            ...(fsBackup ? { defaultVolumesToFsBackup: true } : {}),
        },
        snapshotsEnabled: a.snapshotVolumes,
        deployNodeAgent: fsBackup,
        // Server metrics (port http-monitoring) feed the backup-failure alerts; the ServiceMonitor is
        // created with the metrics stack, so this chart needs no Prometheus Operator CRDs.
        metrics: { enabled: true, serviceMonitor: { enabled: false } },
        ...(fsBackup ? { nodeAgent: NODE_AGENT_VALUES } : {}),
        credentials,
        serviceAccount: {
            server: {
                create: true,
                ...(s.roleArn !== undefined ? { annotations: { "eks.amazonaws.com/role-arn": s.roleArn } } : {}),
            },
        },
        schedules: veleroSchedules(a.includedNamespaces, a.snapshotVolumes),
    };
}

/**
 * IAM policy for Velero: that bucket only, its key, and the EC2 snapshot calls of the AWS plugin. The
 * EBS volumes are encrypted with the stack's key, so restoring a snapshot into a volume needs the key
 * too: a grant for EBS (only for an AWS resource), DescribeKey, and the data-key and re-encrypt calls.
 */
export function veleroIamPolicy(bucketName: string, kmsKeyArn: string, partition: string): string {
    const arn = s3BucketArn(partition, bucketName);
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            { Sid: "ListBucket", Effect: "Allow", Action: ["s3:ListBucket"], Resource: arn },
            {
                Sid: "Objects", Effect: "Allow",
                Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                Resource: `${arn}/*`,
            },
            { Sid: "Kms", Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], Resource: kmsKeyArn },
            {
                Sid: "EncryptedVolumes", Effect: "Allow",
                Action: ["kms:DescribeKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:Decrypt"],
                Resource: kmsKeyArn,
            },
            {
                Sid: "EncryptedVolumeGrants", Effect: "Allow", Action: ["kms:CreateGrant"], Resource: kmsKeyArn,
                Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
            },
            {
                // EBS snapshot APIs do not support resource-level scoping for Describe*; the rest follow the plugin's documented policy.
                Sid: "Snapshots", Effect: "Allow",
                Action: ["ec2:DescribeVolumes", "ec2:DescribeSnapshots", "ec2:CreateTags", "ec2:CreateVolume", "ec2:CreateSnapshot", "ec2:DeleteSnapshot"],
                Resource: "*",
            },
        ],
    });
}

/** Velero's credentials file (`cloud` key) built from secret Outputs; stays secret. */
export function veleroCredentialsFile(accessKeyId: pulumi.Input<string>, secretAccessKey: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.secret(pulumi.interpolate`[default]\naws_access_key_id=${accessKeyId}\naws_secret_access_key=${secretAccessKey}\n`);
}

/**
 * The Velero namespace: privileged with the node agent (hostPath to the pods' volumes), baseline
 * otherwise; a platform namespace, exempt from the application network rules (Velero talks to the
 * API server and the store).
 */
export function veleroNamespace(name: string, nodeAgent: boolean): AddonNamespaceArgs {
    return { name, owner: "velero", podSecurity: nodeAgent ? "privileged" : "baseline", system: true };
}

export class VeleroBackup extends pulumi.ComponentResource {
    public readonly namespace: string;
    public readonly bucketName: string;
    /** Schedule names. */
    public readonly schedules: string[];

    constructor(name: string, args: VeleroBackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubechat:backup:VeleroBackup", name, {}, opts);
        const ns = args.namespace;
        const eks = args.cluster.eks;
        const k8sOpts = { parent: this, provider: args.cluster.provider };
        const snapshotVolumes = eks !== undefined && args.config.snapshotVolumes;

        if (args.includedNamespaces.length === 0) throw new Error(`VeleroBackup ${name}: includedNamespaces: needs at least one namespace`);
        this.namespace = ns;
        this.schedules = SCHEDULES.map((s) => s.name);
        if (!eks && (args.objectStore.endpoint === "" || args.config.bucket === "")) {
            // Only reachable while a stack declares EKS but the cluster layer provides no EKS info;
            // on-prem configs are rejected earlier without an endpoint and bucket.
            pulumi.log.warn("backup: no backup target (no EKS layer, no kubechat:objectStore.endpoint/backup.bucket): Velero is not installed", this);
            this.bucketName = "";
            this.registerOutputs({ namespace: this.namespace, bucketName: this.bucketName, schedules: this.schedules });
            return;
        }

        // The node agent mounts the kubelet's pod volumes through hostPath: only `privileged` admits it.
        // Without it `baseline`: Velero also starts pods itself (repository maintenance, data movers)
        // whose security context these values do not set.
        const namespace = addonNamespace(`${name}-ns`, veleroNamespace(ns, !snapshotVolumes), k8sOpts);
        const inNs = { ...k8sOpts, dependsOn: [namespace.resource] };

        let storage: VeleroStorage;
        const storageReady: pulumi.Resource[] = [];
        if (eks) {
            const { bucketName, roleArn, ready } = irsaBucket(name, {
                eks,
                bucket: {
                    bucketName: args.config.bucket || defaultBucketName(eks.clusterName, "velero", eks.accountId, eks.region),
                    expirationDays: veleroBucketExpirationDays(),
                    noncurrentDays: VELERO_NONCURRENT_DAYS,
                    protect: args.persistent,
                },
                namespace: ns,
                serviceAccount: VELERO_SERVICE_ACCOUNT,
                policy: veleroIamPolicy,
            }, this);
            storage = { bucket: bucketName, region: eks.region, roleArn };
            storageReady.push(...ready);
        } else {
            const store = args.objectStore;
            storage = { bucket: args.config.bucket, region: store.region, endpoint: store.endpoint, forcePathStyle: store.forcePathStyle };
            const creds = args.objectStoreCredentials;
            if (creds) {
                storageReady.push(new k8s.core.v1.Secret(`${name}-credentials`, {
                    metadata: { name: VELERO_CREDENTIALS_SECRET, namespace: ns, labels: recommendedLabels("velero", "backup") },
                    type: "Opaque",
                    stringData: { cloud: veleroCredentialsFile(creds.accessKeyId, creds.secretAccessKey) },
                }, inNs));
                storage.existingSecret = VELERO_CREDENTIALS_SECRET;
            } else {
                // The configured Secret (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) must exist in this namespace.
                storage.envSecret = store.credentialsSecret;
            }
        }

        chartAddon(`${name}-release`, {
            release: VELERO_RELEASE,
            namespace,
            chart: "velero", catalog: args.catalog,
            values: veleroValues({
                images: { velero: args.catalog.image("velero"), awsPlugin: args.catalog.image("velero-plugin-for-aws") },
                storage, includedNamespaces: args.includedNamespaces, snapshotVolumes,
            }),
        }, { ...k8sOpts, dependsOn: storageReady });

        this.bucketName = storage.bucket;
        this.registerOutputs({ namespace: this.namespace, bucketName: this.bucketName, schedules: this.schedules });
    }
}
