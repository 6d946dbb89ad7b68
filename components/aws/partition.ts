/** ARN partitions: every ARN this program builds names the partition of the configured region. */

/** Pure: the ARN partition of a region (aws, aws-us-gov, aws-cn). */
export function partitionOf(region: string): string {
    if (region.startsWith("us-gov-")) return "aws-us-gov";
    if (region.startsWith("cn-")) return "aws-cn";
    return "aws";
}

/** Pure: the ARN of an S3 bucket (`arn:<partition>:s3:::<name>`). */
export function s3BucketArn(partition: string, bucketName: string): string {
    return `arn:${partition}:s3:::${bucketName}`;
}

/**
 * Pure: the IAM policy of a KMS-encrypted bucket's one user — list that bucket, `objectActions` on its
 * objects, and the key that encrypts it.
 */
export function encryptedBucketIamPolicy(bucketName: string, kmsKeyArn: string, partition: string, objectActions: string[]): string {
    const arn = s3BucketArn(partition, bucketName);
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            { Sid: "ListBucket", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: arn },
            { Sid: "Objects", Effect: "Allow", Action: objectActions, Resource: `${arn}/*` },
            { Sid: "Kms", Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], Resource: kmsKeyArn },
        ],
    });
}
