import * as assert from "assert";
import { subnetPlan, subnetPlanProblems, subnetTags } from "../../components/cluster/vpc";
import { asgTags, nodeGroupSpec, nodeGroupTags, parseLabels, parseTaint } from "../../components/cluster/nodegroups";
import { AUTOSCALER_DESCRIBE_ACTIONS, autoscalerPolicy, autoscalerValues } from "../../components/cluster/autoscaler";
import {
    ebsCsiKmsPolicy, endpointAccess, kmsKeyPolicy, kubeconfig, managedPolicyArn, partitionOf, serviceTrustPolicy, storageClassSpec, validateEksArgs,
} from "../../components/cluster/eks";
import { irsaTrustPolicy } from "../../components/aws/irsa";
import { ConfigError, parseConfig } from "../../components/config";

/** IPv4 CIDR as [first, last] address numbers. */
function range(cidr: string): [number, number] {
    const [ip, p] = cidr.split("/");
    const base = ip.split(".").reduce((a, o) => a * 256 + Number(o), 0);
    return [base, base + 2 ** (32 - Number(p)) - 1];
}

const AZS = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"];

describe("eks: subnet plan", () => {
    it("splits the prod VPC into /19 private and /21 public subnets, one pair per AZ", () => {
        assert.deepStrictEqual(subnetPlan("10.0.0.0/16", AZS.slice(0, 3)), [
            { az: "us-east-1a", privateCidr: "10.0.0.0/19", publicCidr: "10.0.128.0/21" },
            { az: "us-east-1b", privateCidr: "10.0.32.0/19", publicCidr: "10.0.136.0/21" },
            { az: "us-east-1c", privateCidr: "10.0.64.0/19", publicCidr: "10.0.144.0/21" },
        ]);
    });

    for (const vpc of ["10.0.0.0/16", "172.16.0.0/16", "192.168.0.0/20", "10.20.64.0/18", "100.64.0.0/24", "10.1.2.0/26"]) {
        for (let n = 1; n <= AZS.length; n++) {
            const azs = AZS.slice(0, n);
            if (subnetPlanProblems(vpc, azs).length > 0) continue;
            it(`${vpc} over ${n} AZ(s): non-overlapping, inside the VPC, one public + one private per AZ`, () => {
                const plan = subnetPlan(vpc, azs);
                assert.deepStrictEqual(plan.map((p) => p.az), azs);
                const [lo, hi] = range(vpc);
                const all = plan.flatMap((p) => [p.privateCidr, p.publicCidr]).map(range).sort((a, b) => a[0] - b[0]);
                for (const [a, b] of all) assert.ok(a >= lo && b <= hi, `subnet outside ${vpc}`);
                for (let i = 1; i < all.length; i++) assert.ok(all[i][0] > all[i - 1][1], "subnets overlap");
                for (const p of plan) {
                    assert.ok(Number(p.privateCidr.split("/")[1]) <= 28 && Number(p.publicCidr.split("/")[1]) <= 28, "AWS subnets are at most /28");
                    assert.ok(range(p.privateCidr)[1] - range(p.privateCidr)[0] >= range(p.publicCidr)[1] - range(p.publicCidr)[0], "private >= public");
                }
            });
        }
    }

    it("rejects VPCs that are misaligned, out of AWS's range or too small, and duplicate or missing AZs", () => {
        assert.match(subnetPlanProblems("10.0.1.0/16", AZS.slice(0, 3))[0], /not a network address/);
        assert.match(subnetPlanProblems("10.0.0.0/8", AZS.slice(0, 3))[0], /\/16 to \/28/);
        assert.match(subnetPlanProblems("10.0.0.0/27", AZS.slice(0, 3))[0], /too small for 3 zones/);
        assert.match(subnetPlanProblems("10.0.0.300/16", AZS.slice(0, 3))[0], /octet/);
        assert.match(subnetPlanProblems("10.0.0.0/16", ["a", "a"])[0], /distinct/);
        assert.match(subnetPlanProblems("10.0.0.0/16", [])[0], /at least one/);
        assert.throws(() => subnetPlan("10.0.0.0/27", AZS.slice(0, 3)), /too small/);
    });

    it("tags subnets with the ELB role and the shared cluster tag", () => {
        assert.deepStrictEqual(subnetTags("c1", "public", "us-east-1a"), {
            "Name": "c1-public-us-east-1a", "kubernetes.io/role/elb": "1", "kubernetes.io/cluster/c1": "shared",
        });
        assert.deepStrictEqual(subnetTags("c1", "private", "us-east-1b"), {
            "Name": "c1-private-us-east-1b", "kubernetes.io/role/internal-elb": "1", "kubernetes.io/cluster/c1": "shared",
        });
    });
});

describe("eks: node groups", () => {
    const compute = { instanceTypes: ["c5.large"], minSize: 0, maxSize: 10, desiredSize: 0, diskSizeGiB: 50,
        taints: ["workload-type=compute-intensive:NoSchedule"], labels: ["workload-type=compute-intensive"] };

    it("parses taints and labels", () => {
        assert.deepStrictEqual(parseTaint("a=b:NoExecute"), { key: "a", value: "b", effect: "NoExecute" });
        assert.throws(() => parseTaint("a=b"), /invalid taint/);
        assert.deepStrictEqual(parseLabels(["x=1", "y="]), { x: "1", y: "" });
        assert.throws(() => parseLabels(["=1"]), /invalid label/);
    });

    it("maps config to the EKS API form (upper-case taint effects)", () => {
        assert.deepStrictEqual(nodeGroupSpec(compute), {
            scalingConfig: { minSize: 0, maxSize: 10, desiredSize: 0 },
            labels: { "workload-type": "compute-intensive" },
            taints: [{ key: "workload-type", value: "compute-intensive", effect: "NO_SCHEDULE" }],
        });
        assert.deepStrictEqual(nodeGroupTags("c1", "g"), { "Name": "c1-g", "kubechat.io/node-group": "g" });
    });

    it("ASG tags: discovery pair plus node-template taint and label tags for scale-from-zero", () => {
        assert.deepStrictEqual(asgTags("kubechat-prod", compute), {
            "k8s.io/cluster-autoscaler/enabled": "true",
            "k8s.io/cluster-autoscaler/kubechat-prod": "owned",
            "k8s.io/cluster-autoscaler/node-template/taint/workload-type": "compute-intensive:NoSchedule",
            "k8s.io/cluster-autoscaler/node-template/label/workload-type": "compute-intensive",
        });
        assert.deepStrictEqual(Object.keys(asgTags("c", { taints: [], labels: [] })), ["k8s.io/cluster-autoscaler/enabled", "k8s.io/cluster-autoscaler/c"]);
    });
});

describe("eks: IAM", () => {
    it("cluster-autoscaler: describe actions on *, scaling only on ASGs owned by the cluster", () => {
        const p = JSON.parse(autoscalerPolicy("kubechat-prod"));
        assert.strictEqual(p.Statement.length, 2);
        const [describe, scale] = p.Statement;
        assert.deepStrictEqual([...describe.Action].sort(), [
            "autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances", "autoscaling:DescribeLaunchConfigurations",
            "autoscaling:DescribeScalingActivities", "autoscaling:DescribeTags", "ec2:DescribeImages", "ec2:DescribeInstanceTypes",
            "ec2:DescribeLaunchTemplateVersions", "ec2:GetInstanceTypesFromInstanceRequirements", "eks:DescribeNodegroup",
        ]);
        assert.strictEqual(describe.Resource, "*");
        assert.strictEqual(describe.Condition, undefined);
        assert.deepStrictEqual(scale.Action, ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]);
        assert.deepStrictEqual(scale.Condition, { StringEquals: { "aws:ResourceTag/k8s.io/cluster-autoscaler/kubechat-prod": "owned" } });
        assert.ok(p.Statement.every((s: any) => s.Effect === "Allow" && !JSON.stringify(s.Action).includes("*")), "no wildcard actions");
        assert.strictEqual(AUTOSCALER_DESCRIBE_ACTIONS.length, 10);
    });

    it("IRSA trust policy: one service account, STS audience, issuer without scheme", () => {
        const p = JSON.parse(irsaTrustPolicy("arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC",
            "https://oidc.eks.us-east-1.amazonaws.com/id/ABC", "kube-system", "cluster-autoscaler"));
        const s = p.Statement[0];
        assert.strictEqual(s.Action, "sts:AssumeRoleWithWebIdentity");
        assert.deepStrictEqual(s.Principal, { Federated: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC" });
        assert.deepStrictEqual(s.Condition.StringEquals, {
            "oidc.eks.us-east-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:kube-system:cluster-autoscaler",
            "oidc.eks.us-east-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
        });
    });

    it("KMS key policy keeps IAM control and lets only the Auto Scaling service-linked role use the key", () => {
        const p = JSON.parse(kmsKeyPolicy("aws", "123456789012"));
        assert.deepStrictEqual(p.Statement[0].Principal, { AWS: "arn:aws:iam::123456789012:root" });
        for (const s of p.Statement.slice(1)) {
            assert.strictEqual(s.Condition.StringEquals["aws:PrincipalArn"],
                "arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling");
            assert.strictEqual(s.Condition.StringEquals["kms:CallerAccount"], "123456789012");
        }
        assert.deepStrictEqual(p.Statement[2].Condition.Bool, { "kms:GrantIsForAWSResource": "true" });
    });

    it("EBS CSI KMS policy is scoped to the key, grants only for AWS resources", () => {
        const p = JSON.parse(ebsCsiKmsPolicy("arn:aws:kms:us-east-1:1:key/k"));
        assert.ok(p.Statement.every((s: any) => s.Resource === "arn:aws:kms:us-east-1:1:key/k"));
        assert.deepStrictEqual(p.Statement[0].Condition, { Bool: { "kms:GrantIsForAWSResource": "true" } });
    });

    it("partitions, managed policy ARNs and service trust", () => {
        assert.strictEqual(partitionOf("us-east-1"), "aws");
        assert.strictEqual(partitionOf("us-gov-west-1"), "aws-us-gov");
        assert.strictEqual(managedPolicyArn("aws", "AmazonEKSClusterPolicy"), "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy");
        assert.deepStrictEqual(JSON.parse(serviceTrustPolicy("eks.amazonaws.com")).Statement[0].Principal, { Service: "eks.amazonaws.com" });
    });
});

describe("eks: cluster access, kubeconfig, storage, autoscaler values", () => {
    it("public endpoint only with an allowlist", () => {
        assert.deepStrictEqual(endpointAccess([]), { endpointPrivateAccess: true, endpointPublicAccess: false });
        assert.deepStrictEqual(endpointAccess(["203.0.113.0/24"]), { endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] });
    });

    it("kubeconfig authenticates with aws eks get-token", () => {
        const k = JSON.parse(kubeconfig("c1", "us-east-1", "https://x", "Q0E="));
        assert.strictEqual(k.clusters[0].cluster.server, "https://x");
        assert.strictEqual(k.clusters[0].cluster["certificate-authority-data"], "Q0E=");
        assert.deepStrictEqual(k.users[0].user.exec.args, ["eks", "get-token", "--cluster-name", "c1", "--region", "us-east-1"]);
        assert.strictEqual(k.users[0].user.exec.command, "aws");
    });

    it("default StorageClass: encrypted gp3 with the key, WaitForFirstConsumer, retained in persistent stacks", () => {
        const sc = storageClassSpec("gp3", "arn:k", true);
        assert.strictEqual(sc.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true");
        assert.deepStrictEqual({ ...sc.parameters }, { "type": "gp3", "encrypted": "true", "kmsKeyId": "arn:k", "csi.storage.k8s.io/fstype": "ext4" });
        assert.strictEqual(sc.volumeBindingMode, "WaitForFirstConsumer");
        assert.strictEqual(sc.reclaimPolicy, "Retain");
        assert.strictEqual(storageClassSpec("gp3", "arn:k", false).reclaimPolicy, "Delete");
    });

    it("autoscaler values: auto-discovery, IRSA annotation, catalog image, least-waste, non-root", () => {
        const v = autoscalerValues({ clusterName: "c1", region: "us-east-1", roleArn: "arn:r", image: { name: "mirror/autoscaling/cluster-autoscaler", tag: "v1" } });
        assert.strictEqual(v.cloudProvider, "aws");
        assert.strictEqual(v.awsRegion, "us-east-1");
        assert.deepStrictEqual(v.autoDiscovery, { clusterName: "c1" });
        assert.deepStrictEqual(v.rbac.serviceAccount.annotations, { "eks.amazonaws.com/role-arn": "arn:r" });
        assert.deepStrictEqual(v.image, { repository: "mirror/autoscaling/cluster-autoscaler", tag: "v1" });
        assert.deepStrictEqual(v.extraArgs, { "balance-similar-node-groups": true, "skip-nodes-with-system-pods": false, "expander": "least-waste" });
        assert.strictEqual(v.securityContext.runAsNonRoot, true);
        assert.deepStrictEqual(v.containerSecurityContext.capabilities.drop, ["ALL"]);
        assert.ok(v.resources.requests.cpu && v.resources.limits.memory);
    });

    it("validation names the node group key", () => {
        const eks = parseConfig({ cluster: { kind: "eks" }, eks: { nodeGroups: {}, privateAccessCidrs: ["10.100.0.0/24"], accountId: "123456789012" } }, "p", "s").eks;
        assert.deepStrictEqual(validateEksArgs({ eks: { ...eks, nodeGroups: {} } }), ["eks.nodeGroups: at least one node group is required"]);
    });
});

describe("eks: config cross-checks", () => {
    const problems = (eks: Record<string, unknown>): string[] => {
        try {
            parseConfig({ cluster: { kind: "eks", zones: 3 }, eks: { privateAccessCidrs: ["10.100.0.0/24"], accountId: "123456789012", ...eks } }, "p", "s");
            return [];
        } catch (e) {
            assert.ok(e instanceof ConfigError, String(e));
            return e.problems;
        }
    };

    it("accepts the seed node groups within 3..50 nodes", () => assert.deepStrictEqual(problems({}), []));

    it("node group bounds must respect eks.minNodes and eks.maxNodes", () => {
        assert.deepStrictEqual(problems({ maxNodes: 25 }), ["kubechat:eks.nodeGroups: maximum sizes add up to 30, above eks.maxNodes (25)"]);
        assert.deepStrictEqual(problems({ minNodes: 5 }), ["kubechat:eks.nodeGroups: minimum sizes add up to 3, below eks.minNodes (5)"]);
        assert.ok(problems({ nodeGroups: { "general-purpose": { desiredSize: 30 } } }).some((p) => p.startsWith("kubechat:eks.nodeGroups.general-purpose.desiredSize:")));
    });

    it("a VPC too small for the zones is named", () => {
        assert.deepStrictEqual(problems({ vpcCidr: "10.0.0.0/27" }),
            ["kubechat:eks.vpcCidr: 10.0.0.0/27 is too small for 3 zones (private subnets would be /30, AWS allows at most /28)"]);
    });
});
