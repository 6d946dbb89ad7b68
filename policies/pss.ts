/**
 * Kubernetes Pod Security Standards, one policy per control, as the Pod Security Admission checks
 * (k8s.io/pod-security-admission, policy/check_*.go) evaluate the `latest` policy version of
 * Kubernetes v1.37: the check logic of release-1.36 (policy version v1.35: user-namespace relaxations,
 * procMount split into baseline and restricted, image volumes, probe/lifecycle hosts) plus the two
 * safe sysctls policy version v1.37 adds. Every control looks at containers, initContainers and
 * ephemeralContainers alike, and at pod-level fields where upstream does. Values unknown until apply
 * are never judged.
 *
 * Deliberately skipped: the optional "Non-root groups" restricted control (not part of the standard
 * profiles enforced by Pod Security Admission), and host-port allow-lists (upstream: "known list" —
 * we allow none, like the built-in admission controller).
 * Windows: as upstream, pods with spec.os.name "windows" are exempt from the restricted
 * privilege-escalation, seccomp and capabilities controls (they are Linux-only).
 */
import { ContainerRef, PodTemplate, containersOf, podCheck } from "./podspec";
import { KubechatResourcePolicy, asArray, isUnknown, resourcePolicy } from "./rule";

type PodRule = (pod: PodTemplate) => string[];

const scOf = (c: any): any => c?.securityContext ?? {};
const podSc = (pod: PodTemplate): any => pod.spec.securityContext ?? {};
const isSet = (v: unknown): boolean => v !== undefined && v !== null && !isUnknown(v);
const isWindows = (pod: PodTemplate): boolean => pod.spec.os?.name === "windows";
/**
 * Upstream relaxPolicyForUserNamespacePod (policy v1.35+): a pod with `hostUsers: false` runs in a user
 * namespace, so root in the container is not root on the node.
 */
export const inUserNamespace = (pod: PodTemplate): boolean => pod.spec.hostUsers === false;

/** Checks `securityContext.<path>` at pod level (when `podLevel`) and on every container. */
function securityField(
    pod: PodTemplate,
    path: string[],
    allowed: (v: any) => boolean,
    what: string,
    podLevel = true,
): string[] {
    const get = (o: any) => path.reduce((acc, k) => (acc == null ? undefined : acc[k]), o);
    const field = `securityContext.${path.join(".")}`;
    const out: string[] = [];
    const pv = get(podSc(pod));
    if (podLevel && isSet(pv) && !allowed(pv)) out.push(`${pod.specPath}.${field} is ${JSON.stringify(pv)}; ${what}`);
    for (const c of containersOf(pod.spec)) {
        const v = get(scOf(c.container));
        if (isSet(v) && !allowed(v)) out.push(`${c.label} ${field} is ${JSON.stringify(v)}; ${what}`);
    }
    return out;
}

const pss = (
    name: string,
    profile: "pss-baseline" | "pss-restricted",
    description: string,
    rule: PodRule,
): KubechatResourcePolicy =>
    resourcePolicy({ name, profile, description, enforcementLevel: "mandatory", check: podCheck((pod) => rule(pod)) });

// ---- baseline ----------------------------------------------------------------------------------

export const pssHostProcess = pss("pss-host-process", "pss-baseline",
    "PSS baseline HostProcess: windowsOptions.hostProcess must be unset or false (pod and containers).",
    (pod) => securityField(pod, ["windowsOptions", "hostProcess"], (v) => v === false, "HostProcess containers are not allowed"));

export const pssHostNamespaces = pss("pss-host-namespaces", "pss-baseline",
    "PSS baseline host namespaces: hostNetwork, hostPID and hostIPC must be unset or false.",
    (pod) => ["hostNetwork", "hostPID", "hostIPC"]
        .filter((f) => isSet(pod.spec[f]) && pod.spec[f] !== false)
        .map((f) => `${pod.specPath}.${f} must be unset or false (sharing host namespaces is not allowed)`));

export const pssPrivileged = pss("pss-privileged", "pss-baseline",
    "PSS baseline privileged containers: securityContext.privileged must be unset or false.",
    (pod) => securityField(pod, ["privileged"], (v) => v === false, "privileged containers are not allowed", false));

/** Upstream baseline list of capabilities that may be added. */
export const BASELINE_CAPABILITIES = [
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
    "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
];

function addedCapabilities(c: ContainerRef, allowed: string[], what: string): string[] {
    const add = scOf(c.container).capabilities?.add;
    if (isUnknown(add)) return [];
    const bad = asArray<string>(add).filter((cap) => !isUnknown(cap) && !allowed.includes(cap));
    return bad.length ? [`${c.label} securityContext.capabilities.add contains ${bad.join(", ")}; ${what}`] : [];
}

export const pssCapabilitiesBaseline = pss("pss-capabilities-baseline", "pss-baseline",
    "PSS baseline capabilities: capabilities.add may only contain the upstream default set.",
    (pod) => containersOf(pod.spec).flatMap((c) =>
        addedCapabilities(c, BASELINE_CAPABILITIES, `only ${BASELINE_CAPABILITIES.join(", ")} may be added`)));

export const pssHostPath = pss("pss-host-path", "pss-baseline",
    "PSS baseline HostPath volumes: spec.volumes[*].hostPath must be unset.",
    (pod) => asArray(pod.spec.volumes).filter((v) => isSet(v?.hostPath))
        .map((v) => `${pod.specPath}.volumes "${v.name}" must not use hostPath`));

export const pssHostPorts = pss("pss-host-ports", "pss-baseline",
    "PSS baseline host ports: ports[*].hostPort must be unset or 0.",
    (pod) => containersOf(pod.spec).flatMap((c) => asArray(c.container.ports)
        .filter((p) => isSet(p?.hostPort) && p.hostPort !== 0)
        .map((p) => `${c.label} ports[].hostPort is ${p.hostPort}; host ports are not allowed (unset or 0)`)));

const APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";
/** Upstream allowedProfile: empty, runtime/default or localhost/<name>. */
const allowedAppArmorAnnotation = (v: string): boolean => v === "" || v === "runtime/default" || v.startsWith("localhost/");
export const pssAppArmor = pss("pss-apparmor", "pss-baseline",
    "PSS baseline AppArmor: appArmorProfile.type must be RuntimeDefault or Localhost and the legacy annotation runtime/default or localhost/*.",
    (pod) => {
        const out = securityField(pod, ["appArmorProfile", "type"], (v) => v === "RuntimeDefault" || v === "Localhost",
            "only RuntimeDefault or Localhost are allowed");
        for (const [k, v] of Object.entries(pod.metadata?.annotations ?? {})) {
            if (!k.startsWith(APPARMOR_ANNOTATION) || !isSet(v)) continue;
            if (!allowedAppArmorAnnotation(String(v))) {
                out.push(`${pod.metaPath}.annotations["${k}"] is "${v}"; only runtime/default or localhost/* are allowed`);
            }
        }
        return out;
    });

export const SELINUX_TYPES = ["container_t", "container_init_t", "container_kvm_t", "container_engine_t"];
export const pssSeLinux = pss("pss-selinux", "pss-baseline",
    "PSS baseline SELinux: seLinuxOptions.type only container_t/container_init_t/container_kvm_t/container_engine_t; user and role unset.",
    (pod) => [
        ...securityField(pod, ["seLinuxOptions", "type"], (v) => v === "" || SELINUX_TYPES.includes(v),
            `only ${SELINUX_TYPES.join(", ")} are allowed`),
        ...securityField(pod, ["seLinuxOptions", "user"], (v) => v === "", "a custom SELinux user is not allowed"),
        ...securityField(pod, ["seLinuxOptions", "role"], (v) => v === "", "a custom SELinux role is not allowed"),
    ]);

const procMountDefault: PodRule = (pod) =>
    securityField(pod, ["procMount"], (v) => v === "Default", "only the Default /proc mount is allowed", false);
export const pssProcMount = pss("pss-proc-mount", "pss-baseline",
    "PSS baseline /proc mount type: securityContext.procMount must be unset or Default, unless the pod runs in a user namespace (hostUsers: false).",
    (pod) => inUserNamespace(pod) ? [] : procMountDefault(pod));

export const pssSeccompBaseline = pss("pss-seccomp-baseline", "pss-baseline",
    "PSS baseline seccomp: seccompProfile.type must not be Unconfined (unset, RuntimeDefault or Localhost).",
    (pod) => securityField(pod, ["seccompProfile", "type"], (v) => v === "RuntimeDefault" || v === "Localhost",
        "the seccomp profile must not be Unconfined"));

/**
 * Upstream baseline "safe" sysctls (namespaced, isolated from other pods and the node), by the policy
 * version that allowed them: v1.0 five, v1.27 ip_local_reserved_ports, v1.29 the tcp keepalive/fin
 * four, v1.32 tcp_rmem/tcp_wmem, v1.37 tcp_slow_start_after_idle/tcp_notsent_lowat.
 */
export const SAFE_SYSCTLS = [
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem",
    "net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat",
];
export const pssSysctls = pss("pss-sysctls", "pss-baseline",
    "PSS baseline sysctls: only the upstream safe set may be set.",
    (pod) => asArray(podSc(pod).sysctls)
        .filter((s) => isSet(s?.name) && !SAFE_SYSCTLS.includes(s.name))
        .map((s) => `${pod.specPath}.securityContext.sysctls sets "${s.name}", which is not in the safe set`));

const PROBES = ["livenessProbe", "readinessProbe", "startupProbe"];
const HOOKS = ["postStart", "preStop"];
/** Upstream (v1.34+): the host field of probes and lifecycle handlers must be undefined or "". */
export const pssProbeHost = pss("pss-probe-host", "pss-baseline",
    "PSS baseline host probes / lifecycle hooks: httpGet.host and tcpSocket.host must be unset or empty.",
    (pod) => containersOf(pod.spec).flatMap((c) => {
        const handlers: [string, any][] = [
            ...PROBES.map((p): [string, any] => [p, c.container[p]]),
            ...HOOKS.map((h): [string, any] => [`lifecycle.${h}`, c.container.lifecycle?.[h]]),
        ];
        return handlers.flatMap(([path, h]) => ["httpGet", "tcpSocket"]
            .filter((a) => isSet(h?.[a]?.host) && h[a].host !== "")
            .map((a) => `${c.label} ${path}.${a}.host must be unset (is "${h[a].host}")`));
    }));

// ---- restricted --------------------------------------------------------------------------------

/** Upstream restrictedVolumes allow-list (`image` since Kubernetes v1.33, patched into every policy version). */
export const RESTRICTED_VOLUME_TYPES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret"];
export const pssVolumeTypes = pss("pss-volume-types", "pss-restricted",
    "PSS restricted volume types: only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected, secret.",
    (pod) => asArray(pod.spec.volumes).flatMap((v) => {
        const bad = Object.keys(v ?? {}).filter((k) => k !== "name" && !RESTRICTED_VOLUME_TYPES.includes(k));
        return bad.length ? [`${pod.specPath}.volumes "${v.name}" uses ${bad.join(", ")}; only ${RESTRICTED_VOLUME_TYPES.join(", ")} are allowed`] : [];
    }));

/** allowPrivilegeEscalation must be exactly false on every container (shared with the kubechat profile). */
export const noPrivilegeEscalation: PodRule = (pod) => isWindows(pod) ? [] : containersOf(pod.spec)
    .filter((c) => scOf(c.container).allowPrivilegeEscalation !== false && !isUnknown(scOf(c.container).allowPrivilegeEscalation))
    .map((c) => `${c.label} must set securityContext.allowPrivilegeEscalation: false`);
export const pssPrivilegeEscalation = pss("pss-privilege-escalation", "pss-restricted",
    "PSS restricted privilege escalation: every container sets allowPrivilegeEscalation: false.", noPrivilegeEscalation);

/** runAsNonRoot: true at pod level (containers may leave it unset) or on every container; false nowhere. */
export const runAsNonRoot: PodRule = (pod) => {
    const pv = podSc(pod).runAsNonRoot;
    if (isUnknown(pv)) return [];
    const out = pv === false ? [`${pod.specPath}.securityContext.runAsNonRoot must not be false`] : [];
    for (const c of containersOf(pod.spec)) {
        const v = scOf(c.container).runAsNonRoot;
        if (isUnknown(v)) continue;
        // A container's setting overrides the pod's (upstream: container fields may be unset if the pod sets true).
        const effective = v ?? pv;
        if (effective !== true) {
            out.push(v === false
                ? `${c.label} must not set securityContext.runAsNonRoot: false`
                : `${c.label} must set securityContext.runAsNonRoot: true (or set it on the pod)`);
        }
    }
    return out;
};
export const pssRunAsNonRoot = pss("pss-run-as-non-root", "pss-restricted",
    "PSS restricted running as non-root: runAsNonRoot true on the pod or every container, false nowhere (not judged for hostUsers: false).",
    (pod) => inUserNamespace(pod) ? [] : runAsNonRoot(pod));

export const runAsUserNonZero: PodRule = (pod) =>
    securityField(pod, ["runAsUser"], (v) => v !== 0, "running as UID 0 (root) is not allowed");
export const pssRunAsUser = pss("pss-run-as-user", "pss-restricted",
    "PSS restricted running as non-root user: runAsUser must not be 0 (pod and containers; not judged for hostUsers: false).",
    (pod) => inUserNamespace(pod) ? [] : runAsUserNonZero(pod));

/** Upstream procMount_restricted (policy v1.35): user namespaces do not relax /proc masking under restricted. */
export const pssProcMountRestricted = pss("pss-proc-mount-restricted", "pss-restricted",
    "PSS restricted /proc mount type: securityContext.procMount must be unset or Default, also for pods with hostUsers: false.",
    procMountDefault);

const SECCOMP_RESTRICTED = ["RuntimeDefault", "Localhost"];
export const pssSeccompRestricted = pss("pss-seccomp-restricted", "pss-restricted",
    "PSS restricted seccomp: seccompProfile.type RuntimeDefault or Localhost on the pod or every container.",
    (pod) => {
        if (isWindows(pod)) return [];
        const pv = podSc(pod).seccompProfile?.type;
        if (isUnknown(pv)) return [];
        const out = isSet(pv) && !SECCOMP_RESTRICTED.includes(pv)
            ? [`${pod.specPath}.securityContext.seccompProfile.type is "${pv}"; must be RuntimeDefault or Localhost`] : [];
        for (const c of containersOf(pod.spec)) {
            const v = scOf(c.container).seccompProfile?.type;
            if (isUnknown(v)) continue;
            if (isSet(v) && !SECCOMP_RESTRICTED.includes(v)) {
                out.push(`${c.label} securityContext.seccompProfile.type is "${v}"; must be RuntimeDefault or Localhost`);
            } else if (!isSet(v) && !isSet(pv)) {
                out.push(`${c.label} must set securityContext.seccompProfile.type: RuntimeDefault (or set it on the pod)`);
            }
        }
        return out;
    });

export const pssCapabilitiesRestricted = pss("pss-capabilities-restricted", "pss-restricted",
    "PSS restricted capabilities: every container drops ALL and adds at most NET_BIND_SERVICE.",
    (pod) => isWindows(pod) ? [] : containersOf(pod.spec).flatMap((c) => {
        const drop = scOf(c.container).capabilities?.drop;
        const out = isUnknown(drop) || asArray(drop).includes("ALL")
            ? [] : [`${c.label} must set securityContext.capabilities.drop: ["ALL"]`];
        return [...out, ...addedCapabilities(c, ["NET_BIND_SERVICE"], "only NET_BIND_SERVICE may be added")];
    }));

export const pssBaselinePolicies = [
    pssHostProcess, pssHostNamespaces, pssPrivileged, pssCapabilitiesBaseline, pssHostPath, pssHostPorts,
    pssAppArmor, pssSeLinux, pssProcMount, pssSeccompBaseline, pssSysctls, pssProbeHost,
];
export const pssRestrictedPolicies = [
    pssVolumeTypes, pssPrivilegeEscalation, pssRunAsNonRoot, pssRunAsUser, pssSeccompRestricted, pssCapabilitiesRestricted,
    pssProcMountRestricted,
];
