/**
 * cluster-autoscaler for EKS: the official chart from the catalog, auto-discovering the node groups'
 * ASGs by cluster name, running under an IRSA role whose policy may only scale ASGs owned by this cluster.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { Catalog, IMAGES, ResolvedImage, clusterAutoscalerTag } from "../catalog";
import { IrsaRole } from "../aws/irsa";
import { EksInfo } from "./types";
import { chartAddon, clusterNamespace } from "../release";

export const AUTOSCALER_NAMESPACE = "kube-system";
/**
 * The autoscaler's ServiceAccount. The chart names it after its fullname, which `fullnameOverride`
 * sets to this; the IRSA trust policy names it, and a rendered test checks the chart creates it.
 */
export const AUTOSCALER_SERVICE_ACCOUNT = "cluster-autoscaler";

/** Read-only calls auto-discovery and scale-up simulation need; they take no resource-level conditions. */
export const AUTOSCALER_DESCRIBE_ACTIONS = [
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeAutoScalingInstances",
    "autoscaling:DescribeLaunchConfigurations",
    "autoscaling:DescribeScalingActivities",
    "autoscaling:DescribeTags",
    "ec2:DescribeImages",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:GetInstanceTypesFromInstanceRequirements",
    "eks:DescribeNodegroup",
];

/** Calls that change capacity: only on ASGs tagged as owned by this cluster. */
export const AUTOSCALER_SCALE_ACTIONS = ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"];

/** Pure: the least-privilege IAM policy JSON for cluster-autoscaler on `clusterName`. */
export function autoscalerPolicy(clusterName: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            { Sid: "Describe", Effect: "Allow", Action: AUTOSCALER_DESCRIBE_ACTIONS, Resource: "*" },
            {
                Sid: "ScaleOwnedGroups",
                Effect: "Allow",
                Action: AUTOSCALER_SCALE_ACTIONS,
                Resource: "*",
                Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: "owned" } },
            },
        ],
    });
}

export interface AutoscalerValuesInput {
    /** EKS cluster name: auto-discovery finds the ASGs tagged for it. */
    clusterName: string;
    /** AWS region of the cluster. */
    region: string;
    /** IRSA role ARN for the service account annotation. */
    roleArn: pulumi.Input<string>;
    /** Catalog image (registry override already applied). */
    image: { name: string; tag: string };
}

/** Pure: chart values. Every image is set from the catalog so the air-gap registry override applies. */
export function autoscalerValues(input: AutoscalerValuesInput) {
    return {
        // Also the ServiceAccount's name (the chart's default for rbac.serviceAccount.name).
        fullnameOverride: AUTOSCALER_SERVICE_ACCOUNT,
        cloudProvider: "aws",
        awsRegion: input.region,
        autoDiscovery: { clusterName: input.clusterName },
        image: { repository: input.image.name, tag: input.image.tag },
        rbac: {
            create: true,
            serviceAccount: {
                create: true,
                annotations: { "eks.amazonaws.com/role-arn": input.roleArn },
            },
        },
        extraArgs: {
            // Keeps node groups of equal shape (one per AZ group) at similar sizes, so zone spread holds.
            "balance-similar-node-groups": true,
            // kube-system pods (CoreDNS, CSI controllers) are all replicated or DaemonSets: do not pin nodes.
            "skip-nodes-with-system-pods": false,
            "expander": "least-waste",
        },
        priorityClassName: "system-cluster-critical",
        securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
        containerSecurityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
        resources: { requests: { cpu: "100m", memory: "300Mi" }, limits: { cpu: "500m", memory: "600Mi" } },
    };
}

export interface ClusterAutoscalerArgs {
    /** EKS info: cluster name, region, OIDC provider and AWS provider. */
    eks: EksInfo;
    /** Chart and image source (pinned, air-gap aware). */
    catalog: Catalog;
    /** The cluster's Kubernetes minor (`eks.version`): the autoscaler's minor must match it (CLUSTER_AUTOSCALER_TAGS). */
    kubernetesVersion: string;
    /** Kubernetes provider of the cluster (waits for the node groups). */
    k8sProvider: k8s.Provider;
}

/** The catalog's cluster-autoscaler at the release of the cluster's Kubernetes minor. */
export function autoscalerImage(catalog: Catalog, kubernetesVersion: string): ResolvedImage {
    return catalog.resolve(IMAGES["cluster-autoscaler"].repository, clusterAutoscalerTag(kubernetesVersion));
}

/** cluster-autoscaler release and its IRSA role. Type `kubechat:cluster:ClusterAutoscaler`. */
export class ClusterAutoscaler extends pulumi.ComponentResource {
    public readonly roleArn: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: ClusterAutoscalerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubechat:cluster:ClusterAutoscaler", name, {}, opts);
        const role = new IrsaRole(`${name}-irsa`, {
            eks: args.eks, namespace: AUTOSCALER_NAMESPACE, serviceAccount: AUTOSCALER_SERVICE_ACCOUNT, policy: autoscalerPolicy(args.eks.clusterName),
        }, { parent: this });
        this.roleArn = role.arn;
        this.release = chartAddon(`${name}-release`, {
            release: "cluster-autoscaler",
            namespace: clusterNamespace(AUTOSCALER_NAMESPACE),
            chart: "cluster-autoscaler", catalog: args.catalog,
            values: autoscalerValues({
                clusterName: args.eks.clusterName, region: args.eks.region, roleArn: role.arn, image: autoscalerImage(args.catalog, args.kubernetesVersion),
            }),
        }, { parent: this, provider: args.k8sProvider });
        this.registerOutputs({ roleArn: this.roleArn });
    }
}
