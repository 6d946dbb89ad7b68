/**
 * RBAC: least privilege for the roles and bindings the program creates. Operators installed by charts
 * are Helm releases (their RBAC is not visible as objects), so every role we see is an app role unless
 * it is labelled `kubechat.ai/system: "true"` (the one documented exemption, shared with namespaces).
 */
import { KubechatResourcePolicy, ResourceCheck, asArray, isK8s, kindOf, labelsOf, objectRef, parseType, resourcePolicy } from "./rule";

/** Label that marks an object as platform/system rather than application (see README). */
export const SYSTEM_LABEL = "kubechat.ai/system";
export const isSystem = (props: any): boolean => labelsOf(props)[SYSTEM_LABEL] === "true";

const rbac = (name: string, description: string, check: ResourceCheck): KubechatResourcePolicy =>
    resourcePolicy({ name, profile: "rbac", description, enforcementLevel: "mandatory", check });

const isRbac = (type: string, kinds: string[]) =>
    isK8s(type) && parseType(type).group === "rbac.authorization.k8s.io" && kinds.includes(kindOf(type));

/** Rules of a Role/ClusterRole as (index, rule) pairs, prefixed messages produced by `fn`. */
const forRoles = (fn: (rule: any, i: number) => string[], appOnly: boolean): ResourceCheck => (type, props, ctx) => {
    if (!isRbac(type, ["Role", "ClusterRole"]) || (appOnly && isSystem(props))) return [];
    const ref = objectRef(type, props, ctx.name);
    return asArray(props.rules).flatMap((r, i) => fn(r ?? {}, i).map((m) => `${ref}: ${m}`));
};

export const rbacNoWildcards = rbac("rbac-no-wildcards",
    "Roles and ClusterRoles list verbs, resources and apiGroups explicitly (no \"*\").",
    forRoles((r, i) => ["verbs", "resources", "apiGroups"]
        .filter((f) => asArray(r[f]).includes("*"))
        .map((f) => `rules[${i}].${f} must not contain "*"`), false));

export const rbacNoClusterAdmin = rbac("rbac-no-cluster-admin",
    "No RoleBinding or ClusterRoleBinding grants cluster-admin.",
    (type, props, ctx) => isRbac(type, ["RoleBinding", "ClusterRoleBinding"]) && props.roleRef?.name === "cluster-admin"
        ? [`${objectRef(type, props, ctx.name)}: roleRef must not be cluster-admin; bind a least-privilege role`] : []);

export const ESCALATION_VERBS = ["escalate", "bind", "impersonate"];
export const EXEC_RESOURCES = ["pods/exec", "pods/attach"];
export const rbacNoEscalation = rbac("rbac-no-escalation",
    "App roles (not labelled kubechat.ai/system: \"true\") have no escalate/bind/impersonate verbs and no pods/exec or pods/attach.",
    forRoles((r, i) => {
        const verbs = asArray<string>(r.verbs).filter((v) => ESCALATION_VERBS.includes(v));
        const res = asArray<string>(r.resources).filter((v) => EXEC_RESOURCES.includes(v));
        return [
            ...(verbs.length ? [`rules[${i}].verbs must not contain ${verbs.join(", ")} in an app role`] : []),
            ...(res.length ? [`rules[${i}].resources must not contain ${res.join(", ")} in an app role`] : []),
        ];
    }, true));

export const rbacPolicies = [rbacNoWildcards, rbacNoClusterAdmin, rbacNoEscalation];
