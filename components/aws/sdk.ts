/**
 * The @pulumi/aws services the platform uses, imported one by one. The package's root module loads
 * every one of its ~250 service modules at start-up (about 0.15 s, a quarter of loading the SDKs),
 * and the program needs nine. The resources, their type tokens and inputs are the package's own;
 * components import this module as `aws` and read exactly as with the root module.
 */
export * as autoscaling from "@pulumi/aws/autoscaling";
export * as cloudwatch from "@pulumi/aws/cloudwatch";
export * as ec2 from "@pulumi/aws/ec2";
export * as eks from "@pulumi/aws/eks";
export * as iam from "@pulumi/aws/iam";
export * as kms from "@pulumi/aws/kms";
export * as s3 from "@pulumi/aws/s3";
export * as vpc from "@pulumi/aws/vpc";
export { Provider } from "@pulumi/aws/provider";
export type * as types from "@pulumi/aws/types";
