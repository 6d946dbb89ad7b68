/**
 * NetworkPolicy building blocks every namespace's policies share, so none breaks the mesh or the
 * app: namespaces are selected by `kubernetes.io/metadata.name` (the only label each one always
 * carries), DNS goes to kube-dns on UDP and TCP 53, and the API server — not a pod — is addressed by
 * CIDR and port.
 */
import type * as k8s from "@pulumi/kubernetes";

export type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

/** A NetworkPolicy body (metadata.name + spec); the component adds namespace and labels. */
export interface NetworkPolicyPlan {
    name: string;
    spec: NetworkPolicySpec;
}

/** Peer: every pod of a namespace. */
export const inNamespace = (ns: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } });

/** TCP ports of a rule. */
export const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: "TCP", port }));

/** podSelector {} with both policy types and no rules: everything not allowed elsewhere is denied. */
export const DEFAULT_DENY: NetworkPolicyPlan = { name: "default-deny", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } };

/** Egress to cluster DNS: kube-dns answers on UDP and, for large replies, TCP 53. */
export function dnsEgress(kubeSystem: string) {
    return {
        to: [{ ...inNamespace(kubeSystem), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
        ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
    };
}

/** API server ports: 443 (the `kubernetes` Service, EKS endpoint) and 6443 (the usual endpoint port after DNAT). */
export const API_SERVER_PORTS = [443, 6443];

/**
 * Egress to the Kubernetes API server on its ports, at its addresses (`kubechat:cluster.apiServerCidrs`
 * on-prem, the VPC on EKS) — never "anywhere": the config loader requires the addresses on-prem
 * whenever a component reads the API, so an empty list here is a programming error.
 */
export function apiServerEgress(cidrs: string[]) {
    if (cidrs.length === 0) throw new Error("apiServerEgress: no API server CIDRs (kubechat:cluster.apiServerCidrs)");
    return { to: cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp(...API_SERVER_PORTS) };
}

/** An object-store endpoint URL: host, port (the scheme's default when none is given). */
export function endpointAddress(endpoint: string): { host: string; port: number } {
    const u = new URL(endpoint);
    return { host: u.hostname, port: u.port ? Number(u.port) : u.protocol === "http:" ? 80 : 443 };
}

/** `<service>.<namespace>.svc[.cluster.local]`: an in-cluster Service, reachable as that namespace's pods. */
export function inClusterNamespace(host: string): string | undefined {
    return /^[a-z0-9-]+\.([a-z0-9-]+)\.svc(\.cluster\.local)?$/.exec(host)?.[1];
}

const IPV4 = /^(\d{1,3}\.){3}\d{1,3}$/;

/** Why a host outside the pod network cannot be made NetworkPolicy peers (undefined when it can); `what` names its config key. */
function hostProblem(host: string, cidrs: string[], what: string): string | undefined {
    if (IPV4.test(host) || inClusterNamespace(host) !== undefined || cidrs.length > 0) return undefined;
    return `is required when ${what} names a host outside the cluster (${host}): NetworkPolicies match addresses, not names`;
}

/**
 * A rule over a URL setting, or none when the URL does not parse: the setting's own schema rule
 * reports that, so the config does not say it twice.
 */
export function unlessUnparsable(rule: () => string | undefined): string | undefined {
    try {
        return rule();
    } catch {
        return undefined;
    }
}

/**
 * Why a service URL outside the pod network (an S3-compatible object store, an external
 * Elasticsearch) cannot be turned into NetworkPolicy peers, or undefined when it can: an IP address or
 * an in-cluster Service needs nothing more; any other host name needs its addresses as CIDRs, since
 * NetworkPolicies match addresses, not names. `what` names the URL's config key in the message.
 */
export function endpointProblem(endpoint: string, cidrs: string[], what = "objectStore.endpoint"): string | undefined {
    return hostProblem(endpointAddress(endpoint).host, cidrs, what);
}

/** Egress to host:port at its IP address, its Service's namespace or `cidrs` (`cidrsKey`, named when they are missing). */
function addressEgress(a: { host: string; port: number }, cidrs: string[], cidrsKey: string, what: string) {
    const problem = hostProblem(a.host, cidrs, what);
    if (problem) throw new Error(`kubechat:${cidrsKey} ${problem}`);
    const ns = inClusterNamespace(a.host);
    const to = IPV4.test(a.host) ? [{ ipBlock: { cidr: `${a.host}/32` } }] : ns !== undefined ? [{ ...inNamespace(ns), podSelector: {} }] : cidrs.map((cidr) => ({ ipBlock: { cidr } }));
    return { to, ports: tcp(a.port) };
}

/** `endpointProblem` for `kubechat:objectStore.endpoint`. */
export function objectStoreProblem(endpoint: string, cidrs: string[]): string | undefined {
    return endpointProblem(endpoint, cidrs);
}

/**
 * Egress to a service URL: its port only, at its IP address, its Service's namespace or `cidrs`.
 * `cidrsKey` is the config key of `cidrs`, named when they are missing.
 */
export function endpointEgress(endpoint: string, cidrs: string[], cidrsKey = "objectStore.cidrs", what = "objectStore.endpoint") {
    return addressEgress(endpointAddress(endpoint), cidrs, cidrsKey, what);
}

/** Egress to an S3-compatible endpoint: its port only, at its address, Service namespace or CIDRs. */
export function objectStoreEgress(endpoint: string, cidrs: string[]) {
    return endpointEgress(endpoint, cidrs);
}

/**
 * Egress of a backup writer (WAL-G, pg_dump, Velero, Elasticsearch snapshots): the S3-compatible
 * endpoint's address and port on-prem; without an endpoint (AWS S3 through IRSA), HTTPS on 443 to any
 * address — S3, STS and EC2 have no fixed addresses, and IAM limits what the pod may do there.
 */
export function backupStoreEgress(endpoint: string | undefined, cidrs: string[]) {
    return endpoint ? objectStoreEgress(endpoint, cidrs) : { ports: tcp(443) };
}

/** host and port of a Git URL: https/http/ssh URLs, or scp-like `user@host:path` (SSH, port 22). */
export function gitEndpoint(repoURL: string): { host: string; port: number } {
    const scp = /^[\w.-]+@([\w.-]+):/.exec(repoURL);
    if (scp && !repoURL.includes("://")) return { host: scp[1], port: 22 };
    if (repoURL.startsWith("ssh://")) {
        const u = new URL(repoURL);
        return { host: u.hostname, port: u.port ? Number(u.port) : 22 };
    }
    return endpointAddress(repoURL);
}

/** Why the repo-server's Git egress cannot be written for this repository (undefined when it can). */
export function gitEgressProblem(repoURL: string, cidrs: string[]): string | undefined {
    return hostProblem(gitEndpoint(repoURL).host, cidrs, "gitops.repoURL");
}

/** Argo CD repo-server's egress to Git: the repository's port, at its IP, its Service's namespace, or `cidrs`. */
export function gitEgress(repoURL: string, cidrs: string[]) {
    return addressEgress(gitEndpoint(repoURL), cidrs, "gitops.repoCidrs", "gitops.repoURL");
}
