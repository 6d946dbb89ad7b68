/**
 * RBAC: least privilege for the roles and bindings the program creates. Operators installed by charts
 * are Helm releases (their RBAC is not visible as objects), so every role we see is an app role unless
 * it is labelled `kubechat.ai/system: "true"` (the one documented exemption, shared with namespaces).
 */
import {
    KubechatResourcePolicy, KubechatStackPolicy, ResourceCheck, StackResource, asArray, isK8s, kindOf, labelsOf, namespaceOf, objectName, objectRef,
    parseType, resourcePolicy, stackPolicy,
} from "./rule";

/** Label that marks an object as platform/system rather than application (see README). */
export const SYSTEM_LABEL = "kubechat.ai/system";
export const isSystem = (props: any): boolean => labelsOf(props)[SYSTEM_LABEL] === "true";

const rbac = (name: string, description: string, check: ResourceCheck): KubechatResourcePolicy =>
    resourcePolicy({ name, profile: "rbac", description, enforcementLevel: "mandatory", check });

export const isRbac = (type: string, kinds: string[]) =>
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

/** The verbs of the built-in resource API (a rule listing all of them grants what "*" grants today). */
export const ALL_VERBS = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];

/** Does a rule grant `verb` on `group`/`resource` (resource may be `pods/exec`)? RBAC's own matching: a star, the exact name, or star-slash-subresource. */
export function grants(rule: any, group: string, resource: string, verb: string): boolean {
    const sub = resource.includes("/") ? resource.slice(resource.indexOf("/") + 1) : "";
    const groups = asArray<string>(rule?.apiGroups);
    const resources = asArray<string>(rule?.resources);
    const verbs = asArray<string>(rule?.verbs);
    return (groups.includes("*") || groups.includes(group))
        && resources.some((r) => r === "*" || r === resource || (sub !== "" && r === `*/${sub}`))
        && (verbs.includes("*") || verbs.includes(verb));
}

/** A rule equivalent to cluster-admin's: every API group, every resource, "*" or every verb (no resourceNames narrowing). */
export function grantsEverything(rule: any): boolean {
    const verbs = asArray<string>(rule?.verbs);
    return asArray<string>(rule?.apiGroups).includes("*") && asArray<string>(rule?.resources).includes("*")
        && asArray(rule?.resourceNames).length === 0 && (verbs.includes("*") || ALL_VERBS.every((v) => verbs.includes(v)));
}

export const isRbacResource = (r: StackResource, kinds: string[]) => isRbac(r.type, kinds);

/** The Role/ClusterRole a binding refers to, when it is in view: RoleBinding -> Role in its namespace or a ClusterRole. */
export function boundRole(resources: StackResource[], binding: StackResource): StackResource | undefined {
    const ref = binding.props?.roleRef ?? {};
    const kind = ref.kind === "Role" ? "Role" : "ClusterRole";
    return resources.find((r) => isRbacResource(r, [kind]) && objectName(r.props, r.name) === ref.name
        && (kind === "ClusterRole" || namespaceOf(r.props) === namespaceOf(binding.props)));
}

export const rbacNoClusterAdmin: KubechatStackPolicy = stackPolicy({
    name: "rbac-no-cluster-admin",
    profile: "rbac",
    description: "No RoleBinding or ClusterRoleBinding grants cluster-admin, by name or by a role in view that grants every verb on every resource.",
    enforcementLevel: "mandatory",
    checkStack: (resources) => resources.filter((r) => isRbacResource(r, ["RoleBinding", "ClusterRoleBinding"])).flatMap((b) => {
        const ref = objectRef(b.type, b.props, b.name);
        const name = b.props?.roleRef?.name;
        if (name === "cluster-admin") return [{ resource: b, message: `${ref}: roleRef must not be cluster-admin; bind a least-privilege role` }];
        const role = boundRole(resources, b);
        const i = role ? asArray(role.props?.rules).findIndex(grantsEverything) : -1;
        return role && i >= 0 ? [{
            resource: b,
            message: `${ref}: roleRef ${kindOf(role.type)} ${name} grants every verb on every resource (rules[${i}]), as cluster-admin does; bind a least-privilege role`,
        }] : [];
    }),
});

export const ESCALATION_VERBS = ["escalate", "bind", "impersonate"];
/** Resources the escalation verbs act on (escalate/bind on roles, impersonate on identities). */
const ESCALATION_TARGETS: [string, string][] = [
    ["rbac.authorization.k8s.io", "roles"], ["rbac.authorization.k8s.io", "clusterroles"],
    ["", "users"], ["", "groups"], ["", "serviceaccounts"],
];
export const EXEC_RESOURCES = ["pods/exec", "pods/attach"];
/** create opens the stream; get is upgraded to one (WebSocket/SPDY). list and watch only read the subresource's metadata. */
export const EXEC_VERBS = ["create", "get"];
export const rbacNoEscalation = rbac("rbac-no-escalation",
    "App roles (not labelled kubechat.ai/system: \"true\") grant no escalate/bind/impersonate and no create/get on pods/exec or pods/attach, named or through wildcards.",
    forRoles((r, i) => {
        const verbs = asArray<string>(r.verbs).filter((v) => ESCALATION_VERBS.includes(v));
        const wildEscalation = asArray<string>(r.verbs).includes("*")
            && ESCALATION_TARGETS.some(([g, res]) => grants(r, g, res, "*")) ? ["* (covers escalate, bind, impersonate)"] : [];
        const exec = EXEC_RESOURCES.filter((res) => EXEC_VERBS.some((v) => grants(r, "", res, v)));
        return [
            ...([...verbs, ...wildEscalation].length ? [`rules[${i}].verbs must not contain ${[...verbs, ...wildEscalation].join(", ")} in an app role`] : []),
            ...(exec.length ? [`rules[${i}] grants create/get on ${exec.join(", ")} (a shell in other pods) in an app role`] : []),
        ];
    }, true));

export const rbacPolicies = [rbacNoWildcards, rbacNoClusterAdmin, rbacNoEscalation];
