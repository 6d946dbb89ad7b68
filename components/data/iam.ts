/** IAM for the WAL-G bucket. Pure. */
import { encryptedBucketIamPolicy } from "../aws/partition";

/** IAM policy for WAL-G and logical backups: that bucket only, and the key that encrypts it. */
export function walBucketIamPolicy(bucketName: string, kmsKeyArn: string, partition: string): string {
    return encryptedBucketIamPolicy(bucketName, kmsKeyArn, partition, ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]);
}
