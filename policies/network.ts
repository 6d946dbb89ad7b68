/**
 * Network: every application namespace starts from default-deny. A namespace is an application
 * namespace unless it is a system namespace (SYSTEM_NAMESPACES) or labelled kubechat.ai/system: "true".
 */
import { isSystem } from "./rbac";
import { KubechatStackPolicy, StackResource, asArray, groupBy, isEmptySelector, isK8s, isUnknown, kindOf, namespaceOf, objectName, perStack, stackPolicy } from "./rule";

export const SYSTEM_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease", "default", "istio-system"];

export const isKind = (r: StackResource, kind: string): boolean => isK8s(r.type) && kindOf(r.type) === kind;

/** NetworkPolicies of a namespace. One whose namespace is unknown until apply matches no namespace. */
const networkPoliciesByNamespace = perStack((resources: StackResource[]) =>
    groupBy(resources.filter((r) => isKind(r, "NetworkPolicy") && !isUnknown(r.props?.metadata?.namespace)), (r) => namespaceOf(r.props)));

export function networkPoliciesIn(resources: StackResource[], ns: string): StackResource[] {
    return networkPoliciesByNamespace(resources).get(ns) ?? [];
}

/**
 * Directions a NetworkPolicy restricts for the pods it selects: its policyTypes, or when unset the API
 * server's default (networking/v1 SetDefaults_NetworkPolicy): Ingress, plus Egress when egress rules exist.
 */
export function policyTypes(np: any): string[] {
    const types = asArray<string>(np?.spec?.policyTypes);
    if (types.length > 0) return types;
    return ["Ingress", ...(asArray(np?.spec?.egress).length > 0 ? ["Egress"] : [])];
}

/** podSelector {} with policyTypes Ingress and Egress and no allow rules. */
export function isDefaultDeny(np: any): boolean {
    const s = np?.spec ?? {};
    const types = asArray<string>(s.policyTypes);
    return isEmptySelector(s.podSelector ?? {}) && types.includes("Ingress") && types.includes("Egress")
        && asArray(s.ingress).length === 0 && asArray(s.egress).length === 0;
}

/** Namespaces exempt from the network rules: system names, or Namespace objects labelled as system. */
export function exemptNamespaces(resources: StackResource[]): Set<string> {
    const out = new Set(SYSTEM_NAMESPACES);
    for (const r of resources) if (isKind(r, "Namespace") && isSystem(r.props)) out.add(objectName(r.props, r.name));
    return out;
}

export const namespaceDefaultDeny: KubechatStackPolicy = stackPolicy({
    name: "namespace-default-deny",
    profile: "network",
    description: "Every application Namespace has a default-deny NetworkPolicy (podSelector {}, policyTypes Ingress+Egress, no rules).",
    enforcementLevel: "mandatory",
    checkStack: (resources) => {
        const exempt = exemptNamespaces(resources);
        return resources
            .filter((r) => isKind(r, "Namespace") && !isUnknown(r.props?.metadata?.name))
            .map((r) => ({ r, ns: objectName(r.props, r.name) }))
            .filter(({ ns }) => !exempt.has(ns) && !networkPoliciesIn(resources, ns).some((np) => isDefaultDeny(np.props)))
            .map(({ r, ns }) => ({
                resource: r,
                message: `Namespace ${ns}: no default-deny NetworkPolicy (spec.podSelector: {}, spec.policyTypes: [Ingress, Egress], no rules); `
                    + `add one or label the namespace kubechat.ai/system: "true"`,
            }));
    },
});

export const networkPolicies = [namespaceDefaultDeny];
