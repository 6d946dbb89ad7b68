/**
 * EksCluster: the cluster layer on AWS, built from @pulumi/aws resources directly so every part shows
 * in the plan — VPC, KMS-encrypted EKS control plane with private endpoint and API access entries,
 * IRSA OIDC provider, managed add-ons, node groups, cluster-autoscaler and the default gp3 StorageClass.
 * Workload components only see the `ClusterLayer` it implements, exactly as on-prem.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "../aws/sdk";
import * as k8s from "@pulumi/kubernetes";
import { Catalog, EksAddon, eksAddons } from "../catalog";
import { partitionOf } from "../aws/partition";
import { IrsaRole } from "../aws/irsa";
import { ClusterLayer, EksInfo } from "./types";
import { Vpc } from "./vpc";
import { NodeGroupConfig, NodeGroups, nodeGroupSpec } from "./nodegroups";
import { ClusterAutoscaler } from "./autoscaler";
import { MetricsServer } from "./metrics-server";
import { VpaChart, VpaChartArgs } from "./vpa";
import { recommendedLabels } from "../labels";

/** The EKS cluster's settings (`kubechat:eks`, validated there). */
export interface EksSettings {
    /** Cluster name (also in subnet, ASG and IAM condition tags). */
    clusterName: string;
    /** AWS region. */
    region: string;
    /** AWS account the stack deploys into: the AWS provider refuses any other. */
    accountId: string;
    /** Kubernetes version (node groups and the pinned add-on versions follow it). */
    version: string;
    /** VPC CIDR, split into a public and a private subnet per AZ. */
    vpcCidr: string;
    /** Availability zones (one public and one private subnet each). */
    availabilityZones: string[];
    /** One NAT gateway for all AZs (cheaper, not zone-redundant). */
    singleNatGateway: boolean;
    /** ECR and STS interface endpoints, so private nodes pull without NAT. */
    interfaceEndpoints: boolean;
    /** CIDRs allowed to the public API endpoint (empty = private endpoint only). */
    publicAccessCidrs: string[];
    /** Networks allowed to the private API endpoint on 443. */
    privateAccessCidrs: string[];
    /** IAM roles granted cluster admin through access entries. */
    adminRoleArns: string[];
    /** Managed node groups by name. */
    nodeGroups: Record<string, NodeGroupConfig>;
}

export const CLUSTER_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];
/** Managed policies of the node role (kubelet, VPC CNI, image pulls, SSM access instead of SSH). */
export const NODE_POLICIES = ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly", "AmazonSSMManagedInstanceCore"];
export const EBS_CSI_SERVICE_ACCOUNT = "ebs-csi-controller-sa";
/** Days the control-plane log group keeps logs (EKS would otherwise create it with no expiry). */
export const CLUSTER_LOG_RETENTION_DAYS = 90;
/**
 * SHA-1 of the root CA behind every EKS OIDC issuer. IAM verifies EKS issuers against its own trusted
 * CAs and ignores the value, but older IAM API paths still require one.
 */
export const EKS_OIDC_THUMBPRINT = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280";

export { partitionOf } from "../aws/partition";

/** Pure: one ingress rule per network allowed to the private API endpoint, with a stable id from its CIDR. */
export function privateAccessRules(cidrs: string[]): { id: string; cidr: string }[] {
    return [...new Set(cidrs)].map((cidr) => ({ id: cidr.replace(/[./]/g, "-"), cidr }));
}

/** Pure: an AWS managed IAM policy ARN. */
export const managedPolicyArn = (partition: string, policy: string): string => `arn:${partition}:iam::aws:policy/${policy}`;

/** Pure: trust policy letting an AWS service assume a role. */
export function serviceTrustPolicy(service: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
    });
}

/**
 * Pure: key policy of the cluster's KMS key. The account keeps full control through IAM (so IRSA roles
 * of other components can be granted use), and the Auto Scaling service-linked role may use the key:
 * managed node groups launch encrypted root volumes through it, and a service-linked role cannot be
 * given KMS rights by IAM. Matching it by `aws:PrincipalArn` keeps the policy valid even before that
 * role first exists in the account.
 */
export function kmsKeyPolicy(partition: string, accountId: string): string {
    const autoscalingRole = `arn:${partition}:iam::${accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
    const fromAutoscaling = { StringEquals: { "aws:PrincipalArn": autoscalingRole, "kms:CallerAccount": accountId } };
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            { Sid: "AccountAdministration", Effect: "Allow", Principal: { AWS: `arn:${partition}:iam::${accountId}:root` }, Action: "kms:*", Resource: "*" },
            {
                Sid: "AutoScalingVolumes", Effect: "Allow", Principal: { AWS: "*" },
                Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], Resource: "*",
                Condition: fromAutoscaling,
            },
            {
                Sid: "AutoScalingGrants", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:CreateGrant", Resource: "*",
                Condition: { ...fromAutoscaling, Bool: { "kms:GrantIsForAWSResource": "true" } },
            },
        ],
    });
}

/** Pure: what the EBS CSI driver needs on the cluster key to create and attach encrypted volumes. */
export function ebsCsiKmsPolicy(kmsKeyArn: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "VolumeGrants", Effect: "Allow", Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], Resource: kmsKeyArn,
                Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
            },
            {
                Sid: "VolumeEncryption", Effect: "Allow",
                Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], Resource: kmsKeyArn,
            },
        ],
    });
}

/** Pure: the cluster's VPC endpoint access — private always, public only for an explicit allowlist. */
export function endpointAccess(publicAccessCidrs: string[]) {
    return publicAccessCidrs.length > 0
        ? { endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs }
        : { endpointPrivateAccess: true, endpointPublicAccess: false };
}

/** Pure: a kubeconfig (JSON) authenticating through `aws eks get-token` — no long-lived credentials. */
export function kubeconfig(clusterName: string, region: string, endpoint: string, caData: string): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: clusterName, cluster: { "server": endpoint, "certificate-authority-data": caData } }],
        contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
        "current-context": clusterName,
        users: [{
            name: clusterName,
            user: {
                exec: {
                    apiVersion: "client.authentication.k8s.io/v1beta1",
                    command: "aws",
                    args: ["eks", "get-token", "--cluster-name", clusterName, "--region", region],
                    interactiveMode: "Never",
                },
            },
        }],
    });
}

/** Pure: the default StorageClass — encrypted gp3 with the cluster key, bound where the pod lands. */
export function storageClassSpec(name: string, kmsKeyArn: pulumi.Input<string>, persistent: boolean) {
    return {
        metadata: { name, labels: recommendedLabels(name, "storage"), annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
        provisioner: "ebs.csi.aws.com",
        parameters: { "type": "gp3", "encrypted": "true", "kmsKeyId": kmsKeyArn, "csi.storage.k8s.io/fstype": "ext4" },
        // An EBS volume lives in one AZ: create it in the zone the scheduler picked for the pod.
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
        // Persistent stacks keep the volume when its claim goes: deleting or replacing a claim must not take the data.
        reclaimPolicy: persistent ? "Retain" : "Delete",
    };
}

/** Validate: every problem of the args, as `eks.<key>: reason` (the config loader already checks the config-level rules). */
export function validateEksArgs(args: Pick<EksClusterArgs, "eks">): string[] {
    const problems: string[] = [];
    if (Object.keys(args.eks.nodeGroups).length === 0) problems.push("eks.nodeGroups: at least one node group is required");
    for (const [name, g] of Object.entries(args.eks.nodeGroups)) {
        try {
            nodeGroupSpec(g);
        } catch (e) {
            problems.push(`eks.nodeGroups.${name}: ${(e as Error).message}`);
        }
    }
    return problems;
}

export interface EksClusterArgs {
    /** Region, version, network, access and node groups. */
    eks: EksSettings;
    /** Persistent stack: protect the cluster and its KMS key, retain volumes. Default false. */
    persistent: boolean;
    /** StorageClass name to create as the default (empty = "gp3"). */
    storageClass: string;
    /** Service type for the ingress gateway. Default LoadBalancer. */
    ingressServiceType: ClusterLayer["ingressServiceType"];
    /** Chart and image source for the cluster-wide add-ons (cluster-autoscaler, metrics-server, VPA). */
    catalog: Catalog;
    /** The VPA chart's namespace and, if it moved, where it was before. */
    vpa: Pick<VpaChartArgs, "namespace" | "formerly">;
}

/** The EKS cluster layer. Type `kubechat:cluster:EksCluster`. */
export class EksCluster extends pulumi.ComponentResource implements ClusterLayer {
    public readonly kind = "eks" as const;
    public readonly provider: k8s.Provider;
    public readonly controlPlaneProvider: k8s.Provider;
    public readonly storageClass: string;
    public readonly ingressServiceType: ClusterLayer["ingressServiceType"];
    public readonly zones: number;
    /** The private API endpoint's network interfaces live in the cluster's subnets: the VPC range. */
    public readonly apiServerCidrs: string[];
    public readonly eks: EksInfo;
    public readonly storageReady: pulumi.Resource[];
    public readonly vpaReady: pulumi.Resource[];
    /** Kubeconfig for the cluster (secret). */
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly clusterName: pulumi.Output<string>;
    public readonly oidcProviderArn: pulumi.Output<string>;

    constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubechat:cluster:EksCluster", name, {}, opts);
        const problems = validateEksArgs(args);
        if (problems.length > 0) throw new Error(`EksCluster ${name}:\n  ${problems.join("\n  ")}`);
        const s = args.eks;
        const partition = partitionOf(s.region);
        this.storageClass = args.storageClass || "gp3";
        this.ingressServiceType = args.ingressServiceType;
        this.zones = s.availabilityZones.length;
        this.apiServerCidrs = [s.vpcCidr];

        const awsProvider = new aws.Provider(`${name}-aws`, {
            region: s.region,
            // Credentials for another account fail before anything is created.
            allowedAccountIds: [s.accountId],
            defaultTags: { tags: { "kubechat.io/cluster": s.clusterName } },
        }, { parent: this });
        const o = { parent: this, provider: awsProvider };

        const vpc = new Vpc(`${name}-vpc`, {
            clusterName: s.clusterName, region: s.region, cidr: s.vpcCidr, availabilityZones: s.availabilityZones,
            singleNatGateway: s.singleNatGateway, interfaceEndpoints: s.interfaceEndpoints, awsProvider,
        }, { parent: this });

        const clusterRole = new aws.iam.Role(`${name}-cluster-role`, { assumeRolePolicy: serviceTrustPolicy("eks.amazonaws.com") }, o);
        const clusterPolicy = new aws.iam.RolePolicyAttachment(`${name}-cluster-policy`, {
            role: clusterRole.name, policyArn: managedPolicyArn(partition, "AmazonEKSClusterPolicy"),
        }, o);

        // The account id comes from an ARN the Pulumi engine returns: no data-source call is needed.
        const accountId = clusterRole.arn.apply((arn) => arn.split(":")[4]);
        const key = new aws.kms.Key(`${name}-key`, {
            description: `${s.clusterName}: EKS secrets, node volumes and workload data at rest`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            policy: accountId.apply((id) => kmsKeyPolicy(partition, id)),
        }, { ...o, protect: args.persistent });
        new aws.kms.Alias(`${name}-key`, { name: `alias/${s.clusterName}`, targetKeyId: key.keyId }, o);

        // Created before the cluster so EKS writes into it with our retention instead of creating one that never expires.
        const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, {
            name: `/aws/eks/${s.clusterName}/cluster`, retentionInDays: CLUSTER_LOG_RETENTION_DAYS,
        }, o);

        const cluster = new aws.eks.Cluster(`${name}-eks`, {
            name: s.clusterName,
            version: s.version,
            roleArn: clusterRole.arn,
            vpcConfig: { subnetIds: vpc.privateSubnetIds, ...endpointAccess(s.publicAccessCidrs) },
            encryptionConfig: { provider: { keyArn: key.arn }, resources: ["secrets"] },
            enabledClusterLogTypes: CLUSTER_LOG_TYPES,
            // Access entries only (no aws-auth ConfigMap); the identity running Pulumi stays admin so it can deploy workloads.
            accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
        }, { ...o, protect: args.persistent, dependsOn: [clusterPolicy, logGroup] }); // EKS needs its role's policy and the log group first.

        for (const principalArn of s.adminRoleArns) {
            const role = principalArn.split("/").pop();
            const entry = new aws.eks.AccessEntry(`${name}-admin-${role}`, { clusterName: cluster.name, principalArn, type: "STANDARD" }, o);
            new aws.eks.AccessPolicyAssociation(`${name}-admin-${role}`, {
                clusterName: cluster.name,
                principalArn: entry.principalArn,
                policyArn: `arn:${partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`,
                accessScope: { type: "cluster" },
            }, o);
        }

        const issuer = cluster.identities.apply((ids) => ids[0].oidcs[0].issuer);
        const oidc = new aws.iam.OpenIdConnectProvider(`${name}-oidc`, {
            url: issuer, clientIdLists: ["sts.amazonaws.com"], thumbprintLists: [EKS_OIDC_THUMBPRINT],
        }, o);
        this.eks = {
            clusterName: s.clusterName,
            region: s.region,
            accountId: s.accountId,
            oidcProviderArn: oidc.arn,
            oidcProviderUrl: issuer.apply((u) => u.replace(/^https:\/\//, "")),
            kmsKeyArn: key.arn,
            awsProvider,
        };

        const nodeRole = new aws.iam.Role(`${name}-node-role`, { assumeRolePolicy: serviceTrustPolicy("ec2.amazonaws.com") }, o);
        const nodePolicies = NODE_POLICIES.map((p) => new aws.iam.RolePolicyAttachment(`${name}-node-${p}`, {
            role: nodeRole.name, policyArn: managedPolicyArn(partition, p),
        }, o));
        // Nodes cannot join before their role may run the CNI and pull images: the ARN is handed on only once the policies are attached.
        const nodeRoleArn = pulumi.all([nodeRole.arn, ...nodePolicies.map((p) => p.id)]).apply(([arn]) => arn);
        const nodes = new NodeGroups(`${name}-nodes`, {
            clusterName: cluster.name, clusterTagName: s.clusterName, version: cluster.version, nodeRoleArn,
            subnetIds: vpc.privateSubnetIds, kmsKeyArn: key.arn, groups: s.nodeGroups, awsProvider,
        }, { parent: this });

        // Add-on versions follow the cluster's Kubernetes minor (kube-proxy must match it).
        const addonVersions = eksAddons(s.version);
        const addon = (addonName: EksAddon, extra: Partial<aws.eks.AddonArgs> = {}, dependsOn: pulumi.Resource[] = []) =>
            new aws.eks.Addon(`${name}-${addonName}`, {
                clusterName: cluster.name, addonName, addonVersion: addonVersions[addonName],
                // EKS bootstraps self-managed copies of the networking add-ons: the managed ones take them over.
                resolveConflictsOnCreate: "OVERWRITE", resolveConflictsOnUpdate: "OVERWRITE", ...extra,
            }, { ...o, dependsOn });

        const ebsRole = new IrsaRole(`${name}-ebs-csi`, {
            eks: this.eks, namespace: "kube-system", serviceAccount: EBS_CSI_SERVICE_ACCOUNT, policy: key.arn.apply(ebsCsiKmsPolicy),
        }, { parent: this });
        new aws.iam.RolePolicyAttachment(`${name}-ebs-csi`, {
            role: ebsRole.role.name, policyArn: managedPolicyArn(partition, "service-role/AmazonEBSCSIDriverPolicy"),
        }, o);
        const networking = [addon("vpc-cni"), addon("kube-proxy")];
        // Their pods need nodes: created earlier, the add-on would sit degraded until the create times out.
        // EKS bootstraps CoreDNS itself, so nothing has to wait for the managed add-on to take it over.
        addon("coredns", {}, nodes.nodeGroups);
        const ebsCsi = addon("aws-ebs-csi-driver", { serviceAccountRoleArn: ebsRole.arn }, nodes.nodeGroups);

        this.clusterName = cluster.name;
        this.oidcProviderArn = oidc.arn;
        this.kubeconfig = pulumi.secret(pulumi.all([cluster.name, cluster.endpoint, cluster.certificateAuthority]).apply(
            ([n, endpoint, ca]) => kubeconfig(n, s.region, endpoint, ca.data ?? "")));
        // Everything in the cluster depends on the node groups and pod networking through this provider,
        // so `pulumi destroy` removes workloads (and their load balancers) before nodes, cluster and VPC.
        // The private endpoint answers only the cluster security group: let in the networks pulumi up
        // (the deploy runner) and operators work from, before anything talks to the API.
        const apiAccess = privateAccessRules(s.privateAccessCidrs).map((r) => new aws.vpc.SecurityGroupIngressRule(`${name}-api-from-${r.id}`, {
            securityGroupId: cluster.vpcConfig.clusterSecurityGroupId, cidrIpv4: r.cidr, ipProtocol: "tcp", fromPort: 443, toPort: 443,
            description: "Kubernetes API (private endpoint) from a network that deploys or operates the cluster",
        }, o));
        this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, enableServerSideApply: true },
            { parent: this, dependsOn: [...nodes.nodeGroups, ...networking, ...apiAccess] });
        // Namespaces and CRDs need only the API server: they install while the node groups come up.
        this.controlPlaneProvider = new k8s.Provider(`${name}-k8s-control-plane`, { kubeconfig: this.kubeconfig, enableServerSideApply: true },
            { parent: this, dependsOn: apiAccess });

        // Volumes bind only once the EBS CSI driver runs: stateful workloads wait for this class (and
        // are destroyed before the driver), the rest of the platform does not.
        const gp3 = new k8s.storage.v1.StorageClass(`${name}-gp3`, storageClassSpec(this.storageClass, key.arn, args.persistent),
            { parent: this, provider: this.provider, dependsOn: [ebsCsi] });
        this.storageReady = [gp3];
        new ClusterAutoscaler(`${name}-autoscaler`, { eks: this.eks, catalog: args.catalog, kubernetesVersion: s.version, k8sProvider: this.provider }, { parent: this });
        new MetricsServer(`${name}-metrics-server`, { catalog: args.catalog, k8sProvider: this.provider }, { parent: this });
        const vpa = new VpaChart(`${name}-vpa`, { ...args.vpa, catalog: args.catalog, provider: this.provider }, { parent: this });
        this.vpaReady = [vpa.release];

        this.registerOutputs({
            kubeconfig: this.kubeconfig, clusterName: this.clusterName, oidcProviderArn: this.oidcProviderArn,
            storageClass: this.storageClass, zones: this.zones,
        });
    }
}
