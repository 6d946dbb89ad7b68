/**
 * The mesh's rules over its settings, pure, so the config loader applies them before anything is
 * created. Problems are `path: reason` below the namespace.
 */
import { MeshConfig } from "./values";

/** Where the ingress gateway runs: its Service type, and whether an on-prem cluster gives it an address. */
export interface IngressInput {
    onPrem: boolean;
    serviceType: "LoadBalancer" | "NodePort" | "ClusterIP";
    /** `cluster.loadBalancer`: the on-prem cluster runs a load-balancer implementation. */
    loadBalancer: boolean;
}

export function meshProblems(m: MeshConfig, ingress: IngressInput): string[] {
    const p: string[] = [];
    if (!m.enabled) return p;
    if (ingress.onPrem && ingress.serviceType === "LoadBalancer" && !ingress.loadBalancer) {
        p.push("cluster.ingressServiceType: LoadBalancer on-prem needs a load-balancer implementation: set cluster.loadBalancer: true if the cluster runs one (MetalLB, kube-vip, k3s ServiceLB, an appliance controller), or use NodePort (or ClusterIP behind an existing load balancer); without one the gateway Service never gets an address and its release waits into its timeout");
    }
    if (m.ha && m.istiodReplicas < 2) p.push("mesh.istiodReplicas: must be >= 2 when mesh.ha is on (the istiod PDB keeps 1 available)");
    if (m.ha && m.istiodMaxReplicas < m.istiodReplicas) p.push(`mesh.istiodMaxReplicas: must be >= mesh.istiodReplicas (${m.istiodReplicas})`);
    if (m.ha && m.gatewayMaxReplicas < m.gatewayReplicas) p.push(`mesh.gatewayMaxReplicas: must be >= mesh.gatewayReplicas (${m.gatewayReplicas})`);
    return p;
}
