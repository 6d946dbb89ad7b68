import * as assert from "assert";
import { Plan, object, objects, planStack, release, resources, schemaCheck } from "../harness";

const NS = "kubechat-system";
const inApp = (plan: Plan, kind: string) => objects(plan, kind).filter((o) => o.metadata?.namespace === NS);
const APP_KINDS = [
    "Deployment", "Rollout", "Service", "ServiceAccount", "HorizontalPodAutoscaler", "VerticalPodAutoscaler", "PodDisruptionBudget",
    "NetworkPolicy", "VirtualService", "DestinationRule", "AuthorizationPolicy", "AnalysisTemplate", "Ingress",
];
const podOf = (plan: Plan) => (objects(plan, "Rollout", "api-gateway")[0] ?? object(plan, "Deployment", "api-gateway")).spec.template.spec;

describe("app component (KubeChat)", function () {
    this.timeout(300000);
    let dev: Plan, staging: Plan, prod: Plan, meshOff: Plan, blueGreen: Plan;
    before(async () => {
        dev = await planStack("dev");
        staging = await planStack("staging");
        prod = await planStack("prod");
        meshOff = await planStack("dev", { mesh: { enabled: false } });
        blueGreen = await planStack("prod", { delivery: { strategy: "blueGreen", autoPromote: false, scaleDownDelaySeconds: 30 } });
    });

    it("every app object passes its schema (Istio and Argo kinds included)", async () => {
        for (const plan of [dev, staging, prod, meshOff, blueGreen]) {
            const r = await schemaCheck(plan);
            assert.deepStrictEqual(r.errors, []);
            assert.ok(r.unvalidatedKinds.every((k) => !/argoproj|istio|apps\/|networking\.k8s/.test(k)), r.unvalidatedKinds.join(","));
        }
    });

    it("namespace: restricted Pod Security, injection with the mesh, recommended labels", () => {
        const labels = object(prod, "Namespace", NS).metadata.labels;
        for (const mode of ["enforce", "audit", "warn"]) assert.strictEqual(labels[`pod-security.kubernetes.io/${mode}`], "restricted");
        assert.strictEqual(labels["istio-injection"], "enabled");
        assert.strictEqual(labels["app.kubernetes.io/part-of"], "kubechat");
        assert.strictEqual(object(meshOff, "Namespace", NS).metadata.labels["istio-injection"], undefined);
    });

    it("recommended labels on every app object", () => {
        for (const kind of APP_KINDS) {
            for (const o of inApp(prod, kind)) assert.ok(o.metadata.labels?.["app.kubernetes.io/name"] && o.metadata.labels["app.kubernetes.io/part-of"] === "kubechat", `${kind} ${o.metadata.name}`);
        }
    });

    it("CRD chatsessions.kubechat.ai and RBAC exactly as the seed", () => {
        const crd = object(prod, "CustomResourceDefinition", "chatsessions.kubechat.ai");
        assert.strictEqual(crd.spec.group, "kubechat.ai");
        assert.strictEqual(crd.spec.scope, "Namespaced");
        assert.deepStrictEqual(crd.spec.versions[0].subresources, { status: {} });
        const sa = object(prod, "ServiceAccount", "kubechat-api-gateway");
        assert.strictEqual(sa.automountServiceAccountToken, true);
        const role = object(prod, "ClusterRole", "kubechat-api-gateway");
        assert.ok(!JSON.stringify(role.rules).includes("*"));
        assert.deepStrictEqual(role.rules[0], { apiGroups: [""], resources: ["pods", "services", "configmaps"], verbs: ["get", "list", "watch"] });
        const binding = object(prod, "ClusterRoleBinding", "kubechat-api-gateway");
        assert.deepStrictEqual(binding.subjects, [{ kind: "ServiceAccount", name: "kubechat-api-gateway", namespace: NS }]);
        assert.strictEqual(binding.roleRef.name, "kubechat-api-gateway");
    });

    it("api-gateway pod: catalog image, hardening, probes, resources, draining, database from Secret", () => {
        const pod = podOf(prod);
        const c = pod.containers[0];
        assert.strictEqual(c.name, "api-gateway");
        assert.strictEqual(c.image, "ghcr.io/kubechat/api-gateway:1.4.2");
        assert.deepStrictEqual(c.ports, [{ name: "http", containerPort: 8080, protocol: "TCP" }]);
        assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
        assert.deepStrictEqual(c.securityContext.capabilities, { drop: ["ALL"] });
        assert.strictEqual(pod.securityContext.fsGroup, 1000);
        assert.deepStrictEqual(pod.volumes, [{ name: "tmp", emptyDir: {} }]);
        assert.deepStrictEqual(c.resources, { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } });
        assert.strictEqual(c.readinessProbe.httpGet.path, "/health/ready");
        assert.strictEqual(c.livenessProbe.initialDelaySeconds, 30);
        assert.deepStrictEqual(c.lifecycle, { preStop: { sleep: { seconds: 15 } } });
        assert.strictEqual(pod.terminationGracePeriodSeconds, 60);
        const env = Object.fromEntries(c.env.map((e: any) => [e.name, e]));
        assert.strictEqual(env.DB_HOST.value, "kubechat-db-pooler.kubechat-data.svc.cluster.local");
        assert.strictEqual(env.DB_PORT.value, "5432");
        assert.strictEqual(env.DB_PASSWORD.value, undefined);
        assert.deepStrictEqual(env.DB_PASSWORD.valueFrom, { secretKeyRef: { name: "kubechat-system.kubechat.kubechat-db.credentials.postgresql.acid.zalan.do", key: "password" } });
        assert.strictEqual(pod.topologySpreadConstraints[0].topologyKey, "topology.kubernetes.io/zone");
        assert.strictEqual(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution, undefined);
    });

    it("Service: ClusterIP with the port named http", () => {
        const svc = object(prod, "Service", "api-gateway");
        assert.strictEqual(svc.spec.type, "ClusterIP");
        assert.deepStrictEqual(svc.spec.ports.map((p: any) => [p.name, p.port]), [["http", 8080]]);
    });

    it("dev: one-replica Deployment, rolling 25 %/25 %, no HPA, a PDB that never blocks drains", () => {
        const d = object(dev, "Deployment", "api-gateway");
        assert.strictEqual(d.spec.replicas, 1);
        assert.deepStrictEqual(d.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } });
        assert.deepStrictEqual(inApp(dev, "HorizontalPodAutoscaler"), []);
        assert.deepStrictEqual(inApp(dev, "Rollout"), []);
        assert.strictEqual(object(dev, "PodDisruptionBudget", "api-gateway").spec.maxUnavailable, 1);
    });

    it("staging: HPA 2..3 and PDB minAvailable 1; canary Rollout without declared replicas", () => {
        const hpa = object(staging, "HorizontalPodAutoscaler", "api-gateway");
        assert.deepStrictEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas], [2, 3]);
        assert.strictEqual(object(staging, "PodDisruptionBudget", "api-gateway").spec.minAvailable, 1);
        assert.strictEqual(object(staging, "Rollout", "api-gateway").spec.replicas, undefined);
    });

    it("prod: HPA 3..20 on the Rollout, VPA Off on the Rollout, PDB minAvailable 2", () => {
        const hpa = object(prod, "HorizontalPodAutoscaler", "api-gateway");
        assert.deepStrictEqual(hpa.spec.scaleTargetRef, { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: "api-gateway" });
        assert.deepStrictEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas], [3, 20]);
        assert.deepStrictEqual(hpa.spec.metrics.map((m: any) => m.type), ["Resource", "Resource", "Pods"]);
        const vpa = object(prod, "VerticalPodAutoscaler", "api-gateway");
        assert.strictEqual(vpa.apiVersion, "autoscaling.k8s.io/v1");
        assert.deepStrictEqual(vpa.spec.targetRef, hpa.spec.scaleTargetRef);
        assert.strictEqual(vpa.spec.updatePolicy.updateMode, "Off");
        assert.strictEqual(object(prod, "PodDisruptionBudget", "api-gateway").spec.minAvailable, 2);
        const rollout = object(prod, "Rollout", "api-gateway");
        assert.strictEqual(rollout.spec.replicas, undefined);
        assert.strictEqual(rollout.spec.workloadRef, undefined);
        assert.deepStrictEqual(inApp(prod, "Deployment"), []);
    });

    it("the vpa namespace enforces Pod Security restricted", () => {
        for (const plan of [dev, prod]) {
            const ns = object(plan, "Namespace", "vpa");
            assert.strictEqual(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        }
    });

    it("prod canary: stable/canary Services, Istio routing, analysis template on Prometheus", () => {
        for (const name of ["api-gateway", "api-gateway-canary", "api-gateway-stable"]) object(prod, "Service", name);
        const canary = object(prod, "Rollout", "api-gateway").spec.strategy.canary;
        assert.strictEqual(canary.steps[0].setHeaderRoute.name, "canary-header");
        assert.deepStrictEqual(canary.steps.filter((s: any) => "setWeight" in s).map((s: any) => s.setWeight), [5, 25, 50, 100]);
        const vs = object(prod, "VirtualService", "api-gateway");
        assert.strictEqual(vs.apiVersion, "networking.istio.io/v1");
        assert.deepStrictEqual(vs.spec.gateways, ["istio-ingress/kubechat-gateway", "mesh"]);
        assert.deepStrictEqual(vs.spec.http.map((h: any) => h.name), ["canary-header", "primary"]);
        assert.strictEqual(object(prod, "DestinationRule", "api-gateway").spec.trafficPolicy.tls.mode, "ISTIO_MUTUAL");
        const at = object(prod, "AnalysisTemplate", "api-gateway-error-rate");
        assert.match(at.spec.metrics[0].provider.prometheus.query, /rollouts_pod_template_hash="\{\{args\.canary-hash\}\}"/);
        // Each weight below 100 is followed by an analysis step of this template, handing it every argument it declares.
        const gates = canary.steps.map((s: any, i: number) => ("setWeight" in s && s.setWeight < 100 ? canary.steps[i + 1]?.analysis : undefined)).filter((a: any) => a !== undefined);
        assert.strictEqual(gates.length, 3, JSON.stringify(canary.steps));
        for (const g of gates) {
            assert.deepStrictEqual(g.templates, [{ templateName: "api-gateway-error-rate" }]);
            assert.deepStrictEqual(g.args.map((a: any) => a.name), at.spec.args.map((a: any) => a.name));
        }
        // Prod's 30-minute weights: 30 measurements per run, enough to end a quiet canary's run Inconclusive.
        assert.strictEqual(at.spec.metrics[0].count, 30);
        assert.strictEqual(canary.analysis, undefined);
        const authz = object(prod, "AuthorizationPolicy", "api-gateway");
        assert.deepStrictEqual(authz.spec.rules[0].from[0].source.principals, ["cluster.local/ns/istio-ingress/sa/istio-ingressgateway"]);
        // Every ALLOW rule names mesh identities on the service port Envoy intercepts; Prometheus scrapes
        // the agent's 15020 (not intercepted), so a rule for it could never match.
        const sm = object(prod, "ServiceMonitor", "api-gateway");
        assert.strictEqual(sm.spec.endpoints[0].relabelings[0].replacement, "$1:15020");
        for (const r of authz.spec.rules) {
            assert.ok(r.from.every((f: any) => Array.isArray(f.source.principals) && f.source.namespaces === undefined), JSON.stringify(r));
            assert.deepStrictEqual(r.to, [{ operation: { ports: ["8080"] } }]);
        }
    });

    it("Argo owns the canary routes and subsets after creation; CRs wait for their controllers", () => {
        const vs = resources(prod, "kubernetes:networking.istio.io/v1:VirtualService", "api-gateway")[0];
        assert.deepStrictEqual(vs.ignoreChanges, ["spec.http"]);
        assert.deepStrictEqual(resources(prod, "kubernetes:networking.istio.io/v1:DestinationRule", "api-gateway")[0].ignoreChanges, ["spec.subsets"]);
        const rollout = resources(prod, "kubernetes:argoproj.io/v1alpha1:Rollout")[0];
        // The HPA owns spec.replicas (prod's api-gateway scales 3..20); dev's single replica has no HPA.
        assert.deepStrictEqual(rollout.ignoreChanges, ["spec.replicas"]);
        assert.deepStrictEqual(resources(dev, "kubernetes:apps/v1:Deployment", "api-gateway")[0].ignoreChanges ?? [], []);
        const argo = release(prod, "argo-rollouts");
        assert.ok(rollout.dependencies.includes(argo.urn) || rollout.dependencies.some((d) => d.includes("ArgoRollouts")), "Rollout waits for the Argo Rollouts CRDs");
        const vpa = resources(prod, "kubernetes:autoscaling.k8s.io/v1:VerticalPodAutoscaler")[0];
        assert.ok(vpa.dependencies.includes(release(prod, "vpa").urn), "VPA waits for the chart that installs its CRD");
    });

    it("VPA chart in namespace vpa with every image from the catalog", () => {
        const vpa = release(prod, "vpa");
        assert.strictEqual(vpa.inputs.namespace, "vpa");
        const values = vpa.inputs.values;
        assert.strictEqual(values.recommender.image.repository, "registry.k8s.io/autoscaling/vpa-recommender");
        assert.strictEqual(values.admissionController.image.repository, "registry.k8s.io/autoscaling/vpa-admission-controller");
        assert.strictEqual(values.admissionController.certGen.image.repository, "registry.k8s.io/ingress-nginx/kube-webhook-certgen");
    });

    it("blueGreen: active = plain Service, preview Service, VirtualService routes only to the active one", () => {
        const bg = object(blueGreen, "Rollout", "api-gateway").spec.strategy.blueGreen;
        assert.deepStrictEqual(bg, { activeService: "api-gateway", previewService: "api-gateway-preview", autoPromotionEnabled: false, scaleDownDelaySeconds: 30 });
        object(blueGreen, "Service", "api-gateway-preview");
        assert.deepStrictEqual(objects(blueGreen, "Service", "api-gateway-canary"), []);
        const http = object(blueGreen, "VirtualService", "api-gateway").spec.http;
        assert.deepStrictEqual(http, [{ name: "primary", route: [{ destination: { host: "api-gateway.kubechat-system.svc.cluster.local", port: { number: 8080 } } }] }]);
        assert.deepStrictEqual(objects(blueGreen, "AnalysisTemplate"), []);
    });

    it("network policies: default deny, gateway/monitoring ingress, DNS/Postgres/istiod/API egress", () => {
        const deny = inApp(prod, "NetworkPolicy").find((np) => np.metadata.name === "default-deny");
        assert.deepStrictEqual(deny.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        const ing = object(prod, "NetworkPolicy", "api-gateway-ingress").spec.ingress;
        assert.deepStrictEqual(ing[0].from, [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "istio-ingress" } } }]);
        const egress = JSON.stringify(object(prod, "NetworkPolicy", "api-gateway-egress").spec.egress);
        for (const needle of ['"k8s-app":"kube-dns"', '"UDP"', '"port":5432', '"port":15012', '"port":6443']) assert.ok(egress.includes(needle), needle);
        assert.ok(!JSON.stringify(object(meshOff, "NetworkPolicy", "api-gateway-egress").spec).includes("15012"));
    });

    it("mesh off: Ingress with TLS from config, no Istio object at all", () => {
        const ing = object(meshOff, "Ingress", "api-gateway");
        assert.deepStrictEqual(ing.spec.tls, [{ hosts: ["kubechat.localhost"], secretName: "kubechat-tls" }]);
        assert.strictEqual(ing.spec.rules[0].host, "kubechat.localhost");
        const istio = meshOff.resources.filter((r) => /istio\.io/.test(r.type));
        assert.deepStrictEqual(istio.map((r) => r.name), []);
        assert.deepStrictEqual(objects(dev, "Ingress"), []);
    });
});
