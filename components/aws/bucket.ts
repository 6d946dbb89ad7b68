import * as pulumi from "@pulumi/pulumi";
import * as aws from "./sdk";
import { EksInfo } from "./types";
import { IrsaRole } from "./irsa";
import { partitionOf, s3BucketArn } from "./partition";

/** Arguments of {@link SecureBucket}. */
export interface SecureBucketArgs {
    /** Globally unique bucket name (explicit, known at plan time). Required; 3-63 lowercase letters, digits, dots, hyphens. */
    bucketName: string;
    /** KMS key for SSE-KMS default encryption. Required. */
    kmsKeyArn: pulumi.Input<string>;
    /** ARN partition of the bucket's region (`partitionOf(region)`): aws, aws-us-gov, aws-cn. Required. */
    partition: string;
    /** Expire current objects after N days (0 = never). Required; integer >= 0. */
    expirationDays: number;
    /** Expire noncurrent versions after N days. Required; integer >= 1. */
    noncurrentDays: number;
    /** protect + retainOnDelete on the bucket (persistent stacks), so deleting the stack never deletes the data. */
    protect: boolean;
    /** Explicit AWS provider (from the EKS cluster layer) for every AWS resource. */
    awsProvider: aws.Provider;
}

/** S3 bucket names: 3-63 chars, lowercase letters, digits, dots and hyphens, starting/ending alphanumeric. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Validates the args; throws one error listing every `path: reason`. */
export function validateSecureBucketArgs(args: Pick<SecureBucketArgs, "bucketName" | "expirationDays" | "noncurrentDays">): void {
    const errors: string[] = [];
    if (!BUCKET_NAME.test(args.bucketName) || args.bucketName.includes("..")) {
        errors.push(`bucketName: "${args.bucketName}" is not a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)`);
    }
    if (!Number.isInteger(args.expirationDays) || args.expirationDays < 0) errors.push(`expirationDays: must be an integer >= 0`);
    if (!Number.isInteger(args.noncurrentDays) || args.noncurrentDays < 1) errors.push(`noncurrentDays: must be an integer >= 1`);
    if (errors.length) throw new Error(`SecureBucket ${args.bucketName}:\n  ${errors.join("\n  ")}`);
}

/**
 * Pure: the default name of a bucket the stack creates — `<cluster>-<purpose>-<account>-<region>`,
 * globally unique because an account holds one stack per cluster name and region (the cluster part
 * is shortened to keep the name within S3's 63 characters).
 */
export function defaultBucketName(clusterName: string, purpose: string, accountId: string, region: string): string {
    const suffix = `-${purpose}-${accountId}-${region}`;
    return `${clusterName.toLowerCase().slice(0, 63 - suffix.length).replace(/[-.]+$/, "")}${suffix}`;
}

/** `arn:<partition>:s3:::<name>` — pure, so IAM policies can be built at plan time. */
export function bucketArn(bucketName: string, partition: string): string {
    return s3BucketArn(partition, bucketName);
}

/** Bucket policy JSON denying every request not made over TLS, on the bucket and on its objects. */
export function tlsOnlyBucketPolicy(bucketName: string, partition: string): string {
    const arn = bucketArn(bucketName, partition);
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [arn, `${arn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        }],
    });
}

/** Lifecycle rules: expire current objects (optional), expire noncurrent versions, clean up aborted uploads. */
export function bucketLifecycleRules(expirationDays: number, noncurrentDays: number): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
    return [{
        id: "retention",
        status: "Enabled",
        // Empty filter = every object in the bucket.
        filter: {},
        ...(expirationDays > 0 ? { expiration: { days: expirationDays } } : {}),
        noncurrentVersionExpiration: { noncurrentDays },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
    }];
}

/**
 * A private, versioned, KMS-encrypted, TLS-only S3 bucket with a retention lifecycle. The companion
 * resources reference the bucket by its explicit name (known at plan time, so policy checks can pair
 * them) and depend on the bucket resource for ordering.
 */
export class SecureBucket extends pulumi.ComponentResource {
    readonly bucket: aws.s3.Bucket;
    readonly bucketName: string;
    /** `arn:<partition>:s3:::<bucketName>`, known at plan time. */
    readonly arn: string;

    constructor(name: string, args: SecureBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubechat:aws:SecureBucket", name, {}, opts);
        validateSecureBucketArgs(args);
        this.bucketName = args.bucketName;
        this.arn = bucketArn(args.bucketName, args.partition);

        const awsOpts = { parent: this, provider: args.awsProvider };
        // Backups and WAL must survive a stack deletion: protect blocks accidental deletes and
        // retainOnDelete keeps the bucket in AWS if protection is lifted and the stack destroyed.
        this.bucket = new aws.s3.Bucket(`${name}-bucket`, {
            bucket: args.bucketName,
            forceDestroy: false,
        }, { ...awsOpts, protect: args.protect, retainOnDelete: args.protect });

        const companion = { ...awsOpts, dependsOn: [this.bucket] };
        const bucket = args.bucketName;
        new aws.s3.BucketOwnershipControls(`${name}-ownership`, {
            bucket,
            rule: { objectOwnership: "BucketOwnerEnforced" },
        }, companion);
        new aws.s3.BucketPublicAccessBlock(`${name}-public-access`, {
            bucket,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        }, companion);
        new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-encryption`, {
            bucket,
            rules: [{
                applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn },
                // S3 Bucket Keys cut KMS request volume (WAL segments and backup chunks are many small objects).
                bucketKeyEnabled: true,
            }],
        }, companion);
        const versioning = new aws.s3.BucketVersioning(`${name}-versioning`, {
            bucket,
            versioningConfiguration: { status: "Enabled" },
        }, companion);
        new aws.s3.BucketPolicy(`${name}-tls-only`, {
            bucket,
            policy: tlsOnlyBucketPolicy(args.bucketName, args.partition),
        }, companion);
        // Noncurrent-version rules only apply to a versioned bucket: configure versioning first.
        new aws.s3.BucketLifecycleConfiguration(`${name}-lifecycle`, {
            bucket,
            rules: bucketLifecycleRules(args.expirationDays, args.noncurrentDays),
        }, { ...awsOpts, dependsOn: [this.bucket, versioning] });

        this.registerOutputs({ bucket: this.bucket, bucketName: this.bucketName, arn: this.arn });
    }
}

/** An on-prem S3-compatible object store (`kubechat:objectStore`). */
export interface ObjectStoreSettings {
    /** Endpoint URL ("" = none; on EKS, S3 itself is used). */
    endpoint: string;
    /** Region name the store expects. */
    region: string;
    /** Path-style bucket addressing. */
    forcePathStyle: boolean;
    /** Existing Secret with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, used when no keys are given. */
    credentialsSecret: string;
    /** Addresses (CIDRs) of the store when its endpoint is a host name outside the cluster. */
    cidrs: string[];
}

/** Object-store keys; always Pulumi secrets. */
export interface ObjectStoreCredentials {
    accessKeyId: pulumi.Output<string>;
    secretAccessKey: pulumi.Output<string>;
}

export interface IrsaBucketArgs {
    eks: EksInfo;
    /** Bucket settings (the KMS key and AWS provider come from `eks`). */
    bucket: Omit<SecureBucketArgs, "kmsKeyArn" | "awsProvider" | "partition">;
    /** Service account allowed to use the bucket. */
    namespace: string;
    serviceAccount: string;
    /** IAM policy JSON for that bucket and key, in the region's ARN partition. */
    policy: (bucketName: string, kmsKeyArn: string, partition: string) => string;
}

/**
 * A SecureBucket and the IRSA role (scoped by `policy`) of the one service account that uses it.
 * `ready` lists both components: whatever writes to the bucket depends on them, so it starts only
 * once the bucket (with its encryption, versioning and lifecycle) and the role's policy exist.
 */
export function irsaBucket(name: string, a: IrsaBucketArgs, parent: pulumi.Resource): { bucketName: string; roleArn: pulumi.Output<string>; ready: pulumi.Resource[] } {
    const partition = partitionOf(a.eks.region);
    const bucket = new SecureBucket(`${name}-bucket`, { ...a.bucket, kmsKeyArn: a.eks.kmsKeyArn, awsProvider: a.eks.awsProvider, partition }, { parent });
    const role = new IrsaRole(`${name}-irsa`, {
        eks: a.eks, namespace: a.namespace, serviceAccount: a.serviceAccount,
        policy: pulumi.output(a.eks.kmsKeyArn).apply((key) => a.policy(bucket.bucketName, key, partition)),
    }, { parent });
    return { bucketName: bucket.bucketName, roleArn: role.arn, ready: [bucket, role] };
}
