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

/** Selector labels: the stable subset of the recommended labels (selectors are immutable). */
export function selectorLabels(name: string): Record<string, string> {
    return { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": PART_OF };
}
