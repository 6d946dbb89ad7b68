/**
 * IAM roles for service accounts (IRSA): an IAM role that exactly one Kubernetes service account can
 * assume through the cluster's OIDC provider, with an inline least-privilege policy.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "./sdk";
import { EksInfo } from "./types";

/** Strip the scheme: IAM condition keys use the issuer host/path (`oidc.eks.<region>.amazonaws.com/id/<id>`). */
function issuerHost(oidcProviderUrl: string): string {
    return oidcProviderUrl.replace(/^https:\/\//, "");
}

/**
 * Pure: the IRSA trust policy JSON for one service account. Only `system:serviceaccount:<ns>:<sa>`
 * presenting a token for the STS audience may assume the role.
 */
export function irsaTrustPolicy(oidcProviderArn: string, oidcProviderUrl: string, namespace: string, serviceAccount: string): string {
    const host = issuerHost(oidcProviderUrl);
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{
            Effect: "Allow",
            Principal: { Federated: oidcProviderArn },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
                StringEquals: {
                    [`${host}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
                    [`${host}:aud`]: "sts.amazonaws.com",
                },
            },
        }],
    });
}

export interface IrsaRoleArgs {
    /** EKS info (OIDC provider, aws provider). */
    eks: EksInfo;
    /** Namespace of the service account that assumes the role (DNS-1123 label). */
    namespace: string;
    /** Name of the service account that assumes the role. */
    serviceAccount: string;
    /** IAM policy document JSON (inline, least privilege). */
    policy: pulumi.Input<string>;
}

/** An IAM role assumable only by one service account, with its inline policy. Type `kubechat:aws:IrsaRole`. */
export class IrsaRole extends pulumi.ComponentResource {
    public readonly role: aws.iam.Role;
    /** Role ARN, for the `eks.amazonaws.com/role-arn` service account annotation. */
    public readonly arn: pulumi.Output<string>;

    constructor(name: string, args: IrsaRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubechat:aws:IrsaRole", name, {}, opts);
        const childOpts = { parent: this, provider: args.eks.awsProvider };
        // The OIDC provider ARN/URL are unknown until the cluster exists: build the trust policy once they resolve.
        const trust = pulumi.all([args.eks.oidcProviderArn, args.eks.oidcProviderUrl])
            .apply(([arn, url]) => irsaTrustPolicy(arn, url, args.namespace, args.serviceAccount));
        this.role = new aws.iam.Role(`${name}-role`, {
            assumeRolePolicy: trust,
            description: `IRSA role for ${args.namespace}/${args.serviceAccount} on ${args.eks.clusterName}`,
        }, childOpts);
        new aws.iam.RolePolicy(`${name}-policy`, { role: this.role.name, policy: args.policy }, childOpts);
        this.arn = this.role.arn;
        this.registerOutputs({ arn: this.arn });
    }
}
