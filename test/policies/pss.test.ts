/**
 * Pod Security Standards: cases from the upstream definition of each control
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/): every restricted field with
 * allowed and forbidden values, for containers, initContainers and ephemeralContainers, and for the pod
 * templates of every workload kind.
 */
import * as assert from "assert";
import { runPolicies } from "../../policies/runner";
import { BASELINE_CAPABILITIES, RESTRICTED_VOLUME_TYPES, SAFE_SYSCTLS, SELINUX_TYPES, pssBaselinePolicies, pssRestrictedPolicies } from "../../policies/pss";
import { KubechatResourcePolicy } from "../../policies/rule";
import { compliantContainer, compliantPodSpec } from "./fixtures";

const byName = new Map([...pssBaselinePolicies, ...pssRestrictedPolicies].map((p) => [p.name, p as KubechatResourcePolicy]));
const ctx = { name: "p", approvedRegistries: [], persistent: false, zones: 3 };

/** A restricted-compliant Pod with an init and an ephemeral container; `edit` changes it. */
function pod(edit: (spec: any, meta: any) => void = () => undefined): any {
    const spec = compliantPodSpec();
    spec.initContainers = [{ ...compliantContainer("init") }];
    spec.ephemeralContainers = [{ ...compliantContainer("debug") }];
    const meta: any = { name: "p", namespace: "ns", annotations: {} };
    edit(spec, meta);
    return { apiVersion: "v1", kind: "Pod", metadata: meta, spec };
}
const check = (policy: string, props: any, type = "kubernetes:core/v1:Pod") => byName.get(policy)!.check(type, props, ctx);
const passes = (policy: string, edit: (s: any, m: any) => void) => assert.deepStrictEqual(check(policy, pod(edit)), []);
const fails = (policy: string, edit: (s: any, m: any) => void, re: RegExp) => {
    const ms = check(policy, pod(edit));
    assert.ok(ms.some((m) => re.test(m)), `${policy}: expected ${re}, got ${JSON.stringify(ms)}`);
};

const FIELDS = ["containers", "initContainers", "ephemeralContainers"] as const;
const LABEL = { containers: "container", initContainers: "initContainer", ephemeralContainers: "ephemeralContainer" };
/** Sets securityContext.<key> on the first container of `field`. */
const setSc = (field: string, key: string, value: any) => (s: any) => { s[field][0].securityContext[key] = value; };

describe("PSS baseline (upstream controls)", () => {
    it("the fixture pod is compliant with every control", () => {
        for (const p of byName.keys()) assert.deepStrictEqual(check(p, pod()), [], p);
    });

    it("HostProcess: windowsOptions.hostProcess allowed undefined/false; true forbidden at pod and container level", () => {
        passes("pss-host-process", (s) => { s.securityContext.windowsOptions = { hostProcess: false }; });
        fails("pss-host-process", (s) => { s.securityContext.windowsOptions = { hostProcess: true }; }, /^Pod ns\/p: spec.securityContext.windowsOptions.hostProcess is true/);
        for (const f of FIELDS) fails("pss-host-process", setSc(f, "windowsOptions", { hostProcess: true }), new RegExp(`${LABEL[f]} "[\\w-]+" securityContext.windowsOptions.hostProcess`));
    });

    it("Host namespaces: hostNetwork, hostPID, hostIPC allowed undefined/false", () => {
        for (const f of ["hostNetwork", "hostPID", "hostIPC"]) {
            passes("pss-host-namespaces", (s) => { s[f] = false; });
            fails("pss-host-namespaces", (s) => { s[f] = true; }, new RegExp(`spec.${f} must be unset or false`));
        }
    });

    it("Privileged: privileged allowed undefined/false on every container kind", () => {
        for (const f of FIELDS) {
            passes("pss-privileged", setSc(f, "privileged", false));
            fails("pss-privileged", setSc(f, "privileged", true), new RegExp(`${LABEL[f]} .* securityContext.privileged is true`));
        }
    });

    it("Capabilities: add only the upstream default set", () => {
        assert.deepStrictEqual(BASELINE_CAPABILITIES.length, 13);
        for (const cap of BASELINE_CAPABILITIES) passes("pss-capabilities-baseline", (s) => { s.containers[0].securityContext.capabilities.add = [cap]; });
        for (const cap of ["NET_RAW", "NET_ADMIN", "SYS_ADMIN", "SYS_PTRACE", "ALL"]) {
            for (const f of FIELDS) fails("pss-capabilities-baseline", (s) => { s[f][0].securityContext.capabilities.add = [cap]; }, new RegExp(`${LABEL[f]} .*capabilities.add contains ${cap}`));
        }
    });

    it("HostPath volumes: forbidden", () => {
        fails("pss-host-path", (s) => { s.volumes.push({ name: "h", hostPath: { path: "/" } }); }, /volumes "h" must not use hostPath/);
    });

    it("Host ports: allowed undefined or 0", () => {
        for (const f of FIELDS) {
            passes("pss-host-ports", (s) => { s[f][0].ports = [{ containerPort: 80, hostPort: 0 }]; });
            fails("pss-host-ports", (s) => { s[f][0].ports = [{ containerPort: 80, hostPort: 80 }]; }, new RegExp(`${LABEL[f]} .*hostPort is 80`));
        }
    });

    it("AppArmor: type RuntimeDefault/Localhost; annotation runtime/default or localhost/*", () => {
        for (const t of ["RuntimeDefault", "Localhost"]) {
            passes("pss-apparmor", (s) => { s.securityContext.appArmorProfile = { type: t }; });
            passes("pss-apparmor", setSc("containers", "appArmorProfile", { type: t }));
        }
        fails("pss-apparmor", (s) => { s.securityContext.appArmorProfile = { type: "Unconfined" }; }, /spec.securityContext.appArmorProfile.type is "Unconfined"/);
        for (const f of FIELDS) fails("pss-apparmor", setSc(f, "appArmorProfile", { type: "Unconfined" }), new RegExp(`${LABEL[f]} .*appArmorProfile.type`));
        const ann = "container.apparmor.security.beta.kubernetes.io/api-gateway";
        for (const v of ["runtime/default", "localhost/my-profile", ""]) passes("pss-apparmor", (_s, m) => { m.annotations[ann] = v; });
        fails("pss-apparmor", (_s, m) => { m.annotations[ann] = "unconfined"; }, /metadata.annotations\["container.apparmor.security.beta.kubernetes.io\/api-gateway"\] is "unconfined"/);
    });

    it("SELinux: type undefined/''/container_t/container_init_t/container_kvm_t/container_engine_t; user and role unset", () => {
        for (const t of ["", ...SELINUX_TYPES]) {
            passes("pss-selinux", (s) => { s.securityContext.seLinuxOptions = { type: t, level: "s0:c123,c456" }; });
            passes("pss-selinux", setSc("initContainers", "seLinuxOptions", { type: t }));
        }
        fails("pss-selinux", (s) => { s.securityContext.seLinuxOptions = { type: "spc_t" }; }, /seLinuxOptions.type is "spc_t"/);
        for (const f of FIELDS) {
            fails("pss-selinux", setSc(f, "seLinuxOptions", { user: "system_u" }), new RegExp(`${LABEL[f]} .*seLinuxOptions.user .*custom SELinux user`));
            fails("pss-selinux", setSc(f, "seLinuxOptions", { role: "system_r" }), /custom SELinux role/);
        }
    });

    it("/proc mount: undefined or Default; any value in a user namespace (hostUsers: false, policy v1.35)", () => {
        for (const f of FIELDS) {
            passes("pss-proc-mount", setSc(f, "procMount", "Default"));
            fails("pss-proc-mount", setSc(f, "procMount", "Unmasked"), new RegExp(`${LABEL[f]} .*procMount is "Unmasked"`));
            passes("pss-proc-mount", (s) => { s.hostUsers = false; s[f][0].securityContext.procMount = "Unmasked"; });
            fails("pss-proc-mount", (s) => { s.hostUsers = true; s[f][0].securityContext.procMount = "Unmasked"; }, /procMount is "Unmasked"/);
        }
    });

    it("Seccomp: undefined, RuntimeDefault or Localhost — Unconfined forbidden at pod and container level", () => {
        passes("pss-seccomp-baseline", (s) => { delete s.securityContext.seccompProfile; });
        passes("pss-seccomp-baseline", (s) => { s.securityContext.seccompProfile = { type: "Localhost", localhostProfile: "p.json" }; });
        fails("pss-seccomp-baseline", (s) => { s.securityContext.seccompProfile = { type: "Unconfined" }; }, /spec.securityContext.seccompProfile.type is "Unconfined"/);
        for (const f of FIELDS) fails("pss-seccomp-baseline", setSc(f, "seccompProfile", { type: "Unconfined" }), new RegExp(LABEL[f]));
    });

    it("Sysctls: only the safe set (v1.37: 14 names, with tcp_rmem/tcp_wmem and tcp_slow_start_after_idle/tcp_notsent_lowat)", () => {
        assert.strictEqual(SAFE_SYSCTLS.length, 14);
        for (const name of ["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem", "net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"]) {
            passes("pss-sysctls", (s) => { s.securityContext.sysctls = [{ name, value: "1" }]; });
        }
        for (const name of SAFE_SYSCTLS) passes("pss-sysctls", (s) => { s.securityContext.sysctls = [{ name, value: "1" }]; });
        for (const name of ["kernel.msgmax", "net.core.somaxconn", "vm.swappiness"]) {
            fails("pss-sysctls", (s) => { s.securityContext.sysctls = [{ name, value: "1" }]; }, new RegExp(`sets "${name.replace(/\./g, "\\.")}"`));
        }
    });

    it("Host probes / lifecycle hooks: httpGet.host and tcpSocket.host undefined or empty", () => {
        passes("pss-probe-host", (s) => { s.containers[0].readinessProbe.httpGet.host = ""; });
        for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
            fails("pss-probe-host", (s) => { s.containers[0][probe] = { httpGet: { port: 80, host: "10.0.0.1" } }; }, new RegExp(`${probe}.httpGet.host must be unset`));
            fails("pss-probe-host", (s) => { s.initContainers[0][probe] = { tcpSocket: { port: 80, host: "example.com" } }; }, new RegExp(`initContainer "init" ${probe}.tcpSocket.host`));
        }
        for (const hook of ["postStart", "preStop"]) {
            fails("pss-probe-host", (s) => { s.containers[0].lifecycle = { [hook]: { httpGet: { port: 80, host: "1.2.3.4" } } }; }, new RegExp(`lifecycle.${hook}.httpGet.host`));
            fails("pss-probe-host", (s) => { s.containers[0].lifecycle = { [hook]: { tcpSocket: { port: 80, host: "1.2.3.4" } } }; }, new RegExp(`lifecycle.${hook}.tcpSocket.host`));
        }
    });
});

describe("PSS restricted (upstream controls)", () => {
    it("Volume types: only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected, secret", () => {
        assert.ok(RESTRICTED_VOLUME_TYPES.includes("image"));
        passes("pss-volume-types", (s) => { s.volumes.push({ name: "model", image: { reference: "registry.example.com/m:1", pullPolicy: "IfNotPresent" } }); });
        for (const t of RESTRICTED_VOLUME_TYPES) passes("pss-volume-types", (s) => { s.volumes.push({ name: "v", [t]: {} }); });
        for (const t of ["hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi", "glusterfs", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "fc", "azureFile", "vsphereVolume", "quobyte", "azureDisk", "portworxVolume", "scaleIO", "storageos", "photonPersistentDisk"]) {
            fails("pss-volume-types", (s) => { s.volumes.push({ name: "v", [t]: {} }); }, new RegExp(`volumes "v" uses ${t}`));
        }
    });

    it("Privilege escalation: allowPrivilegeEscalation must be false (unset is forbidden)", () => {
        for (const f of FIELDS) {
            fails("pss-privilege-escalation", setSc(f, "allowPrivilegeEscalation", true), new RegExp(`${LABEL[f]} .*allowPrivilegeEscalation: false`));
            fails("pss-privilege-escalation", (s) => { delete s[f][0].securityContext.allowPrivilegeEscalation; }, new RegExp(LABEL[f]));
        }
    });

    it("Running as non-root: pod true (containers may be unset) or every container true; false nowhere", () => {
        passes("pss-run-as-non-root", () => undefined);
        passes("pss-run-as-non-root", (s) => {
            delete s.securityContext.runAsNonRoot;
            for (const f of FIELDS) s[f][0].securityContext.runAsNonRoot = true;
        });
        fails("pss-run-as-non-root", (s) => { delete s.securityContext.runAsNonRoot; }, /container "api-gateway" must set securityContext.runAsNonRoot: true/);
        fails("pss-run-as-non-root", (s) => {
            s.securityContext.runAsNonRoot = false;
            for (const f of FIELDS) s[f][0].securityContext.runAsNonRoot = true;
        }, /spec.securityContext.runAsNonRoot must not be false/);
        for (const f of FIELDS) fails("pss-run-as-non-root", setSc(f, "runAsNonRoot", false), new RegExp(`${LABEL[f]} .*must not set securityContext.runAsNonRoot: false`));
    });

    it("User namespaces (hostUsers: false) relax runAsNonRoot and runAsUser (policy v1.35), not procMount", () => {
        const userns = (edit: (s: any) => void) => (s: any) => { s.hostUsers = false; edit(s); };
        const root = (s: any) => { delete s.securityContext.runAsNonRoot; s.securityContext.runAsUser = 0; };
        passes("pss-run-as-non-root", userns(root));
        passes("pss-run-as-user", userns(root));
        fails("pss-run-as-non-root", (s) => { s.hostUsers = true; root(s); }, /must set securityContext.runAsNonRoot: true/);
        fails("pss-run-as-user", (s) => { s.hostUsers = true; root(s); }, /runAsUser is 0/);
        for (const f of FIELDS) {
            passes("pss-proc-mount-restricted", setSc(f, "procMount", "Default"));
            fails("pss-proc-mount-restricted", userns((s) => { s[f][0].securityContext.procMount = "Unmasked"; }), new RegExp(`${LABEL[f]} .*procMount is "Unmasked"`));
        }
        // The product rule stays strict: root inside a user namespace is still root to the app's files.
        const kubechat = runPolicies([{ urn: "u", type: "kubernetes:core/v1:Pod", name: "p", props: pod(userns(root)) }], { profile: "kubechat" });
        assert.ok(kubechat.some((v) => v.policy === "kubechat-non-root"));
    });

    it("Running as non-root user: runAsUser any non-zero or undefined", () => {
        passes("pss-run-as-user", (s) => { delete s.securityContext.runAsUser; });
        passes("pss-run-as-user", setSc("containers", "runAsUser", 1000));
        fails("pss-run-as-user", (s) => { s.securityContext.runAsUser = 0; }, /spec.securityContext.runAsUser is 0/);
        for (const f of FIELDS) fails("pss-run-as-user", setSc(f, "runAsUser", 0), new RegExp(`${LABEL[f]} .*runAsUser is 0`));
    });

    it("Seccomp: RuntimeDefault or Localhost on the pod, or on every container when the pod leaves it unset", () => {
        passes("pss-seccomp-restricted", (s) => {
            delete s.securityContext.seccompProfile;
            for (const f of FIELDS) s[f][0].securityContext.seccompProfile = { type: "Localhost", localhostProfile: "x.json" };
        });
        fails("pss-seccomp-restricted", (s) => { delete s.securityContext.seccompProfile; }, /must set securityContext.seccompProfile.type: RuntimeDefault/);
        fails("pss-seccomp-restricted", (s) => { s.securityContext.seccompProfile = { type: "Unconfined" }; }, /spec.securityContext.seccompProfile.type is "Unconfined"/);
        // A container's own setting overrides the pod's.
        for (const f of FIELDS) fails("pss-seccomp-restricted", setSc(f, "seccompProfile", { type: "Unconfined" }), new RegExp(`${LABEL[f]} .*"Unconfined"`));
    });

    it("Capabilities: drop ALL; add only NET_BIND_SERVICE", () => {
        passes("pss-capabilities-restricted", (s) => { s.containers[0].securityContext.capabilities.add = ["NET_BIND_SERVICE"]; });
        for (const f of FIELDS) {
            fails("pss-capabilities-restricted", (s) => { delete s[f][0].securityContext.capabilities; }, new RegExp(`${LABEL[f]} .*capabilities.drop: \\["ALL"\\]`));
            fails("pss-capabilities-restricted", (s) => { s[f][0].securityContext.capabilities.add = ["CHOWN"]; }, /only NET_BIND_SERVICE may be added/);
        }
    });

    it("Windows pods are exempt from the Linux-only restricted controls", () => {
        const edit = (s: any) => {
            s.os = { name: "windows" };
            delete s.securityContext.seccompProfile;
            for (const f of FIELDS) s[f][0].securityContext = { runAsNonRoot: true };
        };
        for (const p of ["pss-privilege-escalation", "pss-seccomp-restricted", "pss-capabilities-restricted"]) passes(p, edit);
    });
});

describe("PSS: pod templates of every workload kind", () => {
    const tpl = () => ({ metadata: { labels: { a: "b" } }, spec: { ...pod().spec, hostIPC: true } });
    const kinds: [string, any, string][] = [
        ["kubernetes:apps/v1:Deployment", { spec: { template: tpl() } }, "spec.template.spec.hostIPC"],
        ["kubernetes:apps/v1:StatefulSet", { spec: { template: tpl() } }, "spec.template.spec.hostIPC"],
        ["kubernetes:apps/v1:DaemonSet", { spec: { template: tpl() } }, "spec.template.spec.hostIPC"],
        ["kubernetes:apps/v1:ReplicaSet", { spec: { template: tpl() } }, "spec.template.spec.hostIPC"],
        ["kubernetes:batch/v1:Job", { spec: { template: tpl() } }, "spec.template.spec.hostIPC"],
        ["kubernetes:batch/v1:CronJob", { spec: { jobTemplate: { spec: { template: tpl() } } } }, "spec.jobTemplate.spec.template.spec.hostIPC"],
        ["kubernetes:argoproj.io/v1alpha1:Rollout", { spec: { template: tpl() } }, "spec.template.spec.hostIPC"],
    ];
    for (const [type, body, field] of kinds) {
        it(type, () => {
            const props = { metadata: { name: "w", namespace: "ns" }, ...body };
            const vs = runPolicies([{ urn: "u", type, name: "w", props }], { profile: "pss-baseline" });
            assert.deepStrictEqual(vs.map((v) => v.message), [`${type.split(":")[2]} ns/w: ${field} must be unset or false (sharing host namespaces is not allowed)`]);
        });
    }
    it("objects without a pod template are ignored", () => {
        assert.deepStrictEqual(runPolicies([{ urn: "u", type: "kubernetes:core/v1:ConfigMap", name: "c", props: { data: {} } }], { profile: "pss-restricted" }), []);
    });
});
