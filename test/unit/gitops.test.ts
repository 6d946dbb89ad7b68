import * as assert from "assert";
import { parseConfig } from "../../components/config";
import { SYNC_WAVE, gitopsManifest, ignoreDifferences, syncWave } from "../../components/gitops/spec";
import { configProblems, minimalOnPremConfig as base } from "../harness";

const problems = (gitops: Record<string, unknown>, app?: Record<string, unknown>) => configProblems({ ...base(), gitops, ...(app ? { app } : {}) });

describe("GitOps config", () => {
    it("is off by default, and needs a repository and a path when on", () => {
        const c = parseConfig(base(), "kubechat", "test");
        assert.deepStrictEqual(c.gitops, { enabled: false, argocdNamespace: "argocd", installArgoCd: true, repoCidrs: [], repoURL: "", path: "", targetRevision: "HEAD", repoCredentialsSecret: "" });
        assert.deepStrictEqual(problems({ enabled: true }).sort(), [
            "kubechat:gitops.path: is required when gitops.enabled is on",
            "kubechat:gitops.repoURL: is required when gitops.enabled is on",
        ]);
        assert.deepStrictEqual(problems({ enabled: true, repoURL: "git@git.example.internal:platform/deploy.git", path: "kubechat/dev", repoCidrs: ["10.40.0.0/24"] }), []);
    });

    it("installing Argo CD needs the Git server's addresses unless repoURL is an IP or an in-cluster Service; skipping the install does not", () => {
        const need = "kubechat:gitops.repoCidrs: is required when gitops.repoURL names a host outside the cluster (git.example.internal): NetworkPolicies match addresses, not names";
        assert.deepStrictEqual(problems({ enabled: true, repoURL: "git@git.example.internal:platform/deploy.git", path: "p" }), [need]);
        assert.deepStrictEqual(problems({ enabled: true, repoURL: "https://git.example.internal/r.git", path: "p" }), [need]);
        assert.deepStrictEqual(problems({ enabled: true, repoURL: "https://git.example.internal/r.git", path: "p", installArgoCd: false }), []);
        assert.deepStrictEqual(problems({ enabled: true, repoURL: "ssh://git@10.1.2.3:2222/r.git", path: "p" }), []);
        assert.deepStrictEqual(problems({ enabled: true, repoURL: "http://gitea-http.git.svc.cluster.local:3000/r.git", path: "p" }), []);
        assert.match(problems({ enabled: true, repoURL: "https://git.example.internal/r.git", path: "p", repoCidrs: ["10.40.0.0"] }).join(), /gitops\.repoCidrs\[0\]: .*CIDR/);
    });

    it("rejects a path leaving the repository, a URL that is no Git URL, and Argo CD's namespace as the app's", () => {
        assert.deepStrictEqual(problems({ enabled: true, repoURL: "https://git.example/r.git", path: "kubechat/../../etc", installArgoCd: false }), ["kubechat:gitops.path: must not contain . or .. segments"]);
        assert.match(problems({ enabled: true, repoURL: "ftp://x/r", path: "p" }).join(), /gitops\.repoURL: must be an https:\/\//);
        assert.match(problems({ enabled: true, repoURL: "https://git.example/r.git", path: "/abs" }).join(), /gitops\.path: must be a relative directory/);
        assert.deepStrictEqual(problems({ enabled: true, repoURL: "https://git.example/r.git", path: "p", argocdNamespace: "apps", installArgoCd: false }, { namespace: "apps" }),
            ["kubechat:gitops.argocdNamespace: must differ from app.namespace (apps)"]);
    });
});

describe("GitOps manifests (pure)", () => {
    it("annotates the sync wave and names Argo CD as the manager, without touching the input or the pod template", () => {
        const d = {
            apiVersion: "apps/v1", kind: "Deployment",
            metadata: { name: "a", labels: { "app.kubernetes.io/managed-by": "pulumi" } },
            spec: { template: { metadata: { labels: { "app.kubernetes.io/managed-by": "pulumi" } } } },
        };
        const g = gitopsManifest(d);
        assert.strictEqual(g.metadata.annotations[SYNC_WAVE], String(syncWave("Deployment")));
        assert.strictEqual(g.metadata.labels["app.kubernetes.io/managed-by"], "argocd");
        assert.strictEqual(g.spec.template.metadata.labels["app.kubernetes.io/managed-by"], "pulumi", "no pod-template change, so switching modes restarts nothing");
        assert.strictEqual(d.metadata.labels["app.kubernetes.io/managed-by"], "pulumi");
        assert.ok(!("annotations" in d.metadata));
    });

    it("places every kind deliberately: an unknown kind is an error", () => {
        assert.ok(syncWave("CustomResourceDefinition") < syncWave("ClusterRole") && syncWave("ClusterRole") < syncWave("NetworkPolicy"));
        assert.ok(syncWave("NetworkPolicy") < syncWave("Service") && syncWave("Service") < syncWave("Rollout") && syncWave("Rollout") < syncWave("HorizontalPodAutoscaler"));
        assert.throws(() => syncWave("CronJob"), /no Argo CD sync wave for kind CronJob/);
    });

    it("ignores what controllers own: HPA targets' replicas and the Services and routes a Rollout names", () => {
        const ns = "apps";
        const d = ignoreDifferences([
            { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "w", namespace: ns }, spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "w" } } },
            { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", metadata: { name: "b", namespace: ns }, spec: { strategy: { blueGreen: { activeService: "b", previewService: "b-preview" } } } },
        ]);
        assert.deepStrictEqual(d.map((x) => `${x.group}/${x.kind}/${x.name}: ${x.jsonPointers.join(" ")}`), [
            "apps/Deployment/w: /spec/replicas",
            "/Service/b: /spec/selector/rollouts-pod-template-hash /metadata/annotations/argo-rollouts.argoproj.io~1managed-by-rollouts",
            "/Service/b-preview: /spec/selector/rollouts-pod-template-hash /metadata/annotations/argo-rollouts.argoproj.io~1managed-by-rollouts",
        ]);
        assert.ok(d.every((x) => x.namespace === ns));
    });
});
