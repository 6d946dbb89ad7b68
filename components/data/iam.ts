/** IAM for the WAL-G bucket. Pure. */
import { s3BucketArn } from "../aws/partition";

/** IAM policy for WAL-G and logical backups: that bucket only, and the key that encrypts it. */
export function walBucketIamPolicy(bucketName: string, kmsKeyArn: string, partition: string): string {
    const arn = s3BucketArn(partition, bucketName);
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            { Sid: "ListBucket", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: arn },
            { Sid: "Objects", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: `${arn}/*` },
            { Sid: "Kms", Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], Resource: kmsKeyArn },
        ],
    });
}
