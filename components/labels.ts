/** Recommended `app.kubernetes.io/*` labels; every object the platform creates carries them. */
export const PART_OF = "kubechat";
export const MANAGED_BY = "pulumi";

export function recommendedLabels(name: string, component: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": MANAGED_BY,
        ...extra,
    };
}

export type PodSecurityLevel = "restricted" | "baseline" | "privileged";

/**
 * Pod Security admission labels: `enforce` at the level the namespace's pods need, `audit`/`warn`
 * at `report` (default: the same level) so departures from a stricter level stay visible.
 */
export function podSecurityLabels(enforce: PodSecurityLevel, report: PodSecurityLevel = enforce): Record<string, string> {
    return {
        "pod-security.kubernetes.io/enforce": enforce,
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/audit": report,
        "pod-security.kubernetes.io/warn": report,
    };
}

/**
 * On the one Service per KubeChat service that metrics are scraped through. A Rollout's stable, canary
 * and preview Services select the same pods: a ServiceMonitor matching them all would scrape each pod
 * once per Service and multiply every rate (and the HPA's per-pod request rate) by their number.
 */
export const SCRAPE_LABEL = { key: "kubechat.ai/scrape", value: "true" } as const;

/** The label Argo Rollouts puts on every pod of a ReplicaSet it manages (stable and canary differ). */
export const POD_TEMPLATE_HASH_LABEL = "rollouts-pod-template-hash";

/** Selector labels: the stable subset of the recommended labels (selectors are immutable). */
export function selectorLabels(name: string): Record<string, string> {
    return { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": PART_OF };
}
