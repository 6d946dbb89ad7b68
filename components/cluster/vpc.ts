/**
 * The EKS network: one VPC with a public and a private subnet per availability zone, NAT per AZ (or
 * one shared), an S3 gateway endpoint and, optionally, the interface endpoints private nodes need to
 * pull from ECR without NAT. Subnet CIDRs come from the pure `subnetPlan`.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "../aws/sdk";

/** One availability zone's subnets. */
export interface SubnetPlanEntry {
    az: string;
    /** Load balancers and NAT gateways. */
    publicCidr: string;
    /** Nodes and pods (the VPC CNI gives every pod a VPC address, so these are the large ones). */
    privateCidr: string;
}

/** AWS limits: a VPC is /16 to /28, a subnet at most /28. */
const MIN_VPC_PREFIX = 16;
const MAX_PREFIX = 28;

function parseCidr(cidr: string): { base: number; prefix: number } | string {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    if (!m) return `${cidr} is not an IPv4 CIDR`;
    const octets = m.slice(1, 5).map(Number);
    if (octets.some((o) => o > 255)) return `${cidr} has an octet above 255`;
    const prefix = Number(m[5]);
    const base = octets.reduce((acc, o) => acc * 256 + o, 0);
    const size = 2 ** (32 - prefix);
    if (base % size !== 0) return `${cidr} is not a network address (host bits must be zero)`;
    return { base, prefix };
}

const formatCidr = (base: number, prefix: number): string =>
    `${[24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256).join(".")}/${prefix}`;

/** Bits needed to number `n` equal subnets. */
const bitsFor = (n: number): number => Math.ceil(Math.log2(Math.max(n, 1)));

/** Pure: why `vpcCidr` cannot be split over `azs` (empty = it can). */
export function subnetPlanProblems(vpcCidr: string, azs: string[]): string[] {
    const parsed = parseCidr(vpcCidr);
    if (typeof parsed === "string") return [parsed];
    const problems: string[] = [];
    if (parsed.prefix < MIN_VPC_PREFIX || parsed.prefix > MAX_PREFIX) problems.push(`${vpcCidr}: a VPC must be /${MIN_VPC_PREFIX} to /${MAX_PREFIX}`);
    if (azs.length === 0) problems.push("needs at least one availability zone");
    if (new Set(azs).size !== azs.length) problems.push("availability zones must be distinct");
    const privatePrefix = parsed.prefix + 1 + bitsFor(azs.length);
    if (privatePrefix > MAX_PREFIX) problems.push(`${vpcCidr} is too small for ${azs.length} zones (private subnets would be /${privatePrefix}, AWS allows at most /${MAX_PREFIX})`);
    return problems;
}

/**
 * Pure: subnet CIDRs per AZ. The lower half of the VPC holds the private subnets (equal slots, one per
 * AZ); the upper half holds the public subnets, a quarter of a private one in size (they only carry
 * load balancers and NAT gateways), never smaller than AWS's /28. Non-overlapping by construction.
 */
export function subnetPlan(vpcCidr: string, azs: string[]): SubnetPlanEntry[] {
    const problems = subnetPlanProblems(vpcCidr, azs);
    if (problems.length > 0) throw new Error(`cannot plan subnets: ${problems.join("; ")}`);
    const { base, prefix } = parseCidr(vpcCidr) as { base: number; prefix: number };
    const privatePrefix = prefix + 1 + bitsFor(azs.length);
    const publicPrefix = Math.min(privatePrefix + 2, MAX_PREFIX);
    const publicBase = base + 2 ** (32 - prefix - 1);
    return azs.map((az, i) => ({
        az,
        privateCidr: formatCidr(base + i * 2 ** (32 - privatePrefix), privatePrefix),
        publicCidr: formatCidr(publicBase + i * 2 ** (32 - publicPrefix), publicPrefix),
    }));
}

/** Pure: tags of a subnet, so the AWS load balancer integrations find it for this cluster. */
export function subnetTags(clusterName: string, role: "public" | "private", az: string): Record<string, string> {
    return {
        "Name": `${clusterName}-${role}-${az}`,
        [role === "public" ? "kubernetes.io/role/elb" : "kubernetes.io/role/internal-elb"]: "1",
        [`kubernetes.io/cluster/${clusterName}`]: "shared",
    };
}

/** Interface endpoints private nodes need to pull images from ECR and use IRSA without NAT. */
export const INTERFACE_ENDPOINT_SERVICES = ["ecr.api", "ecr.dkr", "sts"] as const;

export interface VpcArgs {
    /** EKS cluster name: used in the `kubernetes.io/cluster/<name>` subnet tags and Name tags. */
    clusterName: string;
    /** AWS region, for the endpoint service names. */
    region: string;
    /** VPC CIDR, /16 to /28 (default 10.0.0.0/16). */
    cidr: string;
    /** Availability zones: one public and one private subnet each. */
    availabilityZones: string[];
    /** One NAT gateway for all AZs instead of one per AZ (cheaper, not zone-redundant). Default false. */
    singleNatGateway: boolean;
    /** ECR api/dkr and STS interface endpoints with private DNS. Default false. */
    interfaceEndpoints: boolean;
    /** Explicit AWS provider for every resource. */
    awsProvider: aws.Provider;
}

/** VPC, subnets, gateways, routes and endpoints. Type `kubechat:cluster:Vpc`. */
export class Vpc extends pulumi.ComponentResource {
    public readonly vpcId: pulumi.Output<string>;
    public readonly publicSubnetIds: pulumi.Output<string>[];
    public readonly privateSubnetIds: pulumi.Output<string>[];

    constructor(name: string, args: VpcArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubechat:cluster:Vpc", name, {}, opts);
        const plan = subnetPlan(args.cidr, args.availabilityZones);
        const o = { parent: this, provider: args.awsProvider };
        const tag = (role: string) => ({ Name: `${args.clusterName}-${role}` });

        const vpc = new aws.ec2.Vpc(`${name}-vpc`, {
            cidrBlock: args.cidr,
            // Both are required for the private API endpoint and the endpoints' private DNS names.
            enableDnsSupport: true,
            enableDnsHostnames: true,
            tags: tag("vpc"),
        }, o);
        this.vpcId = vpc.id;
        const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tag("igw") }, o);

        const publicRt = new aws.ec2.RouteTable(`${name}-public-rt`, { vpcId: vpc.id, tags: tag("public") }, o);
        new aws.ec2.Route(`${name}-public-default`, { routeTableId: publicRt.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id }, o);

        const publicSubnets = plan.map((p) => new aws.ec2.Subnet(`${name}-public-${p.az}`, {
            vpcId: vpc.id, availabilityZone: p.az, cidrBlock: p.publicCidr, tags: subnetTags(args.clusterName, "public", p.az),
        }, o));
        publicSubnets.forEach((s, i) => new aws.ec2.RouteTableAssociation(`${name}-public-${plan[i].az}`, { subnetId: s.id, routeTableId: publicRt.id }, o));

        const natAzs = args.singleNatGateway ? plan.slice(0, 1) : plan;
        const nats = natAzs.map((p, i) => {
            const eip = new aws.ec2.Eip(`${name}-nat-${p.az}`, { domain: "vpc", tags: tag(`nat-${p.az}`) }, o);
            // AWS requires the internet gateway attached before a public NAT gateway can route.
            return new aws.ec2.NatGateway(`${name}-nat-${p.az}`, {
                allocationId: eip.id, subnetId: publicSubnets[i].id, tags: tag(`nat-${p.az}`),
            }, { ...o, dependsOn: [igw] });
        });

        const privateSubnets = plan.map((p) => new aws.ec2.Subnet(`${name}-private-${p.az}`, {
            vpcId: vpc.id, availabilityZone: p.az, cidrBlock: p.privateCidr, tags: subnetTags(args.clusterName, "private", p.az),
        }, o));
        const privateRts = plan.map((p, i) => {
            const rt = new aws.ec2.RouteTable(`${name}-private-${p.az}`, { vpcId: vpc.id, tags: tag(`private-${p.az}`) }, o);
            new aws.ec2.Route(`${name}-private-${p.az}-default`, {
                routeTableId: rt.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nats[args.singleNatGateway ? 0 : i].id,
            }, o);
            new aws.ec2.RouteTableAssociation(`${name}-private-${p.az}`, { subnetId: privateSubnets[i].id, routeTableId: rt.id }, o);
            return rt;
        });

        // Image layers come from S3: the gateway endpoint keeps that traffic off the NAT gateways.
        new aws.ec2.VpcEndpoint(`${name}-s3`, {
            vpcId: vpc.id, serviceName: `com.amazonaws.${args.region}.s3`, vpcEndpointType: "Gateway",
            routeTableIds: privateRts.map((rt) => rt.id), tags: tag("s3"),
        }, o);

        if (args.interfaceEndpoints) {
            const sg = new aws.ec2.SecurityGroup(`${name}-endpoints`, {
                vpcId: vpc.id,
                description: "HTTPS from the VPC to the interface endpoints",
                ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: [args.cidr], description: "HTTPS from the VPC" }],
                tags: tag("endpoints"),
            }, o);
            for (const svc of INTERFACE_ENDPOINT_SERVICES) {
                new aws.ec2.VpcEndpoint(`${name}-${svc.replace(".", "-")}`, {
                    vpcId: vpc.id, serviceName: `com.amazonaws.${args.region}.${svc}`, vpcEndpointType: "Interface",
                    privateDnsEnabled: true, subnetIds: privateSubnets.map((s) => s.id), securityGroupIds: [sg.id], tags: tag(svc),
                }, o);
            }
        }

        this.publicSubnetIds = publicSubnets.map((s) => s.id);
        this.privateSubnetIds = privateSubnets.map((s) => s.id);
        this.registerOutputs({ vpcId: this.vpcId, publicSubnetIds: this.publicSubnetIds, privateSubnetIds: this.privateSubnetIds });
    }
}
