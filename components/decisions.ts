/**
 * Cross-cutting decisions: settings of one part of the stack that another part follows. Each is named
 * here (pure, tested) instead of being written inline where the platform is composed, so a reader
 * finds why Argo Rollouts runs two controllers or why the observability add-ons are HA in one place.
 * `platformArgs` (platform-args.ts) applies them, next to its other named decisions.
 */

/** The stack settings the decisions read (`StackConfig` satisfies it). */
export interface DecisionInputs {
    /** `kubechat:persistent`: a long-lived stack whose data and availability matter. */
    persistent: boolean;
    mesh: {
        /** `kubechat:mesh.ha`: istiod and the gateway run replicated. */
        ha: boolean;
    };
}

/** Where the platform runs replicated, by area. */
export interface HaDecision {
    /** Platform controllers that elect a leader (Argo Rollouts) follow the mesh's HA setting. */
    controllers: boolean;
    /** Prometheus, Alertmanager, the log pipeline and Elasticsearch are HA in persistent stacks. */
    observability: boolean;
    /** Argo CD (GitOps mode) runs the chart's HA layout in persistent stacks (redis-ha wants three nodes). */
    gitops: boolean;
}

export function ha(c: DecisionInputs): HaDecision {
    return { controllers: c.mesh.ha, observability: c.persistent, gitops: c.persistent };
}

/** Replicas of a leader-elected controller: one active and one standby when HA, else one. */
export function replicasFor(haOn: boolean): number {
    return haOn ? 2 : 1;
}

/**
 * The ingress gateway's Service type: `auto` is LoadBalancer on EKS (the AWS load-balancer integration
 * assigns an address) and NodePort on-prem, where a LoadBalancer Service gets an address only from an
 * implementation the cluster may not run (and the gateway release would wait for it into its timeout).
 */
export function ingressServiceType(c: { kind: "onprem" | "eks"; ingressServiceType: "auto" | "LoadBalancer" | "NodePort" | "ClusterIP" }): "LoadBalancer" | "NodePort" | "ClusterIP" {
    if (c.ingressServiceType !== "auto") return c.ingressServiceType;
    return c.kind === "eks" ? "LoadBalancer" : "NodePort";
}
