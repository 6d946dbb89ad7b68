/**
 * Namespace names by role. The app and data namespaces and the gateway namespace come from config;
 * the rest are fixed (add-ons and dashboards expect them). The component that owns a role creates
 * its namespace; others refer to it by these names (NetworkPolicies select them by
 * `kubernetes.io/metadata.name`).
 */

export interface NamespaceNames {
    app: string;
    data: string;
    istioSystem: string;
    gateway: string;
    monitoring: string;
    logging: string;
    tracing: string;
    delivery: string;
    velero: string;
    vpa: string;
    kubeSystem: string;
    trivy: string;
}

/** The configurable names: app and data namespaces, the gateway's namespace. */
export interface NamespaceSettings {
    app: { namespace: string };
    postgres: { namespace: string };
    mesh: { gatewayNamespace: string };
}

export function namespaceNames(c: NamespaceSettings): NamespaceNames {
    return {
        app: c.app.namespace,
        data: c.postgres.namespace,
        istioSystem: "istio-system",
        gateway: c.mesh.gatewayNamespace,
        monitoring: "monitoring",
        logging: "logging",
        tracing: "tracing",
        delivery: "argo-rollouts",
        velero: "velero",
        vpa: "vpa",
        kubeSystem: "kube-system",
        trivy: "trivy-system",
    };
}
