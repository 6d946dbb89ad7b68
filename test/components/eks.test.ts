import * as assert from "assert";
import * as YAML from "yaml";
import * as fs from "fs";
import * as path from "path";
import { Plan, PlanResource, planStack, release, resources, schemaCheck } from "../harness";
import { ROOT } from "../../planner/root";
import { CHARTS, eksAddons } from "../../components/catalog";
import { AUTOSCALER_DESCRIBE_ACTIONS } from "../../components/cluster/autoscaler";

const T = {
    provider: "pulumi:providers:aws",
    vpc: "aws:ec2/vpc:Vpc",
    subnet: "aws:ec2/subnet:Subnet",
    nat: "aws:ec2/natGateway:NatGateway",
    eip: "aws:ec2/eip:Eip",
    endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
    cluster: "aws:eks/cluster:Cluster",
    key: "aws:kms/key:Key",
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
    lt: "aws:ec2/launchTemplate:LaunchTemplate",
    asgTag: "aws:autoscaling/tag:Tag",
    addon: "aws:eks/addon:Addon",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
};

const one = (plan: Plan, type: string, nameIncludes?: string): PlanResource => {
    const found = resources(plan, type, nameIncludes);
    assert.strictEqual(found.length, 1, `expected one ${type} ${nameIncludes ?? ""}, found ${found.length}`);
    return found[0];
};
const short = (urn: string) => urn.split("::").pop();
const prodEks = () => YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")).config["kubechat:eks"];

describe("EksCluster (prod plan)", function () {
    this.timeout(120000);
    let plan: Plan;
    before(async () => {
        plan = await planStack("prod");
    });

    it("uses one explicit AWS provider (region from config) for every AWS resource", () => {
        const p = one(plan, T.provider);
        assert.strictEqual(p.inputs.region, "us-east-1");
        const aws = plan.resources.filter((r) => r.type.startsWith("aws:"));
        assert.ok(aws.length > 40);
        for (const r of aws) assert.strictEqual(r.provider, p.urn, `${r.name} uses ${r.provider}`);
    });

    it("VPC with DNS, one public and one private subnet per AZ, ELB role and cluster tags", () => {
        const vpc = one(plan, T.vpc);
        assert.deepStrictEqual([vpc.inputs.cidrBlock, vpc.inputs.enableDnsSupport, vpc.inputs.enableDnsHostnames], ["10.0.0.0/16", true, true]);
        const subnets = resources(plan, T.subnet);
        const byRole = (role: string) => subnets.filter((s) => s.name.includes(`-${role}-`)).map((s) => [s.inputs.availabilityZone, s.inputs.cidrBlock, s.inputs.tags]);
        const tags = (role: string, az: string) => ({
            "Name": `kubechat-prod-${role}-${az}`, [role === "public" ? "kubernetes.io/role/elb" : "kubernetes.io/role/internal-elb"]: "1",
            "kubernetes.io/cluster/kubechat-prod": "shared",
        });
        assert.deepStrictEqual(byRole("public"), [
            ["us-east-1a", "10.0.128.0/21", tags("public", "us-east-1a")],
            ["us-east-1b", "10.0.136.0/21", tags("public", "us-east-1b")],
            ["us-east-1c", "10.0.144.0/21", tags("public", "us-east-1c")],
        ]);
        assert.deepStrictEqual(byRole("private"), [
            ["us-east-1a", "10.0.0.0/19", tags("private", "us-east-1a")],
            ["us-east-1b", "10.0.32.0/19", tags("private", "us-east-1b")],
            ["us-east-1c", "10.0.64.0/19", tags("private", "us-east-1c")],
        ]);
    });

    it("IGW, a NAT gateway + EIP per AZ, route tables and associations", () => {
        assert.strictEqual(resources(plan, "aws:ec2/internetGateway:InternetGateway").length, 1);
        assert.strictEqual(resources(plan, T.nat).length, 3);
        assert.strictEqual(resources(plan, T.eip).length, 3);
        assert.ok(resources(plan, T.eip).every((e) => e.inputs.domain === "vpc"));
        assert.strictEqual(resources(plan, "aws:ec2/routeTable:RouteTable").length, 4);
        assert.strictEqual(resources(plan, "aws:ec2/routeTableAssociation:RouteTableAssociation").length, 6);
        const routes = resources(plan, "aws:ec2/route:Route");
        assert.strictEqual(routes.filter((r) => r.inputs.destinationCidrBlock === "0.0.0.0/0").length, 4);
        assert.strictEqual(routes.filter((r) => r.inputs.natGatewayId).length, 3);
    });

    it("S3 gateway endpoint and ECR api/dkr + STS interface endpoints with private DNS behind a 443-from-VPC security group", () => {
        const eps = resources(plan, T.endpoint);
        const s3 = eps.filter((e) => e.inputs.vpcEndpointType === "Gateway");
        assert.deepStrictEqual(s3.map((e) => e.inputs.serviceName), ["com.amazonaws.us-east-1.s3"]);
        assert.strictEqual(s3[0].inputs.routeTableIds.length, 3);
        const iface = eps.filter((e) => e.inputs.vpcEndpointType === "Interface");
        assert.deepStrictEqual(iface.map((e) => e.inputs.serviceName).sort(),
            ["com.amazonaws.us-east-1.ecr.api", "com.amazonaws.us-east-1.ecr.dkr", "com.amazonaws.us-east-1.sts"]);
        for (const e of iface) {
            assert.strictEqual(e.inputs.privateDnsEnabled, true);
            assert.strictEqual(e.inputs.subnetIds.length, 3);
        }
        const sg = one(plan, "aws:ec2/securityGroup:SecurityGroup");
        assert.deepStrictEqual(sg.inputs.ingress.map((i: any) => [i.protocol, i.fromPort, i.toPort, i.cidrBlocks]), [["tcp", 443, 443, ["10.0.0.0/16"]]]);
    });

    it("EKS cluster: version, logs, KMS secrets encryption, private endpoint, API access mode, protected", () => {
        const c = one(plan, T.cluster);
        assert.strictEqual(c.inputs.name, "kubechat-prod");
        assert.strictEqual(c.inputs.version, "1.33");
        assert.deepStrictEqual(c.inputs.enabledClusterLogTypes, ["api", "audit", "authenticator", "controllerManager", "scheduler"]);
        assert.deepStrictEqual(c.inputs.encryptionConfig.resources, ["secrets"]);
        const key = one(plan, T.key);
        assert.ok(c.dependencies.includes(key.urn), "encryption uses the cluster key");
        assert.strictEqual(c.inputs.vpcConfig.endpointPrivateAccess, true);
        assert.strictEqual(c.inputs.vpcConfig.endpointPublicAccess, false);
        assert.strictEqual(c.inputs.vpcConfig.publicAccessCidrs, undefined);
        assert.strictEqual(c.inputs.accessConfig.authenticationMode, "API");
        assert.strictEqual(c.protect, true);
        assert.deepStrictEqual([key.inputs.enableKeyRotation, key.inputs.deletionWindowInDays, key.protect], [true, 30, true]);
        const attach = resources(plan, T.attachment, "cluster-policy");
        assert.deepStrictEqual(attach.map((a) => a.inputs.policyArn), ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"]);
    });

    it("OIDC provider for IRSA", () => {
        const oidc = one(plan, "aws:iam/openIdConnectProvider:OpenIdConnectProvider");
        assert.deepStrictEqual(oidc.inputs.clientIdLists, ["sts.amazonaws.com"]);
        assert.strictEqual(oidc.inputs.thumbprintLists.length, 1);
        assert.strictEqual(plan.outputs.clusterName, "kubechat-prod");
        assert.ok("oidcProviderArn" in plan.outputs && "kubeconfig" in plan.outputs);
    });

    it("managed add-ons pinned from the catalog; EBS CSI with its IRSA role (managed policy + KMS grants)", () => {
        const addons = resources(plan, T.addon);
        assert.deepStrictEqual(Object.fromEntries(addons.map((a) => [a.inputs.addonName, a.inputs.addonVersion])), eksAddons(plan.config.eks.version));
        const ebs = addons.find((a) => a.inputs.addonName === "aws-ebs-csi-driver")!;
        const ebsRole = one(plan, "aws:iam/role:Role", "ebs-csi");
        assert.ok(ebs.dependencies.includes(ebsRole.urn), "serviceAccountRoleArn from the IRSA role");
        assert.deepStrictEqual(resources(plan, T.attachment, "ebs-csi").map((a) => a.inputs.policyArn),
            ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"]);
        const kms = one(plan, T.rolePolicy, "ebs-csi");
        assert.ok(kms.dependencies.includes(one(plan, T.key).urn), "KMS statements reference the cluster key");
        // Pods of these add-ons need nodes to run on.
        const ngs = resources(plan, T.nodeGroup).map((n) => n.urn);
        for (const name of ["coredns", "aws-ebs-csi-driver"]) {
            const a = addons.find((x) => x.inputs.addonName === name)!;
            for (const ng of ngs) assert.ok(a.dependencies.includes(ng), `${name} waits for ${short(ng)}`);
        }
    });

    it("node IAM role with the four managed policies", () => {
        assert.deepStrictEqual(resources(plan, T.attachment, "-node-").map((a) => a.inputs.policyArn).sort(), [
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly", "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
            "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy", "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        ]);
    });

    it("node groups: scaling from config, taints, labels, all private subnets, cluster version, ignoreChanges desiredSize", () => {
        const ng = (g: string) => one(plan, T.nodeGroup, `-${g}`);
        const gp = ng("general-purpose");
        const co = ng("compute-optimized");
        assert.deepStrictEqual(gp.inputs.scalingConfig, { minSize: 3, maxSize: 20, desiredSize: 3 });
        assert.deepStrictEqual(gp.inputs.instanceTypes, ["m5.large", "m5.xlarge"]);
        assert.deepStrictEqual(gp.inputs.taints, []);
        assert.deepStrictEqual(co.inputs.scalingConfig, { minSize: 0, maxSize: 10, desiredSize: 0 });
        assert.deepStrictEqual(co.inputs.instanceTypes, ["c5.large", "c5.xlarge"]);
        assert.deepStrictEqual(co.inputs.taints, [{ key: "workload-type", value: "compute-intensive", effect: "NO_SCHEDULE" }]);
        assert.deepStrictEqual(co.inputs.labels, { "workload-type": "compute-intensive" });
        const privateSubnets = resources(plan, T.subnet, "-private-").map((s) => s.urn);
        for (const g of [gp, co]) {
            assert.deepStrictEqual(g.ignoreChanges, ["scalingConfig.desiredSize"]);
            assert.strictEqual(g.inputs.version, "1.33");
            assert.deepStrictEqual(g.inputs.updateConfig, { maxUnavailable: 1 });
            assert.strictEqual(g.inputs.subnetIds.length, 3);
            for (const s of privateSubnets) assert.ok(g.dependencies.includes(s));
            assert.ok(g.dependencies.includes(one(plan, T.lt, g.name.replace(/^.*-nodes-/, "-nodes-")).urn), "uses its launch template");
        }
    });

    it("launch templates: IMDSv2 required, hop limit 2, encrypted gp3 root volume with the cluster key", () => {
        const key = one(plan, T.key);
        for (const lt of resources(plan, T.lt)) {
            assert.deepStrictEqual(lt.inputs.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2 });
            const [bdm] = lt.inputs.blockDeviceMappings;
            assert.strictEqual(bdm.deviceName, "/dev/xvda");
            assert.deepStrictEqual([bdm.ebs.volumeType, bdm.ebs.encrypted, bdm.ebs.volumeSize], ["gp3", "true", 50]);
            assert.ok(lt.dependencies.includes(key.urn));
        }
    });

    it("ASG tags for discovery and scale-from-zero, on each group's ASG, not propagated", () => {
        const tagsOf = (g: string) => Object.fromEntries(resources(plan, T.asgTag, `-${g}-`).map((t) => {
            assert.strictEqual(t.inputs.tag.propagateAtLaunch, false);
            assert.ok(t.dependencies.includes(one(plan, T.nodeGroup, `-${g}`).urn), "ASG name from the node group");
            return [t.inputs.tag.key, t.inputs.tag.value];
        }));
        const discovery = { "k8s.io/cluster-autoscaler/enabled": "true", "k8s.io/cluster-autoscaler/kubechat-prod": "owned" };
        assert.deepStrictEqual(tagsOf("general-purpose"), discovery);
        assert.deepStrictEqual(tagsOf("compute-optimized"), {
            ...discovery,
            "k8s.io/cluster-autoscaler/node-template/taint/workload-type": "compute-intensive:NoSchedule",
            "k8s.io/cluster-autoscaler/node-template/label/workload-type": "compute-intensive",
        });
    });

    it("cluster-autoscaler: catalog chart in kube-system, auto-discovery, IRSA with the least-privilege policy", () => {
        const r = release(plan, "cluster-autoscaler");
        assert.strictEqual(r.inputs.namespace, "kube-system");
        assert.strictEqual(r.inputs.version, "9.52.1");
        const v = r.inputs.values;
        assert.deepStrictEqual([v.cloudProvider, v.awsRegion, v.autoDiscovery.clusterName], ["aws", "us-east-1", "kubechat-prod"]);
        assert.strictEqual(v.fullnameOverride, "cluster-autoscaler");
        assert.ok("eks.amazonaws.com/role-arn" in v.rbac.serviceAccount.annotations);
        assert.deepStrictEqual(v.image, { repository: "registry.k8s.io/autoscaling/cluster-autoscaler", tag: "v1.33.2" });
        assert.strictEqual(v.extraArgs.expander, "least-waste");
        const policy = JSON.parse(one(plan, T.rolePolicy, "autoscaler").inputs.policy);
        assert.deepStrictEqual(policy.Statement[0].Action, AUTOSCALER_DESCRIBE_ACTIONS);
        assert.deepStrictEqual(policy.Statement[1].Condition, { StringEquals: { "aws:ResourceTag/k8s.io/cluster-autoscaler/kubechat-prod": "owned" } });
    });

    it("the Kubernetes provider waits for node groups and pod networking; every Kubernetes resource uses it (destroy order)", () => {
        const k8s = resources(plan, "pulumi:providers:kubernetes").find((p) => p.name.endsWith("-k8s"))!;
        const networking = resources(plan, T.addon).filter((a) => ["vpc-cni", "kube-proxy"].includes(a.inputs.addonName));
        for (const r of [...resources(plan, T.nodeGroup), ...networking]) assert.ok(k8s.dependencies.includes(r.urn), `provider waits for ${r.name}`);
        // Only volumes need the EBS CSI driver: the gp3 class waits for it, and stateful workloads wait for the class.
        const ebs = resources(plan, T.addon).find((a) => a.inputs.addonName === "aws-ebs-csi-driver")!;
        assert.ok(!k8s.dependencies.includes(ebs.urn));
        const sc = one(plan, "kubernetes:storage.k8s.io/v1:StorageClass", "gp3");
        assert.ok(sc.dependencies.includes(ebs.urn));
        const stateful = plan.resources.filter((r) => ["kubernetes:acid.zalan.do/v1:postgresql", "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch"].includes(r.type)
            || (r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "kube-prometheus-stack"));
        assert.strictEqual(stateful.length, 3);
        for (const r of stateful) assert.ok(r.dependencies.includes(sc.urn), `${r.name} waits for the gp3 class`);
        // Everything else uses it, except what runs no pods and is placed on the control-plane provider.
        const controlPlane = resources(plan, "pulumi:providers:kubernetes").find((p) => p.name.endsWith("-k8s-control-plane"))!;
        assert.ok(!controlPlane.dependencies.some((d) => d.includes("nodeGroup")), "needs only the API server");
        const onControlPlane = plan.resources.filter((r) => r.provider === controlPlane.urn);
        assert.deepStrictEqual(onControlPlane.map((r) => r.type === "kubernetes:helm.sh/v3:Release" ? r.inputs.chart : `${r.inputs.kind}/${r.inputs.metadata.name}`).sort(),
            ["Namespace/istio-system", "base"]);
        const workloads = plan.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && r.provider !== controlPlane.urn);
        assert.ok(workloads.length > 3);
        for (const r of workloads) assert.strictEqual(r.provider, k8s.urn, `${r.name} uses the EKS provider`);
        // The charts after base, which run pods, wait for the nodes through the workload provider.
        assert.strictEqual(release(plan, "cni").provider, k8s.urn);
    });

    it("default encrypted gp3 StorageClass that validates against the schema", async () => {
        const sc = one(plan, "kubernetes:storage.k8s.io/v1:StorageClass", "gp3");
        assert.strictEqual(sc.inputs.provisioner, "ebs.csi.aws.com");
        assert.strictEqual(sc.inputs.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true");
        assert.deepStrictEqual([sc.inputs.parameters.type, sc.inputs.parameters.encrypted], ["gp3", "true"]);
        assert.ok("kmsKeyId" in sc.inputs.parameters);
        assert.deepStrictEqual([sc.inputs.volumeBindingMode, sc.inputs.allowVolumeExpansion, sc.inputs.reclaimPolicy], ["WaitForFirstConsumer", true, "Retain"]);
        const res = await schemaCheck(plan);
        assert.ok(!res.unvalidatedKinds.includes("storage.k8s.io/v1/StorageClass"));
        assert.deepStrictEqual(res.errors.filter((e) => e.startsWith("StorageClass ")), []);
    });
});

describe("EksCluster (options)", function () {
    this.timeout(120000);
    let plan: Plan;
    before(async () => {
        plan = await planStack("prod", {
            persistent: false,
            eks: {
                ...prodEks(), singleNatGateway: true, interfaceEndpoints: false, publicAccessCidrs: ["203.0.113.0/24"],
                adminRoleArns: ["arn:aws:iam::123456789012:role/platform-admin"],
            },
        });
    });

    it("single NAT gateway serves every private route table", () => {
        assert.strictEqual(resources(plan, T.nat).length, 1);
        assert.strictEqual(resources(plan, T.eip).length, 1);
        const nat = one(plan, T.nat);
        const privateRoutes = resources(plan, "aws:ec2/route:Route").filter((r) => r.name.includes("-private-"));
        assert.strictEqual(privateRoutes.length, 3);
        for (const r of privateRoutes) assert.ok(r.dependencies.includes(nat.urn));
    });

    it("no interface endpoints unless configured", () => {
        assert.deepStrictEqual(resources(plan, T.endpoint).map((e) => e.inputs.vpcEndpointType), ["Gateway"]);
        assert.strictEqual(resources(plan, "aws:ec2/securityGroup:SecurityGroup").length, 0);
    });

    it("public endpoint only for the allowlist", () => {
        const vpc = one(plan, T.cluster).inputs.vpcConfig;
        assert.deepStrictEqual([vpc.endpointPrivateAccess, vpc.endpointPublicAccess, vpc.publicAccessCidrs], [true, true, ["203.0.113.0/24"]]);
    });

    it("access entry + cluster-admin policy association per admin role", () => {
        const entry = one(plan, "aws:eks/accessEntry:AccessEntry");
        assert.deepStrictEqual([entry.inputs.principalArn, entry.inputs.type], ["arn:aws:iam::123456789012:role/platform-admin", "STANDARD"]);
        const assoc = one(plan, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation");
        assert.strictEqual(assoc.inputs.policyArn, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy");
        assert.deepStrictEqual(assoc.inputs.accessScope, { type: "cluster" });
    });

    it("non-persistent stacks do not protect the cluster or key, and volumes are deleted with their claims", () => {
        assert.strictEqual(one(plan, T.cluster).protect, false);
        assert.strictEqual(one(plan, T.key).protect, false);
        assert.strictEqual(one(plan, "kubernetes:storage.k8s.io/v1:StorageClass", "gp3").inputs.reclaimPolicy, "Delete");
    });

    it("node group bounds beyond eks.maxNodes fail with the key named", async () => {
        await assert.rejects(planStack("prod", { eks: { ...prodEks(), maxNodes: 20 } }),
            (e: Error) => e.message.includes("kubechat:eks.nodeGroups: maximum sizes add up to 30, above eks.maxNodes (20)"));
    });
});

describe("on-prem stacks stay off AWS", function () {
    this.timeout(120000);
    for (const stack of ["dev", "staging"]) {
        it(`${stack}: no aws: resources and no EKS outputs`, async () => {
            const plan = await planStack(stack);
            assert.deepStrictEqual(plan.resources.filter((r) => r.type.startsWith("aws:") || r.type === T.provider).map((r) => r.type), []);
            assert.strictEqual(plan.outputs.clusterName, undefined);
            assert.strictEqual(plan.outputs.kubeconfig, undefined);
        });
    }
});

describe("EKS metrics-server", () => {
    const plans: Record<string, Plan> = {};
    before(async () => {
        for (const s of ["dev", "staging", "prod"]) plans[s] = await planStack(s);
    });

    it("installs metrics-server (HPA cpu/memory metrics) from the catalog on EKS only, hardened and HA", () => {
        const r = release(plans.prod, "metrics-server");
        assert.strictEqual(r.inputs.namespace, "kube-system");
        assert.strictEqual(r.inputs.version, CHARTS["metrics-server"].version);
        assert.deepStrictEqual(r.inputs.values.image, { repository: "registry.k8s.io/metrics-server/metrics-server" }, "the tag is the chart's (v appVersion)");
        assert.strictEqual(r.inputs.values.replicas, 2);
        assert.strictEqual(r.inputs.values.securityContext.readOnlyRootFilesystem, true);
        for (const stack of ["dev", "staging"]) assert.throws(() => release(plans[stack], "metrics-server"), /found 0/);
    });
});
