/**
 * The cluster layer's rules over its settings (EKS, or the addresses an on-prem cluster must name),
 * pure, so the config loader applies them before anything is created. Problems are `path: reason`
 * below the namespace.
 */
import { CLUSTER_AUTOSCALER_TAGS, EKS_ADDONS_BY_VERSION } from "../catalog";
import { subnetPlanProblems } from "./vpc";

/** What the EKS rules read (`kubechat:eks` satisfies it). */
export interface EksRuleInput {
    accountId: string;
    version: string;
    region: string;
    availabilityZones: string[];
    vpcCidr: string;
    publicAccessCidrs: string[];
    privateAccessCidrs: string[];
    minNodes: number;
    maxNodes: number;
    nodeGroups: Record<string, { minSize: number; maxSize: number; desiredSize: number }>;
}

/**
 * An EKS minor is supported when the managed add-ons and the cluster-autoscaler (whose minor must
 * match the cluster's) are pinned for it. The tables are parameters so a test can leave one out.
 */
export function eksVersionProblems(version: string, addons: Record<string, unknown> = EKS_ADDONS_BY_VERSION, autoscaler: Record<string, string> = CLUSTER_AUTOSCALER_TAGS): string[] {
    if (!(version in addons)) return [`eks.version: ${version} is not supported: add-on versions are pinned for ${Object.keys(addons).join(", ")}`];
    if (!(version in autoscaler)) {
        return [`eks.version: ${version} is not supported: no cluster-autoscaler is pinned for it, and the autoscaler's minor must match the cluster's (pinned for ${Object.keys(autoscaler).join(", ")})`];
    }
    return [];
}

/** EKS settings; `zones` is `cluster.zones`, which must match the availability zones. */
export function eksProblems(e: EksRuleInput, zones: number): string[] {
    const p: string[] = [];
    const k = (path: string, reason: string) => p.push(`${path}: ${reason}`);
    if (e.accountId === "") k("eks.accountId", "is required on EKS: the account the stack deploys into (aws sts get-caller-identity); default bucket names include it");
    p.push(...eksVersionProblems(e.version));
    if (e.availabilityZones.length < 2) k("eks.availabilityZones", "EKS needs at least 2 availability zones");
    if (e.availabilityZones.some((z) => !z.startsWith(e.region))) k("eks.availabilityZones", `every zone must be in ${e.region}`);
    if (zones !== e.availabilityZones.length) k("cluster.zones", `must equal the number of eks.availabilityZones (${e.availabilityZones.length})`);
    if (e.publicAccessCidrs.includes("0.0.0.0/0")) k("eks.publicAccessCidrs", "0.0.0.0/0 is not an allowlist");
    // A private endpoint nobody outside the nodes may reach: `pulumi up` would create the cluster,
    // then fail on every Kubernetes object.
    if (e.publicAccessCidrs.length === 0 && e.privateAccessCidrs.length === 0) {
        k("eks.privateAccessCidrs", "is required while eks.publicAccessCidrs is empty: list the network pulumi up runs from (the self-hosted deploy runner's), or open the public endpoint to its egress CIDRs with eks.publicAccessCidrs");
    }
    for (const reason of subnetPlanProblems(e.vpcCidr, e.availabilityZones)) k("eks.vpcCidr", reason);
    let min = 0, max = 0;
    for (const [name, g] of Object.entries(e.nodeGroups)) {
        if (g.maxSize < g.minSize) k(`eks.nodeGroups.${name}.maxSize`, `must be >= minSize (${g.minSize})`);
        if (g.desiredSize < g.minSize || g.desiredSize > g.maxSize) k(`eks.nodeGroups.${name}.desiredSize`, `must be between minSize and maxSize (${g.minSize}..${g.maxSize})`);
        min += g.minSize;
        max += g.maxSize;
    }
    if (min < e.minNodes) k("eks.nodeGroups", `minimum sizes add up to ${min}, below eks.minNodes (${e.minNodes})`);
    if (max > e.maxNodes) k("eks.nodeGroups", `maximum sizes add up to ${max}, above eks.maxNodes (${e.maxNodes})`);
    if (e.maxNodes < e.minNodes) k("eks.maxNodes", `must be >= eks.minNodes (${e.minNodes})`);
    return p;
}

/**
 * On-prem, egress stays closed: whatever reads the Kubernetes API (`apiReaders`, named for the
 * message) reaches it at the listed addresses only, and Prometheus scrapes the nodes at theirs.
 */
export function onPremAddressProblems(cluster: { apiServerCidrs: string[]; nodeCidrs: string[] }, apiReaders: string[], metrics: boolean): string[] {
    const p: string[] = [];
    if (apiReaders.length > 0 && cluster.apiServerCidrs.length === 0) {
        p.push(`cluster.apiServerCidrs: is required on-prem: ${apiReaders.join(", ")} reach the Kubernetes API, and NetworkPolicies allow it only at its addresses (kubectl get endpoints kubernetes -n default)`);
    }
    if (metrics && cluster.nodeCidrs.length === 0) {
        p.push("cluster.nodeCidrs: is required on-prem when observability.metrics is on: Prometheus scrapes the kubelets (10250) and node-exporter (9100) at the nodes' addresses, and NetworkPolicies allow it only there (kubectl get nodes -o wide)");
    }
    return p;
}
