/**
 * The rule table of policies/README.md, generated from the policies themselves: name, profile,
 * default level, scope and description come from each policy object, and the reason for each rule is
 * kept here beside them, keyed by name. `npm run gen:config` writes the table between the markers in
 * the README; a test fails when the README is stale or a policy has no reason.
 */
import { KubechatPolicy, PROFILES } from "./rule";

/** Why each rule exists: the README's last column. */
export const WHY: Record<string, string> = {
    "pss-host-process": "HostProcess containers get privileged access to the Windows node.",
    "pss-host-namespaces": "Sharing the node's network/PID/IPC namespaces breaks isolation.",
    "pss-privileged": "Privileged containers disable most security mechanisms.",
    "pss-capabilities-baseline": "Extra capabilities (NET_RAW, SYS_ADMIN…) are known escalation paths.",
    "pss-host-path": "hostPath exposes the node filesystem.",
    "pss-host-ports": "Host ports bypass network policy and pin pods to nodes.",
    "pss-apparmor": "Overriding or disabling the runtime AppArmor profile weakens confinement.",
    "pss-selinux": "Custom SELinux types, users or roles escape container confinement.",
    "pss-proc-mount": "An unmasked /proc exposes host kernel information; inside a user namespace it exposes only the pod's own.",
    "pss-seccomp-baseline": "Unconfined seccomp exposes the full syscall surface.",
    "pss-sysctls": "Unsafe sysctls affect the node or other pods.",
    "pss-probe-host": "A probe/hook host lets the kubelet make requests to arbitrary hosts (SSRF).",
    "pss-volume-types": "Only volume types defined through PVs or projected data are safe for untrusted pods.",
    "pss-privilege-escalation": "setuid binaries could regain root.",
    "pss-run-as-non-root": "Root in the container is one kernel bug from root on the node.",
    "pss-run-as-user": "UID 0 is root regardless of runAsNonRoot (outside a user namespace).",
    "pss-seccomp-restricted": "RuntimeDefault seccomp blocks rarely needed, dangerous syscalls.",
    "pss-capabilities-restricted": "Least privilege: start from no capabilities.",
    "pss-proc-mount-restricted": "Restricted does not take the user-namespace relaxation of baseline.",
    "kubechat-non-root": "Product rule: every KubeChat pod runs as an unprivileged user.",
    "kubechat-read-only-root-fs": "An immutable root filesystem stops tampering; writable paths are explicit emptyDirs.",
    "kubechat-resources": "Requests drive scheduling and HPA utilisation; limits contain noisy neighbours.",
    "kubechat-no-privilege-escalation": "Product rule, enforced even where the restricted profile is not.",
    "kubechat-image-pinned": "latest/untagged images make deploys irreproducible and air-gap mirrors incomplete.",
    "kubechat-approved-registry": "Air-gapped installs can only pull from mirrored registries.",
    "kubechat-probes": "Without probes, rollouts and the mesh send traffic to pods that are not ready or are hung.",
    "pdb-sanity": "A PDB with both or neither bound, or no selector, is rejected or protects nothing.",
    "recommended-labels": "Selection, dashboards and cost reports rely on the recommended labels.",
    "no-bare-pods": "Bare Pods are not rescheduled after node loss or drain.",
    "no-deprecated-apis": "Removed API versions fail on cluster upgrade.",
    "service-exposure": "Only gateways may be reachable from outside the cluster.",
    "no-literal-secrets": "Literals end up in state and manifests in clear.",
    "no-duplicate-env": "Only the last value takes effect, silently (kube-score environment-variable-key-duplication, kube-linter duplicate-env-var).",
    "secrets-as-files": "The environment is inherited by every child process and shows in /proc, crash dumps and `kubectl describe`-style tooling.",
    "hpa-declared-replicas": "Declared replicas reset the HPA on every update.",
    "canary-gated-weights": "A canary weight with no analysis step after it, or a step run too short to end inconclusive, lets an unmeasured canary advance (docs/observability.md).",
    "vpa-hpa-conflict": "VPA and HPA on the same resource fight each other.",
    "vpa-update-mode-auto": "updateMode Auto is deprecated.",
    "pdb-blocks-evictions": "A PDB that allows no eviction blocks node drains and upgrades.",
    "zone-anti-affinity-replicas": "Replicas beyond the zone count stay Pending.",
    "workload-network-policy": "Pods no policy selects, or selects for one direction only, accept or send any traffic.",
    "protect-stateful-resources": "Stateful resources in persistent stacks must survive a mistaken destroy or replace.",
    "rbac-no-wildcards": "Wildcards silently grant future resources and verbs.",
    "rbac-no-cluster-admin": "cluster-admin is full control of the cluster, whatever the role is called.",
    "rbac-no-escalation": "escalate/bind/impersonate and exec/attach are privilege-escalation paths.",
    "rbac-cluster-secrets-read": "One compromised pod with such a token reads every password of the cluster.",
    "rbac-webhook-config-writes": "Rewriting another webhook disables or hijacks admission control cluster-wide.",
    "sa-token-unbound": "A token nothing authorizes is of use only to an intruder (discovery, TokenReview-based impersonation of the workload).",
    "alertmanager-receiver": "Alerts that reach no one are worse than none: the dashboards look guarded.",
    "namespace-default-deny": "Traffic is denied unless a policy allows it.",
    "eks-private-endpoint": "A world-reachable API endpoint is an attack surface.",
    "eks-secrets-encryption": "Secrets in etcd are envelope-encrypted with a KMS key.",
    "eks-control-plane-logging": "API, audit and authenticator logs are needed for incident response.",
    "kms-key-rotation": "Yearly rotation limits key exposure.",
    "launch-template-ebs-encrypted": "Node volumes hold secrets, images and logs.",
    "launch-template-imdsv2": "IMDSv1 enables SSRF credential theft.",
    "s3-encryption": "Backups contain customer data.",
    "s3-versioning": "Versioning protects backups from overwrite and deletion.",
    "s3-public-access-block": "Buckets must never become public.",
};

export const RULES_BEGIN = "<!-- rules:begin -->";
export const RULES_END = "<!-- rules:end -->";

const cell = (s: string) => s.replace(/\|/g, "\\|");

/** The table, one row per policy, in profile order. */
export function ruleTable(policies: KubechatPolicy[]): string {
    const ordered = [...policies].sort((a, b) => PROFILES.indexOf(a.profile) - PROFILES.indexOf(b.profile));
    const rows = ordered.map((p) => {
        const scope = "checkStack" in p ? "cross-resource" : "resource";
        return `| \`${p.name}\` | ${p.profile} | ${p.enforcementLevel} | ${scope} | ${cell(p.description ?? "")} | ${cell(WHY[p.name] ?? "")} |`;
    });
    return ["| policy | profile | default level | scope | what it checks | why |", "|---|---|---|---|---|---|", ...rows].join("\n");
}

/** The README with the generated table between the markers. */
export function renderRulesReadme(current: string, policies: KubechatPolicy[]): string {
    const a = current.indexOf(RULES_BEGIN);
    const b = current.indexOf(RULES_END);
    if (a < 0 || b < a) throw new Error(`policies/README.md lacks the ${RULES_BEGIN} ... ${RULES_END} markers`);
    return current.slice(0, a + RULES_BEGIN.length) + "\n" + ruleTable(policies) + "\n" + current.slice(b);
}
