/** What the AWS layer knows of an EKS cluster: the identity (IRSA), key and provider AWS resources need. */
import * as pulumi from "@pulumi/pulumi";
import type * as aws from "./sdk";

/** What an EKS cluster adds for workloads that need AWS identities (IRSA) or AWS resources. */
export interface EksInfo {
    /** EKS cluster name (known at plan time: it is set explicitly). */
    clusterName: string;
    region: string;
    /** AWS account the stack deploys into (`kubechat:eks.accountId`, known at plan time). */
    accountId: string;
    /** IAM OIDC provider ARN, for IRSA trust policies. */
    oidcProviderArn: pulumi.Input<string>;
    /** OIDC issuer URL without https://, for IRSA trust policy conditions. */
    oidcProviderUrl: pulumi.Input<string>;
    /** Customer-managed KMS key for data at rest (S3 SSE-KMS, EBS). */
    kmsKeyArn: pulumi.Input<string>;
    /** Explicit AWS provider (region from config) for every AWS resource. */
    awsProvider: aws.Provider;
}
