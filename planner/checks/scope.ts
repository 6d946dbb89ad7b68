/**
 * Where a rendered object lives: Helm leaves metadata.namespace out of most rendered objects, and the
 * release's namespace is theirs unless the kind is cluster-scoped. Shared by the plan's chart checks
 * and `policy check` over a plan's rendered/, so both see the same objects.
 */

/** Kinds without a namespace (Helm leaves metadata.namespace out of most rendered objects). */
const CLUSTER_SCOPED = new Set([
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "StorageClass",
    "PriorityClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService", "IngressClass",
    "RuntimeClass", "CSIDriver", "VolumeAttachment", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
    "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding", "PodSecurityPolicy", "ComponentStatus",
]);

/** A rendered object with its namespace made explicit (what the API server stores). */
export function withNamespace(o: any, namespace: string, clusterScopedKinds: Set<string>): any {
    if (CLUSTER_SCOPED.has(o.kind) || clusterScopedKinds.has(o.kind) || o.metadata?.namespace) return o;
    return { ...o, metadata: { ...(o.metadata ?? {}), namespace } };
}

/** The kinds the CRDs among `objects` declare cluster-scoped. */
export function clusterScopedKindsOf(objects: any[]): Set<string> {
    return new Set(objects.filter((o) => o?.kind === "CustomResourceDefinition" && o.spec?.scope === "Cluster").map((c) => c.spec.names.kind));
}
