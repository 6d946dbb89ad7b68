/**
 * NetworkPolicy building blocks every namespace's policies share (pitfall 7): namespaces are selected
 * by `kubernetes.io/metadata.name` (the only label each one always carries), DNS goes to kube-dns on
 * UDP and TCP 53, and the API server — not a pod — is addressed by CIDR and port.
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
 * Egress to the Kubernetes API server on its ports: at its CIDRs (`kubechat:cluster.apiServerCidrs`,
 * the VPC on EKS), or at any address outside the pod network when they are unknown.
 */
export function apiServerEgress(cidrs: string[]) {
    const to = (cidrs.length > 0 ? cidrs : ["0.0.0.0/0"]).map((cidr) => ({ ipBlock: { cidr } }));
    return { to, ports: tcp(...API_SERVER_PORTS) };
}
