/**
 * EKS managed node groups: one launch template (IMDSv2, encrypted gp3 root volume) and one node group
 * per configured group, spread over every private subnet, plus the ASG tags cluster-autoscaler needs
 * for auto-discovery and for scaling tainted/labelled groups up from zero.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "../aws/sdk";

/** One managed node group (`kubechat:eks.nodeGroups.<name>`). */
export interface NodeGroupConfig {
    /** EC2 instance types (at least one). */
    instanceTypes: string[];
    /** Minimum size (may be 0: scale from zero). */
    minSize: number;
    /** Maximum size. */
    maxSize: number;
    /** Initial desired size, within [minSize, maxSize]; ignored after creation (the autoscaler owns it). */
    desiredSize: number;
    /** Encrypted gp3 root volume size in GiB. */
    diskSizeGiB: number;
    /** Taints as `key=value:Effect`. */
    taints: string[];
    /** Node labels as `key=value`. */
    labels: string[];
}

export type TaintEffect = "NoSchedule" | "PreferNoSchedule" | "NoExecute";

export interface Taint {
    key: string;
    value: string;
    effect: TaintEffect;
}

/** The EKS API spells taint effects in upper snake case. */
const EKS_EFFECT: Record<TaintEffect, string> = { NoSchedule: "NO_SCHEDULE", PreferNoSchedule: "PREFER_NO_SCHEDULE", NoExecute: "NO_EXECUTE" };

/** Pure: `key=value:Effect` (the config form, validated by the schema) as a taint. */
export function parseTaint(s: string): Taint {
    const m = /^([^=:\s]+)=([^=:\s]*):(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(s);
    if (!m) throw new Error(`invalid taint "${s}": expected key=value:NoSchedule|PreferNoSchedule|NoExecute`);
    return { key: m[1], value: m[2], effect: m[3] as TaintEffect };
}

/** Pure: `key=value` labels as a map. */
export function parseLabels(labels: string[]): Record<string, string> {
    return Object.fromEntries(labels.map((l) => {
        const i = l.indexOf("=");
        if (i <= 0) throw new Error(`invalid label "${l}": expected key=value`);
        return [l.slice(0, i), l.slice(i + 1)];
    }));
}

/** Pure: tags on the node group resource itself (EKS does not copy them to the ASG). */
export function nodeGroupTags(clusterName: string, group: string): Record<string, string> {
    return { "Name": `${clusterName}-${group}`, "kubechat.io/node-group": group };
}

/**
 * Pure: the tags cluster-autoscaler reads from a group's ASG: the auto-discovery pair (the
 * `<cluster>: owned` tag is also what its IAM policy's scaling condition checks), and node-template
 * tags describing the taints and labels of nodes not yet started, so it can scale up from zero.
 */
export function asgTags(clusterName: string, group: Pick<NodeGroupConfig, "taints" | "labels">): Record<string, string> {
    const tags: Record<string, string> = {
        "k8s.io/cluster-autoscaler/enabled": "true",
        [`k8s.io/cluster-autoscaler/${clusterName}`]: "owned",
    };
    for (const t of group.taints.map(parseTaint)) tags[`k8s.io/cluster-autoscaler/node-template/taint/${t.key}`] = `${t.value}:${t.effect}`;
    for (const [k, v] of Object.entries(parseLabels(group.labels))) tags[`k8s.io/cluster-autoscaler/node-template/label/${k}`] = v;
    return tags;
}

/** Pure: the node group's scaling, labels and taints in EKS API form. */
export function nodeGroupSpec(group: NodeGroupConfig) {
    return {
        scalingConfig: { minSize: group.minSize, maxSize: group.maxSize, desiredSize: group.desiredSize },
        labels: parseLabels(group.labels),
        taints: group.taints.map(parseTaint).map((t) => ({ key: t.key, value: t.value, effect: EKS_EFFECT[t.effect] })),
    };
}

/** Root device of the EKS-optimized Amazon Linux 2023 AMIs. */
export const ROOT_DEVICE = "/dev/xvda";
/** EKS-optimized AMI family: Amazon Linux 2 images end with Kubernetes 1.32. */
export const AMI_TYPE = "AL2023_x86_64_STANDARD";

export interface NodeGroupsArgs {
    /** EKS cluster name (the node groups' cluster; known at plan time). */
    clusterName: pulumi.Input<string>;
    /** Plain cluster name for the ASG tag keys (the same value as `clusterName`). */
    clusterTagName: string;
    /** Kubernetes version: node groups follow the cluster's. */
    version: pulumi.Input<string>;
    /** Node IAM role ARN. */
    nodeRoleArn: pulumi.Input<string>;
    /** Private subnets; every group spans all of them. */
    subnetIds: pulumi.Input<string>[];
    /** KMS key ARN encrypting the root volumes. */
    kmsKeyArn: pulumi.Input<string>;
    /** Groups by name (from `kubechat:eks.nodeGroups`). */
    groups: Record<string, NodeGroupConfig>;
    /** Explicit AWS provider for every resource. */
    awsProvider: aws.Provider;
}

/** Managed node groups with their launch templates and ASG tags. Type `kubechat:cluster:NodeGroups`. */
export class NodeGroups extends pulumi.ComponentResource {
    public readonly nodeGroups: aws.eks.NodeGroup[] = [];

    constructor(name: string, args: NodeGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubechat:cluster:NodeGroups", name, {}, opts);
        const o = { parent: this, provider: args.awsProvider };
        for (const [group, cfg] of Object.entries(args.groups)) {
            const spec = nodeGroupSpec(cfg);
            // No AMI or user data here: EKS supplies the optimized AMI and bootstrap for the cluster version.
            const lt = new aws.ec2.LaunchTemplate(`${name}-${group}`, {
                description: `Nodes of ${args.clusterTagName}/${group}`,
                metadataOptions: {
                    httpEndpoint: "enabled",
                    httpTokens: "required",
                    // 2 hops so containers on the host network (e.g. the VPC CNI) still reach IMDSv2.
                    httpPutResponseHopLimit: 2,
                },
                blockDeviceMappings: [{
                    deviceName: ROOT_DEVICE,
                    ebs: { volumeType: "gp3", volumeSize: cfg.diskSizeGiB, encrypted: "true", kmsKeyId: args.kmsKeyArn, deleteOnTermination: "true" },
                }],
                tagSpecifications: [{ resourceType: "instance", tags: nodeGroupTags(args.clusterTagName, group) }],
                tags: nodeGroupTags(args.clusterTagName, group),
            }, o);
            const ng = new aws.eks.NodeGroup(`${name}-${group}`, {
                clusterName: args.clusterName,
                version: args.version,
                nodeRoleArn: args.nodeRoleArn,
                subnetIds: args.subnetIds,
                amiType: AMI_TYPE,
                instanceTypes: cfg.instanceTypes,
                scalingConfig: spec.scalingConfig,
                labels: spec.labels,
                taints: spec.taints,
                updateConfig: { maxUnavailable: 1 },
                launchTemplate: { id: lt.id, version: lt.latestVersion.apply((v) => String(v)) },
                tags: nodeGroupTags(args.clusterTagName, group),
            }, { ...o, ignoreChanges: ["scalingConfig.desiredSize"] }); // cluster-autoscaler owns desiredSize after creation.
            this.nodeGroups.push(ng);

            const asgName = ng.resources.apply((r) => r[0].autoscalingGroups[0].name);
            for (const [key, value] of Object.entries(asgTags(args.clusterTagName, cfg))) {
                new aws.autoscaling.Tag(`${name}-${group}-${key}`, {
                    autoscalingGroupName: asgName,
                    // Only the ASG needs them: instances must not carry the autoscaler's tags.
                    tag: { key, value, propagateAtLaunch: false },
                }, o);
            }
        }
        this.registerOutputs({ nodeGroups: this.nodeGroups.map((n) => n.arn) });
    }
}
