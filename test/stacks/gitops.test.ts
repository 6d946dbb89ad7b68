/**
 * GitOps mode end to end on the staging stack: Pulumi keeps the platform and creates Argo CD's
 * AppProject and Application; the app layer becomes manifests for Git — the very objects the plan
 * creates otherwise — which are schema-checked and held to the policy pack.
 */
import * as assert from "assert";
import { GITOPS, Plan, PlanResource, k8sObjects, objects, planStack, schemaCheck } from "../harness";
import { checkPlan } from "../../planner/checks/policy-run";
import { validateObjects } from "../../planner/checks/schema";
import { SYNC_WAVE } from "../../components/gitops/spec";
import { checkRendered } from "../../planner/checks/chart-checks";
import { imageSet } from "../../planner/checks/images";
import { ROOT } from "../../planner/root";
import { appLayerResources, handoverScript } from "../../planner/gitops/handover";

const appLayer = (plan: Plan): PlanResource[] => appLayerResources(plan);

/** A GitOps manifest with what GitOps mode adds taken away again. */
function withoutGitOps(o: any): any {
    const c = JSON.parse(JSON.stringify(o));
    delete c.metadata.annotations[SYNC_WAVE];
    if (Object.keys(c.metadata.annotations).length === 0) delete c.metadata.annotations;
    if (c.metadata.labels?.["app.kubernetes.io/managed-by"] === "argocd") c.metadata.labels["app.kubernetes.io/managed-by"] = "pulumi";
    return c;
}

describe("GitOps mode (staging with gitops.enabled)", () => {
    const gitops = () => planStack("staging", GITOPS);

    it("leaves no app-layer object to Pulumi, and creates one AppProject and one Application in Argo CD's namespace", async () => {
        const [plain, plan] = [await planStack("staging"), await gitops()];
        assert.ok(appLayer(plain).length >= 15, "the plain plan has the app layer");
        assert.deepStrictEqual(appLayer(plan).map((r) => r.name), []);
        const app = objects(plan, "Application");
        const project = objects(plan, "AppProject");
        assert.strictEqual(app.length, 1);
        assert.strictEqual(project.length, 1);
        assert.strictEqual(app[0].metadata.namespace, "argocd");
        assert.strictEqual(app[0].spec.project, project[0].metadata.name);
        const appRes = plan.resources.find((r) => r.inputs?.kind === "Application")!;
        const projectRes = plan.resources.find((r) => r.inputs?.kind === "AppProject")!;
        assert.ok(appRes.dependencies.includes(projectRes.urn));
        // The Application waits for the namespace and the charts that install the app layer's CRDs.
        const ns = plan.resources.find((r) => r.inputs?.kind === "Namespace" && r.inputs.metadata.name === "kubechat-system")!;
        assert.ok(appRes.dependencies.includes(ns.urn));
        assert.ok(plan.resources.some((r) => r.type === "kubernetes:helm.sh/v3:Release" && appRes.dependencies.includes(r.urn)));
    });

    it("hands Argo CD exactly the objects the plan creates otherwise: same names and content, in declaration order", async () => {
        const [plain, plan] = [await planStack("staging"), await gitops()];
        // Pulumi registers an object once its inputs resolve (namespaced ones after the namespace), so
        // the plain plan's order is not the declaration order; GitOps keeps the declaration order.
        const byName = (xs: { name: string; object: any }[]) => [...xs].sort((a, b) => a.name.localeCompare(b.name));
        assert.deepStrictEqual(
            byName(plan.gitops.map((m) => ({ name: m.name, object: withoutGitOps(m.object) }))),
            byName(appLayer(plain).map((r) => ({ name: r.name, object: r.inputs }))),
        );
        assert.strictEqual(plan.gitops[0].object.kind, "CustomResourceDefinition");
        assert.strictEqual(plan.gitops[plan.gitops.length - 1].object.kind, "AnalysisTemplate");
    });

    it("every object is schema-valid, AppProject and Application against Argo CD's CRD models", async () => {
        const plan = await gitops();
        const res = await schemaCheck(plan);
        assert.deepStrictEqual(res.errors, []);
        assert.ok(!res.unvalidatedKinds.some((k) => k.startsWith("argoproj.io/v1alpha1/App")), res.unvalidatedKinds.join());
        const app = await validateObjects(plan.gitops.map((m) => m.object));
        assert.deepStrictEqual(app.errors, []);
        assert.deepStrictEqual(app.unvalidatedKinds, ["autoscaling.k8s.io/v1/VerticalPodAutoscaler"]);
    });

    it("passes the policy pack, which runs over the GitOps manifests too (a privileged container there fails)", async () => {
        const plan = await gitops();
        // Only the advisories staging knowingly carries (test/stacks/stacks.test.ts): the app's database env, the silent Alertmanager.
        assert.deepStrictEqual(checkPlan(plan).violations.filter((v) => v.level !== "advisory" || !["secrets-as-files", "alertmanager-receiver"].includes(v.policy))
            .map((v) => `${v.policy}: ${v.message}`), []);
        const broken: Plan = { ...plan, gitops: plan.gitops.map((m) => JSON.parse(JSON.stringify(m))) };
        const rollout = broken.gitops.find((m) => m.object.kind === "Rollout")!.object;
        rollout.spec.template.spec.containers[0].securityContext.privileged = true;
        const mandatory = checkPlan(broken).violations.filter((v) => v.level === "mandatory");
        assert.ok(mandatory.some((v) => v.name === "api-gateway" && /privileged/i.test(v.message)), JSON.stringify(mandatory));
    });

    it("the rendered-chart checks count the GitOps manifests as our own objects: their images reach airgap.json", async () => {
        const plan = await gitops();
        // No release rendered: what remains is exactly our own objects.
        const checks = await checkRendered(plan, { releases: [], kubeVersion: "1.33.0", apiVersions: [] }, ROOT);
        const app = plan.gitops.find((m) => m.object.kind === "Rollout")!.object.spec.template.spec.containers[0].image;
        assert.ok(imageSet(checks.images).includes(app), `${app} missing from ${imageSet(checks.images).join(", ")}`);
        assert.deepStrictEqual(checks.schema.errors, []);
    });

    it("handover: Pulumi forgets exactly the objects Argo CD takes over, dependents first, nothing else", async () => {
        const [plain, plan] = [await planStack("staging"), await gitops()];
        const script = handoverScript("staging", appLayer(plain));
        assert.deepStrictEqual(script.slice(0, 2), ["#!/usr/bin/env bash", "set -euo pipefail"]);
        const urns = script.filter((l) => l.startsWith("pulumi ")).map((l) => {
            const m = /^pulumi state delete --stack staging --yes '(urn:pulumi:staging::kubechat::[^']+)'$/.exec(l);
            assert.ok(m, l);
            return m![1];
        });
        assert.deepStrictEqual(urns.map((u) => u.split("::").pop()).sort(), plan.gitops.map((m) => m.name).sort());
        const at = (suffix: string) => urns.findIndex((u) => u.endsWith(`::kubechat-app-api-gateway-${suffix}`));
        assert.ok(at("binding") < at("role"), "the binding (depends on the role) goes first");
        assert.ok(!urns.some((u) => /Namespace|VpaChart|helm\.sh/.test(u)), "the namespace and the VPA chart stay Pulumi's");
    });

    it("sync waves: CRD, then identity/RBAC, then guards, then Services, then workloads, then autoscalers", async () => {
        const plan = await gitops();
        const wave = (kind: string) => Number(plan.gitops.find((m) => m.object.kind === kind)!.object.metadata.annotations[SYNC_WAVE]);
        for (const m of plan.gitops) assert.match(m.object.metadata.annotations[SYNC_WAVE], /^-?\d+$/);
        const order = ["CustomResourceDefinition", "ClusterRoleBinding", "NetworkPolicy", "Service", "Rollout", "HorizontalPodAutoscaler"].map(wave);
        assert.deepStrictEqual(order, [...order].sort((a, b) => a - b));
        assert.ok(new Set(order).size === order.length, "each step its own wave");
        for (const k of ["ServiceAccount", "ClusterRole", "AuthorizationPolicy", "AnalysisTemplate"]) assert.ok(wave(k) < wave("Rollout"), k);
    });

    it("the AppProject allows this repository, the app namespace, the app layer's kinds and its cluster objects by name only", async () => {
        const plan = await gitops();
        const spec = objects(plan, "AppProject")[0].spec;
        assert.deepStrictEqual(spec.sourceRepos, [GITOPS.gitops.repoURL]);
        assert.deepStrictEqual(spec.destinations, [{ server: "https://kubernetes.default.svc", namespace: "kubechat-system" }]);
        const group = (o: any) => (o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : "");
        const objs = plan.gitops.map((m) => m.object);
        for (const o of objs.filter((x) => x.metadata.namespace)) {
            assert.ok(spec.namespaceResourceWhitelist.some((w: any) => w.group === group(o) && w.kind === o.kind), o.kind);
        }
        const cluster = objs.filter((o) => !o.metadata.namespace).map((o) => `${o.kind}/${o.metadata.name}`).sort();
        assert.deepStrictEqual(spec.clusterResourceWhitelist.map((w: any) => `${w.kind}/${w.name}`).sort(), cluster);
        assert.ok(!spec.clusterResourceWhitelist.some((w: any) => w.kind === "Namespace" || w.kind === "*" || w.name === undefined));
        assert.ok(spec.namespaceResourceWhitelist.every((w: any) => w.kind !== "*" && w.kind !== "Secret"));
    });

    it("the Application syncs automatically with prune, self-heal and server-side apply, leaving controller-owned fields alone", async () => {
        const plan = await gitops();
        const spec = objects(plan, "Application")[0].spec;
        assert.deepStrictEqual(spec.source, { repoURL: GITOPS.gitops.repoURL, path: "kubechat/staging", targetRevision: "HEAD", directory: { recurse: true } });
        assert.deepStrictEqual(spec.syncPolicy.automated, { prune: true, selfHeal: true });
        for (const o of ["ServerSideApply=true", "RespectIgnoreDifferences=true"]) assert.ok(spec.syncPolicy.syncOptions.includes(o), o);
        assert.ok(!spec.syncPolicy.syncOptions.some((o: string) => o.startsWith("CreateNamespace")), "the namespace is the platform's");
        const ignored = (kind: string, name: string) => spec.ignoreDifferences.find((d: any) => d.kind === kind && d.name === name)?.jsonPointers ?? [];
        // staging: an HPA scales the api-gateway Rollout; the canary rewrites weights, subsets and Service selectors.
        assert.ok(objects(plan, "HorizontalPodAutoscaler").length === 0 && plan.gitops.some((m) => m.object.kind === "HorizontalPodAutoscaler"));
        assert.deepStrictEqual(ignored("Rollout", "api-gateway"), ["/spec/replicas"]);
        assert.deepStrictEqual(ignored("VirtualService", "api-gateway"), ["/spec/http"]);
        assert.deepStrictEqual(ignored("DestinationRule", "api-gateway"), ["/spec/subsets"]);
        for (const s of ["api-gateway-canary", "api-gateway-stable"]) assert.ok(ignored("Service", s).includes("/spec/selector/rollouts-pod-template-hash"), s);
        assert.deepStrictEqual(ignored("Service", "api-gateway"), [], "the scraped Service is not the Rollout's");
    });

    it("repository credentials are a Secret reference: only Argo CD's label is patched, no value passes through Pulumi", async () => {
        const plan = await gitops();
        const patch = plan.resources.filter((r) => r.type === "kubernetes:core/v1:SecretPatch");
        assert.strictEqual(patch.length, 1);
        assert.deepStrictEqual(Object.keys(patch[0].inputs).sort(), ["apiVersion", "kind", "metadata"]);
        assert.deepStrictEqual(patch[0].inputs.metadata, { name: "deploy-repo", namespace: "argocd", labels: { "argocd.argoproj.io/secret-type": "repository" } });
        // No Secret value reaches Argo CD's namespace; the only Secret values anywhere are ones the
        // program generates (observability credentials), secret in the plan.
        assert.ok(!k8sObjects(plan).some((o) => o.kind === "Secret" && o.metadata?.namespace === "argocd" && (o.data || o.stringData)));
        assert.ok(!k8sObjects(plan).some((o) => o.kind === "Secret" && [o.data, o.stringData].some((d) => d !== undefined && Object.values(d).some((v) => v !== "[secret]"))));
    });
});
