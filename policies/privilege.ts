/**
 * Least privilege of identities (profile rbac): who may read every Secret, who may rewrite the
 * cluster's admission webhooks, and which pods carry an API token they have no use for. Charts'
 * objects are judged like ours; where an add-on needs what a rule forbids, policies/chart-exceptions.yaml
 * holds the entry and its reason (that file is the allow-list of documented add-ons).
 */
import { podTemplate } from "./podspec";
import { ALL_VERBS, boundRole, grants, isRbac, isRbacResource } from "./rbac";
import {
    KubechatResourcePolicy, KubechatStackPolicy, StackResource, asArray, isUnknown, kindOf, namespaceOf, objectName, objectRef, perStack, resourcePolicy, stackPolicy,
} from "./rule";

const READ_VERBS = ["get", "list", "watch"];
/** Built-in ClusterRoles that read Secrets (kube-apiserver's bootstrap policy: admin and edit do, view does not). */
export const BUILTIN_SECRET_READERS = ["cluster-admin", "admin", "edit"];

/** The read verbs a rule grants on Secrets without narrowing them to named objects. */
export function secretReadVerbs(rule: any): string[] {
    if (asArray(rule?.resourceNames).length > 0) return [];
    return READ_VERBS.filter((v) => grants(rule, "", "secrets", v));
}

export const rbacClusterSecretsRead: KubechatStackPolicy = stackPolicy({
    name: "rbac-cluster-secrets-read",
    profile: "rbac",
    description: "No ClusterRoleBinding binds a role that reads Secrets (get, list or watch without resourceNames) in every namespace; "
        + "add-ons that must are written exceptions with their reason. Bind per namespace with RoleBindings instead.",
    enforcementLevel: "mandatory",
    checkStack: (resources) => resources.filter((r) => isRbacResource(r, ["ClusterRoleBinding"])).flatMap((b) => {
        const ref = objectRef(b.type, b.props, b.name);
        const name = b.props?.roleRef?.name;
        if (b.props?.roleRef?.kind === "ClusterRole" && BUILTIN_SECRET_READERS.includes(name) && name !== "cluster-admin") {
            return [{ resource: b, message: `${ref}: binds the built-in ClusterRole ${name}, which reads every Secret of the cluster; bind it per namespace with a RoleBinding` }];
        }
        const role = boundRole(resources, b);
        const rules = asArray(role?.props?.rules).map((r, i) => [i, secretReadVerbs(r)] as const).filter(([, v]) => v.length > 0);
        return rules.length ? [{
            resource: b,
            message: `${ref}: binds ClusterRole ${name}, which reads Secrets in every namespace (${rules.map(([i, v]) => `rules[${i}]: ${v.join(", ")}`).join("; ")}); `
                + "bind it per namespace with RoleBindings, or name the Secrets with resourceNames",
        }] : [];
    }),
});

export const WEBHOOK_CONFIGURATIONS = ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"];
const WRITE_VERBS = ALL_VERBS.filter((v) => !READ_VERBS.includes(v));

export const rbacWebhookConfigWrites: KubechatResourcePolicy = resourcePolicy({
    name: "rbac-webhook-config-writes",
    profile: "rbac",
    description: "ClusterRoles write admission webhook configurations (create/update/patch/delete on mutating- or validatingwebhookconfigurations) "
        + "only by resourceNames; create cannot be narrowed that way, so a rule granting it is reported too. (A namespaced Role cannot grant "
        + "these cluster-scoped kinds.)",
    enforcementLevel: "mandatory",
    check: (type, props, ctx) => {
        if (!isRbac(type, ["ClusterRole"])) return [];
        const ref = objectRef(type, props, ctx.name);
        return asArray(props.rules).flatMap((r, i) => {
            const named = asArray(r?.resourceNames).length > 0;
            return WEBHOOK_CONFIGURATIONS.flatMap((res) => {
                const verbs = WRITE_VERBS.filter((v) => grants(r, "admissionregistration.k8s.io", res, v) && (!named || v === "create" || v === "deletecollection"));
                return verbs.length ? [`${ref}: rules[${i}] grants ${verbs.join(", ")} on ${res} ${named ? "(resourceNames do not narrow create/deletecollection)" : "without resourceNames"}: `
                    + "it can rewrite any admission webhook of the cluster; name the add-on's own configuration"] : [];
            });
        });
    },
});

/** ServiceAccounts, by `namespace/name`, that some binding in view names (directly or through a service-account group). */
const boundAccounts = perStack((resources: StackResource[]) => {
    const named = new Set<string>();
    const groups = new Set<string>();
    for (const b of resources) {
        if (!isRbacResource(b, ["RoleBinding", "ClusterRoleBinding"])) continue;
        for (const s of asArray(b.props?.subjects)) {
            if (s?.kind === "ServiceAccount") named.add(`${s.namespace ?? namespaceOf(b.props)}/${s.name}`);
            else if (s?.kind === "Group" && typeof s.name === "string") groups.add(s.name);
        }
    }
    const accounts = new Map<string, StackResource>();
    for (const r of resources) if (kindOf(r.type) === "ServiceAccount") accounts.set(`${namespaceOf(r.props)}/${objectName(r.props, r.name)}`, r);
    return { named, groups, accounts };
});

export const saTokenUnbound: KubechatStackPolicy = stackPolicy({
    name: "sa-token-unbound",
    profile: "rbac",
    description: "A pod mounts its ServiceAccount's API token (automountServiceAccountToken not false on the pod or the account) only when some "
        + "RoleBinding or ClusterRoleBinding in view names that account: a token nothing authorizes is only of use to an intruder.",
    enforcementLevel: "mandatory",
    checkStack: (resources) => {
        const { named, groups, accounts } = boundAccounts(resources);
        return resources.flatMap((r) => {
            const pod = podTemplate(r.type, r.props);
            if (!pod) return [];
            const ns = namespaceOf(r.props);
            const sa = pod.spec?.serviceAccountName ?? pod.spec?.serviceAccount ?? "default";
            if (typeof sa !== "string" || isUnknown(sa) || isUnknown(ns)) return [];
            const account = accounts.get(`${ns}/${sa}`);
            const automount = pod.spec?.automountServiceAccountToken ?? account?.props?.automountServiceAccountToken ?? true;
            if (automount === false || isUnknown(automount)) return [];
            if (named.has(`${ns}/${sa}`) || groups.has("system:serviceaccounts") || groups.has(`system:serviceaccounts:${ns}`)) return [];
            return [{
                resource: r,
                message: `${objectRef(r.type, r.props, r.name)}: mounts the API token of ServiceAccount ${ns}/${sa}, which no RoleBinding or ClusterRoleBinding names; `
                    + "set automountServiceAccountToken: false (on the pod or the account)",
            }];
        });
    },
});

export const privilegePolicies = [rbacClusterSecretsRead, rbacWebhookConfigWrites, saTokenUnbound];
