/** Every policy: the compliant fixture passes; one changed field makes that policy fail with its message. */
import * as assert from "assert";
import { allPolicies } from "../../policies/runner";
import { Fixture, OPTS, REGISTRY, SECRET_SAMPLES, compliantContainer, compliantDeployment, describeViolations, fixture, k8s, k8sRelease, run } from "./fixtures";

const podSpec = (f: Fixture) => f.deploy.props.spec.template.spec;
const container = (f: Fixture) => podSpec(f).containers[0];
const sc = (f: Fixture) => container(f).securityContext;

interface Case { policy: string; change: string; mutate: (f: Fixture) => void; expect: RegExp; opts?: typeof OPTS }

const cases: Case[] = [
    // pss-baseline (one representative change each; upstream value tables are in pss.test.ts)
    { policy: "pss-host-process", change: "hostProcess", mutate: (f) => { sc(f).windowsOptions = { hostProcess: true }; }, expect: /Deployment kubechat\/api-gateway: container "api-gateway" securityContext.windowsOptions.hostProcess is true/ },
    { policy: "pss-host-namespaces", change: "hostPID", mutate: (f) => { podSpec(f).hostPID = true; }, expect: /spec.template.spec.hostPID must be unset or false/ },
    { policy: "pss-privileged", change: "privileged", mutate: (f) => { sc(f).privileged = true; }, expect: /container "api-gateway" securityContext.privileged is true/ },
    { policy: "pss-capabilities-baseline", change: "add SYS_ADMIN", mutate: (f) => { sc(f).capabilities.add = ["SYS_ADMIN"]; }, expect: /capabilities.add contains SYS_ADMIN/ },
    { policy: "pss-host-path", change: "hostPath volume", mutate: (f) => { podSpec(f).volumes.push({ name: "docker", hostPath: { path: "/var/run/docker.sock" } }); }, expect: /volumes "docker" must not use hostPath/ },
    { policy: "pss-host-ports", change: "hostPort", mutate: (f) => { container(f).ports[0].hostPort = 8080; }, expect: /hostPort is 8080/ },
    { policy: "pss-apparmor", change: "Unconfined", mutate: (f) => { sc(f).appArmorProfile = { type: "Unconfined" }; }, expect: /appArmorProfile.type is "Unconfined"/ },
    { policy: "pss-selinux", change: "spc_t", mutate: (f) => { podSpec(f).securityContext.seLinuxOptions = { type: "spc_t" }; }, expect: /spec.template.spec.securityContext.seLinuxOptions.type is "spc_t"/ },
    { policy: "pss-proc-mount", change: "Unmasked", mutate: (f) => { sc(f).procMount = "Unmasked"; }, expect: /procMount is "Unmasked"/ },
    { policy: "pss-seccomp-baseline", change: "Unconfined", mutate: (f) => { sc(f).seccompProfile = { type: "Unconfined" }; }, expect: /seccompProfile.type is "Unconfined"; the seccomp profile must not be Unconfined/ },
    { policy: "pss-sysctls", change: "kernel.msgmax", mutate: (f) => { podSpec(f).securityContext.sysctls = [{ name: "kernel.msgmax", value: "65536" }]; }, expect: /sysctls sets "kernel.msgmax"/ },
    { policy: "pss-probe-host", change: "probe host", mutate: (f) => { container(f).livenessProbe.httpGet.host = "169.254.169.254"; }, expect: /livenessProbe.httpGet.host must be unset/ },
    // pss-restricted
    { policy: "pss-volume-types", change: "nfs", mutate: (f) => { podSpec(f).volumes.push({ name: "shared", nfs: { server: "nfs", path: "/" } }); }, expect: /volumes "shared" uses nfs/ },
    { policy: "pss-privilege-escalation", change: "allowPrivilegeEscalation", mutate: (f) => { sc(f).allowPrivilegeEscalation = true; }, expect: /container "api-gateway" must set securityContext.allowPrivilegeEscalation: false/ },
    { policy: "pss-run-as-non-root", change: "runAsNonRoot false", mutate: (f) => { sc(f).runAsNonRoot = false; }, expect: /must not set securityContext.runAsNonRoot: false/ },
    { policy: "pss-run-as-user", change: "runAsUser 0", mutate: (f) => { sc(f).runAsUser = 0; }, expect: /securityContext.runAsUser is 0/ },
    { policy: "pss-seccomp-restricted", change: "no seccomp", mutate: (f) => { delete podSpec(f).securityContext.seccompProfile; }, expect: /must set securityContext.seccompProfile.type: RuntimeDefault/ },
    { policy: "pss-proc-mount-restricted", change: "Unmasked in a user namespace", mutate: (f) => { podSpec(f).hostUsers = false; sc(f).procMount = "Unmasked"; }, expect: /container "api-gateway" securityContext.procMount is "Unmasked"/ },
    { policy: "pss-capabilities-restricted", change: "no drop ALL", mutate: (f) => { sc(f).capabilities.drop = ["NET_RAW"]; }, expect: /must set securityContext.capabilities.drop: \["ALL"\]/ },
    // kubechat
    { policy: "kubechat-non-root", change: "runAsNonRoot unset", mutate: (f) => { delete podSpec(f).securityContext.runAsNonRoot; }, expect: /container "api-gateway" must set securityContext.runAsNonRoot: true/ },
    { policy: "kubechat-read-only-root-fs", change: "readOnlyRootFilesystem", mutate: (f) => { sc(f).readOnlyRootFilesystem = false; }, expect: /Deployment kubechat\/api-gateway: container "api-gateway" must set securityContext.readOnlyRootFilesystem: true/ },
    { policy: "kubechat-resources", change: "no memory limit", mutate: (f) => { delete container(f).resources.limits.memory; }, expect: /container "api-gateway" must set resources.limits.memory/ },
    { policy: "kubechat-no-privilege-escalation", change: "allowPrivilegeEscalation unset", mutate: (f) => { delete sc(f).allowPrivilegeEscalation; }, expect: /must set securityContext.allowPrivilegeEscalation: false/ },
    { policy: "kubechat-image-pinned", change: ":latest", mutate: (f) => { container(f).image = `${REGISTRY}/api-gateway:latest`; }, expect: /must not use the latest tag/ },
    { policy: "kubechat-approved-registry", change: "docker.io", mutate: (f) => { container(f).image = "docker.io/library/nginx:1.27"; }, expect: /image "docker.io\/library\/nginx:1.27" is not from an approved registry/ },
    { policy: "kubechat-probes", change: "no readinessProbe", mutate: (f) => { delete container(f).readinessProbe; }, expect: /container "api-gateway" must define readinessProbe/ },
    // hygiene
    { policy: "pdb-sanity", change: "both", mutate: (f) => { f.pdb.props.spec.maxUnavailable = 1; }, expect: /must set exactly one of minAvailable or maxUnavailable \(has minAvailable and maxUnavailable\)/ },
    { policy: "recommended-labels", change: "no part-of", mutate: (f) => { delete f.svc.props.metadata.labels["app.kubernetes.io/part-of"]; }, expect: /Service kubechat\/api-gateway: metadata.labels must include app.kubernetes.io\/part-of or app.kubernetes.io\/managed-by/ },
    { policy: "no-bare-pods", change: "bare Pod", mutate: (f) => { f.pod = k8s("v1", "Pod", "debug", { spec: JSON.parse(JSON.stringify(podSpec(f))) }); }, expect: /Pod kubechat\/debug: bare Pods are not rescheduled/ },
    { policy: "no-deprecated-apis", change: "policy/v1beta1", mutate: (f) => { f.pdb.type = "kubernetes:policy/v1beta1:PodDisruptionBudget"; }, expect: /apiVersion policy\/v1beta1 is deprecated or removed; use policy\/v1/ },
    { policy: "service-exposure", change: "LoadBalancer", mutate: (f) => { f.svc.props.spec.type = "LoadBalancer"; }, expect: /spec.type LoadBalancer is only allowed for gateways/ },
    { policy: "no-literal-secrets", change: "env literal", mutate: (f) => { container(f).env = [{ name: "DB_PASSWORD", value: "hunter2" }]; }, expect: /env DB_PASSWORD has a literal value; use valueFrom.secretKeyRef/ },
    { policy: "no-duplicate-env", change: "LOG_LEVEL twice", mutate: (f) => { container(f).env = [{ name: "LOG_LEVEL", value: "info" }, { name: "LOG_LEVEL", value: "debug" }]; }, expect: /container "api-gateway" declares env LOG_LEVEL more than once/ },
    { policy: "hpa-declared-replicas", change: "spec.replicas", mutate: (f) => { f.deploy.props.spec.replicas = 3; }, expect: /Deployment kubechat\/api-gateway: spec.replicas is set while HorizontalPodAutoscaler api-gateway scales it/ },
    { policy: "vpa-hpa-conflict", change: "VPA on cpu", mutate: (f) => { f.vpa.props.spec.resourcePolicy.containerPolicies[0].controlledResources = ["cpu", "memory"]; }, expect: /VerticalPodAutoscaler kubechat\/api-gateway: acts on cpu of Deployment kubechat\/api-gateway/ },
    { policy: "vpa-update-mode-auto", change: "Auto", mutate: (f) => { f.vpa.props.spec.updatePolicy.updateMode = "Auto"; }, expect: /updateMode Auto is deprecated/ },
    { policy: "pdb-blocks-evictions", change: "minAvailable 3", mutate: (f) => { f.pdb.props.spec.minAvailable = 3; }, expect: /spec.minAvailable 3 with 3 replica\(s\) of Deployment kubechat\/api-gateway blocks every voluntary eviction/ },
    {
        policy: "zone-anti-affinity-replicas", change: "required zone anti-affinity",
        mutate: (f) => { podSpec(f).affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution = [{ topologyKey: "topology.kubernetes.io/zone", labelSelector: {} }]; },
        expect: /allows at most 3 pod\(s\) but up to 20 replicas are wanted/,
    },
    {
        policy: "canary-gated-weights", change: "a pause after the weight, no analysis step",
        mutate: (f) => { f.rollout = canaryRollout([{ setWeight: 5 }, { pause: { duration: "30m" } }, { setWeight: 100 }]); },
        expect: /Rollout kubechat\/api-gateway: canary step 0 \(setWeight 5\) is not followed by an analysis step/,
    },
    { policy: "protect-stateful-resources", change: "bucket unprotected", mutate: (f) => { f.bucket.protect = false; }, expect: /Bucket backups: must set protect: true in a persistent stack/ },
    // network
    { policy: "namespace-default-deny", change: "deny-all allows ingress", mutate: (f) => { f.denyAll.props.spec.ingress = [{}]; }, expect: /Namespace kubechat: no default-deny NetworkPolicy/ },
    { policy: "workload-network-policy", change: "other namespace", mutate: (f) => { f.deploy.props.metadata.namespace = "other"; }, expect: /Deployment other\/api-gateway: no NetworkPolicy in namespace other selects its pods/ },
    // rbac
    { policy: "rbac-no-wildcards", change: "verbs *", mutate: (f) => { f.role.props.rules[0].verbs = ["*"]; }, expect: /Role kubechat\/api-gateway: rules\[0\].verbs must not contain "\*"/ },
    { policy: "rbac-no-cluster-admin", change: "cluster-admin", mutate: (f) => { f.binding.props.roleRef = { kind: "ClusterRole", name: "cluster-admin" }; }, expect: /RoleBinding kubechat\/api-gateway: roleRef must not be cluster-admin/ },
    { policy: "rbac-no-escalation", change: "pods/exec", mutate: (f) => { f.role.props.rules.push({ apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] }); }, expect: /Role kubechat\/api-gateway: rules\[1\] grants create\/get on pods\/exec \(a shell in other pods\) in an app role/ },
    { policy: "rbac-cluster-secrets-read", change: "ClusterRoleBinding to a Secret reader", mutate: (f) => {
        f.role.props.kind = "ClusterRole"; f.role.type = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"; delete f.role.props.metadata.namespace;
        f.role.props.rules.push({ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"] });
        f.binding.type = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"; delete f.binding.props.metadata.namespace;
        f.binding.props.roleRef = { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "api-gateway" };
    }, expect: /ClusterRoleBinding api-gateway: binds ClusterRole api-gateway, which reads Secrets in every namespace \(rules\[1\]: get, list\)/ },
    { policy: "rbac-webhook-config-writes", change: "patch webhooks", mutate: (f) => {
        f.role.type = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"; delete f.role.props.metadata.namespace;
        f.role.props.rules.push({ apiGroups: ["admissionregistration.k8s.io"], resources: ["mutatingwebhookconfigurations"], verbs: ["get", "patch"] });
    }, expect: /ClusterRole api-gateway: rules\[1\] grants patch on mutatingwebhookconfigurations without resourceNames/ },
    { policy: "sa-token-unbound", change: "account nothing binds", mutate: (f) => { podSpec(f).serviceAccountName = "worker"; }, expect: /Deployment kubechat\/api-gateway: mounts the API token of ServiceAccount kubechat\/worker, which no RoleBinding or ClusterRoleBinding names/ },
    // hygiene (advisory)
    { policy: "secrets-as-files", change: "secretKeyRef env", mutate: (f) => { container(f).env = [{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }]; }, expect: /container "api-gateway" takes env DB_PASSWORD from Secret db \(key password\); mount the Secret as a file/ },
    { policy: "alertmanager-receiver", change: "kube-prometheus-stack with the chart's routing", mutate: (f) => {
        (f as any).kps = k8sRelease("kube-prometheus-stack", { alertmanager: { enabled: true, alertmanagerSpec: { replicas: 3 } } });
    }, expect: /Helm release monitoring\/kube-prometheus-stack: runs 3 Alertmanager replica\(s\) with no receiver that notifies anyone \(the chart's default routes everything to "null"\)/ },
    // aws
    { policy: "eks-private-endpoint", change: "0.0.0.0/0", mutate: (f) => { f.eks.props.vpcConfig.publicAccessCidrs = ["0.0.0.0/0"]; }, expect: /Cluster prod: vpcConfig.endpointPublicAccess must be false, or vpcConfig.publicAccessCidrs/ },
    { policy: "eks-secrets-encryption", change: "no encryptionConfig", mutate: (f) => { delete f.eks.props.encryptionConfig; }, expect: /Cluster prod: encryptionConfig.resources must include "secrets"/ },
    { policy: "eks-control-plane-logging", change: "no audit", mutate: (f) => { f.eks.props.enabledClusterLogTypes = ["api", "authenticator"]; }, expect: /enabledClusterLogTypes must include audit/ },
    { policy: "kms-key-rotation", change: "rotation off", mutate: (f) => { f.kms.props.enableKeyRotation = false; }, expect: /Key eks-secrets: enableKeyRotation must be true/ },
    { policy: "launch-template-ebs-encrypted", change: "unencrypted", mutate: (f) => { f.lt.props.blockDeviceMappings[0].ebs.encrypted = "false"; }, expect: /LaunchTemplate nodes: blockDeviceMappings "\/dev\/xvda" must set ebs.encrypted: "true"/ },
    { policy: "launch-template-imdsv2", change: "optional", mutate: (f) => { f.lt.props.metadataOptions.httpTokens = "optional"; }, expect: /metadataOptions.httpTokens must be "required"/ },
    { policy: "s3-encryption", change: "no SSE", mutate: (f) => { delete (f as any).sse; }, expect: /Bucket backups: needs a BucketServerSideEncryptionConfiguration/ },
    { policy: "s3-versioning", change: "Suspended", mutate: (f) => { f.versioning.props.versioningConfiguration.status = "Suspended"; }, expect: /Bucket backups: needs a BucketVersioning with versioningConfiguration.status: Enabled/ },
    { policy: "s3-public-access-block", change: "one flag false", mutate: (f) => { f.pab.props.restrictPublicBuckets = false; }, expect: /Bucket backups: needs a BucketPublicAccessBlock/ },
];

/** A canary Rollout with these steps and no pod template (only its steps are under test). */
function canaryRollout(steps: unknown[]) {
    return k8s("argoproj.io/v1alpha1", "Rollout", "api-gateway", { spec: { strategy: { canary: { steps } } } });
}
const gate = { analysis: { templates: [{ templateName: "api-gateway-error-rate" }] } };
const errorRateTemplate = (metric: object) =>
    k8s("argoproj.io/v1alpha1", "AnalysisTemplate", "api-gateway-error-rate", { spec: { metrics: [{ name: "error-rate", interval: "1m", failureLimit: 1, inconclusiveLimit: 2, ...metric }] } });

describe("policies: compliant fixture passes, one changed field fails", () => {
    it("the compliant fixture has no violation at all", () => {
        const vs = run(fixture());
        assert.deepStrictEqual(vs, [], describeViolations(vs));
    });

    it("every policy has a case", () => {
        const covered = new Set(cases.map((c) => c.policy));
        assert.deepStrictEqual(allPolicies.map((p) => p.name).filter((n) => !covered.has(n)), []);
    });

    for (const c of cases) {
        it(`${c.policy}: ${c.change}`, () => {
            const f = fixture() as Fixture;
            c.mutate(f);
            const vs = run(f, c.opts ?? OPTS).filter((v) => v.policy === c.policy);
            assert.ok(vs.length > 0, `expected a ${c.policy} violation`);
            assert.ok(vs.some((v) => c.expect.test(v.message)), `no message matched ${c.expect}:\n${describeViolations(vs)}`);
        });
    }
});

describe("policies: exemptions and edge cases", () => {
    const only = (policy: string, f: Record<string, any>, opts = OPTS) => run(f, opts).filter((v) => v.policy === policy);

    it("gateways may be LoadBalancers", () => {
        for (const [k, v] of [["kubechat.ai/gateway", "true"], ["istio", "ingressgateway"], ["app.kubernetes.io/component", "gateway"]]) {
            const f = fixture();
            f.svc.props.spec.type = "LoadBalancer";
            f.svc.props.metadata.labels[k] = v;
            assert.deepStrictEqual(only("service-exposure", f), []);
        }
    });

    it("system-labelled roles may exec; system namespaces need no default-deny", () => {
        const f = fixture() as Fixture;
        f.role.props.rules.push({ apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] });
        f.role.props.metadata.labels["kubechat.ai/system"] = "true";
        f.sys = k8s("v1", "Namespace", "monitoring", {}, undefined);
        f.sys.props.metadata.labels["kubechat.ai/system"] = "true";
        f.ks = k8s("v1", "Namespace", "kube-system", {}, undefined);
        assert.deepStrictEqual(only("rbac-no-escalation", f), []);
        assert.deepStrictEqual(only("namespace-default-deny", f), []);
    });

    it("stateful resources need protect only in persistent stacks", () => {
        const f = fixture();
        f.pg.protect = false;
        assert.strictEqual(only("protect-stateful-resources", f).length, 1);
        assert.deepStrictEqual(only("protect-stateful-resources", f, { ...OPTS, persistent: false }), []);
    });

    it("images: digests and registry ports are pinned; untagged is not; empty registry list approves all", () => {
        const f = fixture() as Fixture;
        podSpec(f).containers.push({ ...compliantContainer("a"), image: `${REGISTRY}/a@sha256:${"0".repeat(64)}` });
        podSpec(f).containers.push({ ...compliantContainer("b"), image: "registry.example.com:5000/kubechat/b:2.0" });
        assert.deepStrictEqual(only("kubechat-image-pinned", f), []);
        container(f).image = "registry.example.com:5000/kubechat/c";
        assert.match(only("kubechat-image-pinned", f)[0].message, /must be pinned to a tag or digest/);
        container(f).image = "quay.io/x/y:1";
        assert.deepStrictEqual(only("kubechat-approved-registry", f, { ...OPTS, approvedRegistries: [] }), []);
    });

    it("probes are not required of Jobs and CronJobs", () => {
        const spec = JSON.parse(JSON.stringify(compliantDeployment().props.spec.template));
        delete spec.spec.containers[0].readinessProbe;
        delete spec.spec.containers[0].livenessProbe;
        const f = { job: k8s("batch/v1", "Job", "migrate", { spec: { template: spec } }) };
        assert.deepStrictEqual(only("kubechat-probes", f), []);
    });

    it("a PDB is judged against the HPA floor; maxUnavailable 0 always blocks", () => {
        const f = fixture();
        f.pdb.props.spec.minAvailable = "100%";
        assert.strictEqual(only("pdb-blocks-evictions", f).length, 1);
        const g = fixture();
        delete g.pdb.props.spec.minAvailable;
        g.pdb.props.spec.maxUnavailable = 0;
        assert.match(only("pdb-blocks-evictions", g)[0].message, /maxUnavailable 0 blocks every voluntary eviction/);
    });

    it("VPA with updateMode Off never conflicts; HPA without metrics scales on cpu", () => {
        const f = fixture();
        f.vpa.props.spec.updatePolicy.updateMode = "Off";
        f.vpa.props.spec.resourcePolicy.containerPolicies[0].controlledResources = ["cpu"];
        assert.deepStrictEqual(only("vpa-hpa-conflict", f), []);
        f.vpa.props.spec.updatePolicy.updateMode = "Initial";
        delete f.hpa.props.spec.metrics;
        assert.strictEqual(only("vpa-hpa-conflict", f).length, 1);
    });

    it("replicas with spec.replicas in ignoreChanges are fine", () => {
        const f = fixture();
        f.deploy.props.spec.replicas = 3;
        f.deploy.ignoreChanges = ["spec.replicas"];
        assert.deepStrictEqual(only("hpa-declared-replicas", f), []);
    });

    it("S3 companions match by bucket name or logical name; unknown bucket inputs match nothing", () => {
        const f = fixture();
        f.sse.props.bucket = "backups";
        assert.deepStrictEqual(only("s3-encryption", f), []);
        f.sse.props.bucket = "(known after apply)";
        assert.strictEqual(only("s3-encryption", f).length, 1);
    });

    it("EKS with the public endpoint off needs no CIDR list", () => {
        const f = fixture();
        f.eks.props.vpcConfig = { endpointPrivateAccess: true, endpointPublicAccess: false };
        assert.deepStrictEqual(only("eks-private-endpoint", f), []);
    });

    it("values unknown until apply and secrets neither crash nor fail a rule", () => {
        const f = fixture();
        const c = container(f as Fixture);
        c.image = "(known after apply)";
        c.securityContext.readOnlyRootFilesystem = "(known after apply)";
        c.resources = "(known after apply)";
        c.env = [{ name: "API_TOKEN", value: "(known after apply)" }];
        podSpec(f as Fixture).securityContext.runAsUser = "[secret]";
        f.kms.props.enableKeyRotation = "(known after apply)";
        f.eks.props.vpcConfig = "(known after apply)";
        f.lt.props.metadataOptions.httpTokens = "(known after apply)";
        f.deploy.props.metadata.name = "(known after apply)";
        const vs = run(f);
        assert.deepStrictEqual(vs, [], describeViolations(vs));
    });

    it("secret-looking ConfigMap keys fail; pointers to files do not", () => {
        const f = fixture();
        f.cm.props.data["client-secret"] = "abc";
        const vs = only("no-literal-secrets", f);
        assert.strictEqual(vs.length, 1);
        assert.match(vs[0].message, /ConfigMap kubechat\/api-gateway: data key "client-secret" looks like a secret/);
    });
});

describe("policies: depth — each rule with a passing and a failing case", () => {
    const only = (policy: string, f: Record<string, any>, opts = OPTS) => run(f, opts).filter((v) => v.policy === policy);
    const messages = (policy: string, f: Record<string, any>) => only(policy, f).map((v) => v.message);

    describe("canary-gated-weights: each weight below 100 waits on a run that can end inconclusive", () => {
        const withCanary = (steps: unknown[], metric: object) => ({ ...fixture(), rollout: canaryRollout(steps), template: errorRateTemplate(metric) });
        const gated = [{ setWeight: 5 }, gate, { setWeight: 50 }, gate, { setWeight: 100 }];
        it("passes every weight gated by a template counting past both limits (an integer or an integer string)", () => {
            assert.deepStrictEqual(messages("canary-gated-weights", withCanary(gated, { count: 3 })), []);
            assert.deepStrictEqual(messages("canary-gated-weights", withCanary(gated, { count: "30" })), []);
        });
        it("fails a count within inconclusiveLimit, an indefinite metric, and a weight left ungated", () => {
            assert.deepStrictEqual(messages("canary-gated-weights", withCanary([{ setWeight: 5 }, gate, { setWeight: 100 }], { count: 2 })), [
                "AnalysisTemplate kubechat/api-gateway-error-rate: metric error-rate gates Rollout kubechat/api-gateway's steps with count 2; a step run needs a count of at least 3 (above failureLimit and inconclusiveLimit) or Argo Rollouts passes it with nothing measured",
            ]);
            assert.match(messages("canary-gated-weights", withCanary([{ setWeight: 5 }, gate, { setWeight: 100 }], {}))[0], /with count unset; a step run needs a count of at least 3/);
            assert.deepStrictEqual(messages("canary-gated-weights", withCanary([{ setWeight: 5 }, gate, { setWeight: 50 }, { setWeight: 100 }], { count: 3 })), [
                "Rollout kubechat/api-gateway: canary step 2 (setWeight 50) is not followed by an analysis step, so the canary can move on unmeasured; add one naming its error-rate AnalysisTemplate",
            ]);
        });
    });

    describe("RBAC: a binding to a role that grants everything is cluster-admin by another name", () => {
        const superuser = (rules: any[]) => {
            const f = fixture() as Fixture;
            f.cr = k8s("rbac.authorization.k8s.io/v1", "ClusterRole", "superuser", { rules });
            f.crb = k8s("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "ops", {
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "superuser" },
                subjects: [{ kind: "Group", name: "ops", apiGroup: "rbac.authorization.k8s.io" }],
            });
            for (const r of [f.cr, f.crb]) delete r.props.metadata.namespace;
            return f;
        };
        it("* verbs on * resources in * groups fails, whatever the role is called", () => {
            assert.deepStrictEqual(messages("rbac-no-cluster-admin", superuser([{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }])),
                ["ClusterRoleBinding ops: roleRef ClusterRole superuser grants every verb on every resource (rules[0]), as cluster-admin does; bind a least-privilege role"]);
        });
        it("every verb listed explicitly fails too", () => {
            const verbs = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];
            assert.strictEqual(only("rbac-no-cluster-admin", superuser([{ apiGroups: ["*"], resources: ["*"], verbs }])).length, 1);
            assert.deepStrictEqual(only("rbac-no-cluster-admin", superuser([{ apiGroups: ["*"], resources: ["*"], verbs: verbs.slice(0, 3) }])), []);
        });
        it("a role narrowed by resources or resourceNames is not cluster-admin", () => {
            assert.deepStrictEqual(only("rbac-no-cluster-admin", superuser([{ apiGroups: ["*"], resources: ["configmaps"], verbs: ["*"] }])), []);
            assert.deepStrictEqual(only("rbac-no-cluster-admin", superuser([{ apiGroups: ["*"], resources: ["*"], resourceNames: ["x"], verbs: ["*"] }])), []);
        });
        it("a RoleBinding matches a Role of its own namespace only", () => {
            const f = fixture() as Fixture;
            f.role.props.rules = [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }];
            assert.match(messages("rbac-no-cluster-admin", f)[0], /RoleBinding kubechat\/api-gateway: roleRef Role api-gateway grants every verb/);
            f.role.props.metadata.namespace = "other";
            assert.deepStrictEqual(only("rbac-no-cluster-admin", f), []);
        });
    });

    describe("RBAC: exec/attach are dangerous with create or get, harmless with list/watch, and wildcards count", () => {
        const withRule = (rule: any) => {
            const f = fixture() as Fixture;
            f.role.props.rules.push(rule);
            return only("rbac-no-escalation", f);
        };
        it("list/watch on pods/exec and pods/attach pass", () => {
            assert.deepStrictEqual(withRule({ apiGroups: [""], resources: ["pods/exec", "pods/attach"], verbs: ["list", "watch"] }), []);
        });
        it("get on pods/attach fails (it upgrades to a stream)", () => {
            assert.match(withRule({ apiGroups: [""], resources: ["pods/attach"], verbs: ["get"] })[0].message, /grants create\/get on pods\/attach/);
        });
        it("wildcard resources (* and */exec) and verbs covering exec are caught", () => {
            assert.match(withRule({ apiGroups: [""], resources: ["*"], verbs: ["create"] })[0].message, /pods\/exec, pods\/attach/);
            assert.match(withRule({ apiGroups: ["*"], resources: ["*/exec"], verbs: ["*"] })[0].message, /grants create\/get on pods\/exec/);
        });
        it("a wildcard that does not reach the core group or the subresource passes (pods/* is not an RBAC wildcard)", () => {
            assert.deepStrictEqual(withRule({ apiGroups: ["apps"], resources: ["*"], verbs: ["create"] }), []);
            assert.deepStrictEqual(withRule({ apiGroups: [""], resources: ["pods/*", "pods"], verbs: ["get", "create"] }), []);
        });
        it("* verbs on roles cover escalate and bind", () => {
            assert.match(withRule({ apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"], verbs: ["*"] })[0].message, /verbs must not contain \* \(covers escalate, bind, impersonate\)/);
            assert.deepStrictEqual(withRule({ apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"], verbs: ["get", "list"] }), []);
        });
    });

    describe("secrets by content, whatever the key is called", () => {
        const { PEM, AWS_ID, AWS_SECRET, AZURE_KEY, JWT_TOKEN } = SECRET_SAMPLES;
        const cases: [string, string, RegExp][] = [
            ["PEM", PEM("RSA PRIVATE KEY"), /a PEM private key/],
            ["AWS id", AWS_ID, /an AWS access key id/],
            ["AWS secret", AWS_SECRET, /an AWS secret access key/],
            ["Azure", AZURE_KEY, /an Azure storage or Batch account key/],
            ["JWT", JWT_TOKEN, /a JSON Web Token/],
        ];
        for (const [label, value, re] of cases) {
            it(`${label} in an env literal and in a ConfigMap fails under an innocent name`, () => {
                const f = fixture() as Fixture;
                container(f).env = [{ name: "SETTING", value }];
                f.cm.props.data.settings = value;
                const ms = messages("no-literal-secrets", f);
                assert.strictEqual(ms.length, 2, ms.join("\n"));
                assert.match(ms.find((m) => m.startsWith("ConfigMap"))!, new RegExp(`data key "settings" holds ${re.source}; store it in a Secret`));
                assert.match(ms.find((m) => m.startsWith("Deployment"))!, new RegExp(`env SETTING holds ${re.source}; use valueFrom.secretKeyRef`));
                assert.ok(ms.every((m) => !m.includes(value.trim())), "the message never repeats the secret");
            });
        }
        it("binaryData is decoded; a CA bundle and ordinary values pass", () => {
            const f = fixture() as Fixture;
            f.cm.props.binaryData = { "tls.key": Buffer.from(PEM("PRIVATE KEY")).toString("base64") };
            assert.match(messages("no-literal-secrets", f)[0], /data key "tls.key" holds a PEM private key/);
            const g = fixture() as Fixture;
            g.cm.props.data["ca.crt"] = PEM("CERTIFICATE");
            container(g).env = [{ name: "LOG_LEVEL", value: "info" }, { name: "DB_HOST", value: "kubechat-db-pooler" }];
            assert.deepStrictEqual(only("no-literal-secrets", g), []);
        });
    });

    describe("network: covered only when selecting policies restrict both directions", () => {
        const net = (...policies: any[]) => {
            const f = fixture() as Fixture;
            delete (f as any).denyAll;
            policies.forEach((spec, i) => { f[`np${i}`] = k8s("networking.k8s.io/v1", "NetworkPolicy", `np${i}`, { spec }); });
            return messages("workload-network-policy", f);
        };
        const app = { matchLabels: { "app.kubernetes.io/name": "api-gateway" } };
        it("an ingress-only policy leaves egress open", () => {
            assert.deepStrictEqual(net({ podSelector: app, policyTypes: ["Ingress"], ingress: [{}] }),
                ["Deployment kubechat/api-gateway: the NetworkPolicies selecting its pods (np0) do not restrict egress; add Egress to a selecting policy's policyTypes"]);
        });
        it("policyTypes default as the API server does: Ingress, plus Egress only with egress rules", () => {
            assert.match(net({ podSelector: app, ingress: [{}], egress: [] })[0], /do not restrict egress/);
            assert.deepStrictEqual(net({ podSelector: app, ingress: [{}], egress: [{ to: [{ podSelector: {} }] }] }), []);
        });
        it("two policies together cover both directions", () => {
            assert.deepStrictEqual(net({ podSelector: app, policyTypes: ["Ingress"] }, { podSelector: {}, policyTypes: ["Egress"] }), []);
        });
        it("a selector that does not match the pod labels does not count (matchLabels and matchExpressions)", () => {
            const wrong = { podSelector: { matchLabels: { "app.kubernetes.io/name": "other" } }, policyTypes: ["Ingress", "Egress"] };
            assert.deepStrictEqual(net(wrong), ["Deployment kubechat/api-gateway: no NetworkPolicy in namespace kubechat selects its pods"]);
            const notIn = { podSelector: { matchExpressions: [{ key: "app.kubernetes.io/name", operator: "NotIn", values: ["api-gateway"] }] }, policyTypes: ["Ingress", "Egress"] };
            assert.match(net(notIn)[0], /no NetworkPolicy .* selects its pods/);
            const inOp = { podSelector: { matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: ["api-gateway"] }] }, policyTypes: ["Ingress", "Egress"] };
            assert.deepStrictEqual(net(inOp), []);
        });
    });

    describe("PDBs that can never allow an eviction are caught without the workload in view", () => {
        const pdbAlone = (spec: any) => run({ pdb: k8s("policy/v1", "PodDisruptionBudget", "x", { spec: { selector: { matchLabels: { a: "b" } }, ...spec } }) })
            .filter((v) => v.policy === "pdb-blocks-evictions").map((v) => v.message);
        it("minAvailable 100%, maxUnavailable 0 and 0% fail", () => {
            assert.deepStrictEqual(pdbAlone({ minAvailable: "100%" }), ["PodDisruptionBudget kubechat/x: spec.minAvailable 100% blocks every voluntary eviction (node drains hang)"]);
            assert.deepStrictEqual(pdbAlone({ maxUnavailable: 0 }), ["PodDisruptionBudget kubechat/x: spec.maxUnavailable 0 blocks every voluntary eviction (node drains hang)"]);
            assert.deepStrictEqual(pdbAlone({ maxUnavailable: "0%" }), ["PodDisruptionBudget kubechat/x: spec.maxUnavailable 0% blocks every voluntary eviction (node drains hang)"]);
        });
        it("minAvailable 99%, maxUnavailable 1 pass alone", () => {
            assert.deepStrictEqual(pdbAlone({ minAvailable: "99%" }), []);
            assert.deepStrictEqual(pdbAlone({ maxUnavailable: 1 }), []);
        });
    });

    describe("owned pods are not bare pods", () => {
        const podWith = (ownerReferences?: any[]) => {
            const f = fixture() as Fixture;
            f.pod = k8s("v1", "Pod", "api-gateway-7d9f-abcde", { spec: JSON.parse(JSON.stringify(podSpec(f))) });
            if (ownerReferences) f.pod.props.metadata.ownerReferences = ownerReferences;
            return only("no-bare-pods", f);
        };
        it("a Pod with a controller ownerReference passes", () => {
            assert.deepStrictEqual(podWith([{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "api-gateway-7d9f", uid: "u", controller: true }]), []);
        });
        it("a Pod whose ownerReferences name no controller is still bare", () => {
            assert.strictEqual(podWith([{ apiVersion: "v1", kind: "ConfigMap", name: "x", uid: "u" }]).length, 1);
        });
    });
});
