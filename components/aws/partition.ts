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
