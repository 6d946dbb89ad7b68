/**
 * AWS: the EKS control plane, S3 buckets, KMS keys and node launch templates. Type tokens are those of
 * @pulumi/aws v7 (the S3 bucket is aws:s3/bucket:Bucket; its encryption, versioning and public access
 * block are separate resources). Earlier V2 tokens are accepted too.
 */
import {
    KubechatResourcePolicy, KubechatStackPolicy, ResourceCheck, StackResource, asArray, isUnknown, kindOf, resourcePolicy, stackPolicy,
} from "./rule";

export const EKS_CLUSTER = "aws:eks/cluster:Cluster";
export const KMS_KEY = "aws:kms/key:Key";
export const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
export const S3_BUCKETS = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
export const S3_SSE = ["aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"];
export const S3_VERSIONING = ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"];
export const S3_PUBLIC_ACCESS_BLOCK = ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"];

const aws = (name: string, description: string, types: string[], fn: (props: any) => string[]): KubechatResourcePolicy => {
    const check: ResourceCheck = (type, props, ctx) => types.includes(type) ? fn(props ?? {}).map((m) => `${kindOf(type)} ${ctx.name}: ${m}`) : [];
    return resourcePolicy({ name, profile: "aws", description, enforcementLevel: "mandatory", check });
};

/** Checks that are judged only when the value is known. */
const known = (v: unknown, bad: boolean, message: string): string[] => (!isUnknown(v) && bad ? [message] : []);

export const eksPrivateEndpoint = aws("eks-private-endpoint",
    "EKS: endpointPrivateAccess true; the public endpoint off, or limited to a CIDR allow-list without 0.0.0.0/0.",
    [EKS_CLUSTER], (p) => {
        const vpc = p.vpcConfig ?? {};
        if (isUnknown(vpc)) return [];
        const cidrs = vpc.publicAccessCidrs;
        const open = asArray<string>(cidrs).length === 0 || asArray<string>(cidrs).includes("0.0.0.0/0");
        return [
            ...known(vpc.endpointPrivateAccess, vpc.endpointPrivateAccess !== true, "vpcConfig.endpointPrivateAccess must be true"),
            // AWS defaults: public access on, from 0.0.0.0/0.
            ...known(cidrs, vpc.endpointPublicAccess !== false && open && !isUnknown(vpc.endpointPublicAccess),
                "vpcConfig.endpointPublicAccess must be false, or vpcConfig.publicAccessCidrs must list CIDRs without 0.0.0.0/0"),
        ];
    });

export const eksSecretsEncryption = aws("eks-secrets-encryption",
    "EKS: envelope encryption of Secrets with KMS (encryptionConfig.resources contains \"secrets\").",
    [EKS_CLUSTER], (p) => {
        const cfg = p.encryptionConfig;
        if (isUnknown(cfg)) return [];
        const resources = (Array.isArray(cfg) ? cfg : [cfg]).flatMap((c: any) => asArray<string>(c?.resources));
        return resources.includes("secrets") ? [] : [`encryptionConfig.resources must include "secrets" (KMS envelope encryption)`];
    });

export const REQUIRED_LOG_TYPES = ["api", "audit", "authenticator"];
export const eksControlPlaneLogging = aws("eks-control-plane-logging",
    "EKS: enabledClusterLogTypes include api, audit and authenticator.",
    [EKS_CLUSTER], (p) => {
        if (isUnknown(p.enabledClusterLogTypes)) return [];
        const missing = REQUIRED_LOG_TYPES.filter((t) => !asArray(p.enabledClusterLogTypes).includes(t));
        return missing.length ? [`enabledClusterLogTypes must include ${missing.join(", ")}`] : [];
    });

export const kmsKeyRotation = aws("kms-key-rotation", "KMS keys have enableKeyRotation: true.",
    [KMS_KEY], (p) => known(p.enableKeyRotation, p.enableKeyRotation !== true, "enableKeyRotation must be true"));

export const launchTemplateEbsEncrypted = aws("launch-template-ebs-encrypted",
    "Launch templates declare their EBS volumes with encrypted: true.",
    [LAUNCH_TEMPLATE], (p) => {
        if (isUnknown(p.blockDeviceMappings)) return [];
        const ebs = asArray(p.blockDeviceMappings).filter((m) => m?.ebs);
        if (ebs.length === 0) return ["blockDeviceMappings must declare the root EBS volume with ebs.encrypted: \"true\""];
        return ebs.filter((m) => !isUnknown(m.ebs.encrypted) && m.ebs.encrypted !== true && m.ebs.encrypted !== "true")
            .map((m) => `blockDeviceMappings "${m.deviceName ?? "?"}" must set ebs.encrypted: "true"`);
    });

export const launchTemplateImdsv2 = aws("launch-template-imdsv2",
    "Launch templates require IMDSv2 (metadataOptions.httpTokens: required).",
    [LAUNCH_TEMPLATE], (p) => known(p.metadataOptions?.httpTokens, p.metadataOptions?.httpTokens !== "required",
        `metadataOptions.httpTokens must be "required" (IMDSv2)`));

// ---- S3: a bucket and its separate configuration resources ------------------------------------

/**
 * Names a bucket is known by: its `bucket` input (when known) and its logical name. A companion
 * resource matches when its `bucket` input equals one of them; a companion whose `bucket` is unknown
 * until apply matches nothing (give buckets explicit names so the pack can pair them).
 */
function bucketNames(b: StackResource): string[] {
    const n = b.props?.bucket;
    return typeof n === "string" && !isUnknown(n) ? [n, b.name] : [b.name];
}
function companionsOf(resources: StackResource[], bucket: StackResource, types: string[]): any[] {
    const names = bucketNames(bucket);
    return resources.filter((r) => types.includes(r.type) && typeof r.props?.bucket === "string"
        && !isUnknown(r.props.bucket) && names.includes(r.props.bucket)).map((r) => r.props);
}

const s3 = (name: string, description: string, ok: (bucket: any, companions: (types: string[]) => any[]) => boolean, requirement: string): KubechatStackPolicy =>
    stackPolicy({
        name, profile: "aws", description, enforcementLevel: "mandatory",
        checkStack: (resources) => resources
            .filter((r) => S3_BUCKETS.includes(r.type))
            .filter((b) => !ok(b.props ?? {}, (types) => companionsOf(resources, b, types)))
            .map((b) => ({ resource: b, message: `Bucket ${b.name}: ${requirement}` })),
    });

export const s3Encryption = s3("s3-encryption",
    "S3 buckets have default server-side encryption (a BucketServerSideEncryptionConfiguration with an sseAlgorithm).",
    (b, companions) => !!b.serverSideEncryptionConfiguration?.rule?.applyServerSideEncryptionByDefault?.sseAlgorithm
        || companions(S3_SSE).some((c) => asArray(c.rules).some((r) => !!r?.applyServerSideEncryptionByDefault?.sseAlgorithm)),
    "needs a BucketServerSideEncryptionConfiguration with rules[].applyServerSideEncryptionByDefault.sseAlgorithm");

export const s3Versioning = s3("s3-versioning",
    "S3 buckets have versioning Enabled (a BucketVersioning with versioningConfiguration.status Enabled).",
    (b, companions) => b.versioning?.enabled === true
        || companions(S3_VERSIONING).some((c) => c.versioningConfiguration?.status === "Enabled"),
    "needs a BucketVersioning with versioningConfiguration.status: Enabled");

const PAB_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];
export const s3PublicAccessBlock = s3("s3-public-access-block",
    "S3 buckets have a BucketPublicAccessBlock with all four flags true.",
    (_b, companions) => companions(S3_PUBLIC_ACCESS_BLOCK).some((c) => PAB_FLAGS.every((f) => c[f] === true)),
    `needs a BucketPublicAccessBlock with ${PAB_FLAGS.join(", ")} all true`);

export const awsPolicies = [
    eksPrivateEndpoint, eksSecretsEncryption, eksControlPlaneLogging, kmsKeyRotation,
    launchTemplateEbsEncrypted, launchTemplateImdsv2, s3Encryption, s3Versioning, s3PublicAccessBlock,
];
