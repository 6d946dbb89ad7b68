/** IstioMesh and ArgoRollouts under the mock runtime: releases, their order, mesh objects, stack sizing, mesh off. */
import * as assert from "assert";
import { Plan, PlanResource, object, objects, planStack, release, resources, schemaCheck } from "../harness";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const ISTIO_CHARTS = ["base", "cni", "istiod", "gateway"];
const ISTIO_KINDS = ["PeerAuthentication", "Telemetry", "Gateway", "VirtualService", "DestinationRule", "AuthorizationPolicy"];
const istioObjects = (plan: Plan) => plan.resources.filter((r) => String(r.inputs?.apiVersion ?? "").includes("istio.io"));
const meshResources = (plan: Plan) => plan.resources.filter((r) => r.type.startsWith("kubechat:mesh:") || r.urn.includes("kubechat:mesh:IstioMesh"));
const values = (r: PlanResource) => r.inputs.values;


describe("IstioMesh and ArgoRollouts (component)", () => {
    let dev: Plan, staging: Plan, prod: Plan;
    before(async () => {
        [dev, staging, prod] = await Promise.all([planStack("dev"), planStack("staging"), planStack("prod")]);
    });

    it("installs base -> cni -> istiod -> gateway, each release depending on the previous one", () => {
        for (const plan of [dev, prod]) {
            const [base, cni, istiod, gateway] = ISTIO_CHARTS.map((c) => release(plan, c));
            assert.ok(!base.dependencies.some((d) => d.includes(RELEASE)), "base depends on no release");
            assert.ok(cni.dependencies.includes(base.urn));
            assert.ok(istiod.dependencies.includes(cni.urn));
            assert.ok(gateway.dependencies.includes(istiod.urn));
            assert.deepStrictEqual([base, cni, istiod, gateway].map((r) => r.inputs.name), ["istio-base", "istio-cni", "istiod", "istio-ingressgateway"]);
            assert.deepStrictEqual([base, cni, istiod].map((r) => r.inputs.namespace), ["istio-system", "istio-system", "istio-system"]);
            assert.strictEqual(gateway.inputs.namespace, "istio-ingress");
            for (const r of [base, cni, istiod, gateway]) {
                assert.strictEqual(r.inputs.version, "1.28.0");
                assert.strictEqual(r.inputs.repositoryOpts.repo, "https://istio-release.storage.googleapis.com/charts");
                assert.ok(r.provider, "explicit provider");
            }
        }
    });

    it("sets global.hub/tag from the catalog and CNI mode with k3s paths in dev", () => {
        // base renders no image, so it gets no hub/tag.
        for (const c of ["cni", "istiod"]) {
            assert.strictEqual(values(release(dev, c)).global.hub, "docker.io/istio");
            assert.strictEqual(values(release(dev, c)).global.tag, "1.28.0");
        }
        const cni = values(release(dev, "cni"));
        assert.strictEqual(cni.chained, true);
        assert.strictEqual(cni.cniBinDir, "/var/lib/rancher/k3s/data/current/bin/");
        assert.strictEqual(cni.cniConfDir, "/var/lib/rancher/k3s/agent/etc/cni/net.d");
        assert.ok(!("cniBinDir" in values(release(prod, "cni"))), "chart default outside k3s");
        const istiod = values(release(prod, "istiod"));
        assert.deepStrictEqual(istiod.cni, { enabled: true });
        assert.deepStrictEqual(istiod.meshConfig.extensionProviders, [{ name: "jaeger", opentelemetry: { service: "jaeger-collector.tracing.svc.cluster.local", port: 4317 } }]);
        assert.strictEqual(istiod.meshConfig.enableTracing, true);
        assert.strictEqual(istiod.meshConfig.accessLogFile, "/dev/stdout");
        assert.strictEqual(istiod.traceSampling, 10);
    });

    it("dev: minimal istiod (1 replica, no autoscaling, no PDB), fixed single gateway, no Argo controller", () => {
        const istiod = values(release(dev, "istiod"));
        assert.strictEqual(istiod.replicaCount, 1);
        assert.strictEqual(istiod.autoscaleEnabled, false);
        assert.strictEqual(istiod.global.defaultPodDisruptionBudget.enabled, false);
        const gw = values(release(dev, "gateway"));
        assert.strictEqual(gw.autoscaling.enabled, false);
        assert.strictEqual(gw.replicaCount, 1);
        assert.deepStrictEqual(gw.podDisruptionBudget, {});
        assert.strictEqual(values(release(dev, "istiod")).traceSampling, 100);
        assert.strictEqual(object(dev, "Telemetry", "mesh-default").spec.tracing[0].randomSamplingPercentage, 100);
        assert.strictEqual(dev.config.delivery.strategy, "rolling");
        assert.throws(() => release(dev, "argo-rollouts"), /found 0/);
        assert.strictEqual(objects(dev, "Namespace", "argo-rollouts").length, 0);
    });

    it("prod and staging: HA istiod (autoscaling 2..5, PDB), autoscaled gateway with PDB, Argo controller x2", () => {
        for (const plan of [prod, staging]) {
            const istiod = values(release(plan, "istiod"));
            assert.strictEqual(istiod.replicaCount, 2);
            assert.strictEqual(istiod.autoscaleEnabled, true);
            assert.strictEqual(istiod.autoscaleMin, 2);
            assert.strictEqual(istiod.autoscaleMax, 5);
            assert.strictEqual(istiod.global.defaultPodDisruptionBudget.enabled, true);
            const gw = values(release(plan, "gateway"));
            assert.strictEqual(gw.service.type, "LoadBalancer");
            assert.strictEqual(gw.autoscaling.enabled, true);
            assert.strictEqual(gw.autoscaling.minReplicas, plan.config.mesh.gatewayReplicas);
            assert.strictEqual(gw.autoscaling.maxReplicas, 5);
            assert.deepStrictEqual(gw.podDisruptionBudget, { minAvailable: 1 });
            const argo = release(plan, "argo-rollouts");
            assert.strictEqual(argo.inputs.name, "argo-rollouts");
            assert.strictEqual(argo.inputs.namespace, "argo-rollouts");
            assert.strictEqual(argo.inputs.repositoryOpts.repo, "https://argoproj.github.io/argo-helm");
            assert.deepStrictEqual(values(argo).controller.image, { registry: "quay.io", repository: "argoproj/argo-rollouts" });
            assert.strictEqual(values(argo).controller.replicas, 2);
            assert.strictEqual(values(argo).installCRDs, true);
            assert.strictEqual(values(argo).dashboard.enabled, false);
            assert.ok(!argo.dependencies.some((d) => d.includes(RELEASE)), "Argo installs in parallel with Istio");
        }
        assert.strictEqual(values(release(prod, "gateway")).autoscaling.minReplicas, 3);
    });

    it("mesh-wide objects: STRICT mTLS, Telemetry to jaeger, public Gateway with TLS and redirect; all after istiod", () => {
        const pa = object(prod, "PeerAuthentication", "default");
        assert.strictEqual(pa.apiVersion, "security.istio.io/v1");
        assert.strictEqual(pa.metadata.namespace, "istio-system");
        assert.deepStrictEqual(pa.spec, { mtls: { mode: "STRICT" } });
        const tel = object(prod, "Telemetry", "mesh-default");
        assert.strictEqual(tel.apiVersion, "telemetry.istio.io/v1");
        assert.strictEqual(tel.metadata.namespace, "istio-system");
        assert.deepStrictEqual(tel.spec.tracing, [{ providers: [{ name: "jaeger" }], randomSamplingPercentage: 10 }]);
        const gw = object(prod, "Gateway", "kubechat-gateway");
        assert.strictEqual(gw.apiVersion, "networking.istio.io/v1");
        assert.strictEqual(gw.metadata.namespace, "istio-ingress");
        assert.deepStrictEqual(gw.spec.selector, { istio: "ingressgateway" });
        assert.deepStrictEqual(gw.spec.servers, [
            { port: { number: 443, name: "https", protocol: "HTTPS" }, hosts: ["api.kubechat.example.com"], tls: { mode: "SIMPLE", credentialName: "kubechat-tls" } },
            { port: { number: 80, name: "http", protocol: "HTTP" }, hosts: ["api.kubechat.example.com"], tls: { httpsRedirect: true } },
        ]);
        const istiod = release(prod, "istiod").urn;
        const base = release(prod, "base").urn;
        for (const r of meshResources(prod).filter((x) => String(x.inputs?.apiVersion ?? "").includes("istio.io"))) {
            assert.ok(r.dependencies.includes(istiod) && r.dependencies.includes(base), `${r.name} waits for base and istiod`);
        }
        assert.strictEqual(objects(prod, "AuthorizationPolicy").filter((a) => a.metadata.namespace === "istio-ingress").length, 0);
    });

    it("namespaces: istio-system privileged (CNI agent), gateway and argo-rollouts restricted, each default-deny", () => {
        assert.strictEqual(object(prod, "Namespace", "istio-system").metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");
        for (const n of ["istio-ingress", "argo-rollouts"]) {
            const ns = object(prod, "Namespace", n);
            assert.strictEqual(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
            assert.strictEqual(ns.metadata.labels["app.kubernetes.io/managed-by"], "pulumi");
            const deny = objects(prod, "NetworkPolicy", "default-deny").filter((p) => p.metadata.namespace === n);
            assert.strictEqual(deny.length, 1, `default-deny in ${n}`);
            assert.deepStrictEqual(deny[0].spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        }
        // istio-system: egress confined (components/system-egress.ts), ingress never restricted — the API
        // server calls istiod's webhooks from control-plane addresses no selector matches.
        const system = objects(prod, "NetworkPolicy").filter((p) => p.metadata.namespace === "istio-system");
        assert.ok(system.length > 0, "istio-system has egress policies");
        for (const p of system) assert.deepStrictEqual(p.spec.policyTypes, ["Egress"], p.metadata.name);
        const gwPolicy = object(prod, "NetworkPolicy", "istio-ingressgateway");
        assert.deepStrictEqual(gwPolicy.spec.egress[0].ports, [{ protocol: "TCP", port: 8080 }]);
    });

    it("Istio objects and NetworkPolicies pass their official schemas", async () => {
        for (const plan of [dev, staging, prod]) {
            const mine = plan.resources.filter((r) => r.urn.includes("IstioMesh") || r.urn.includes("ArgoRollouts"));
            assert.ok(mine.length > 0);
            const res = await schemaCheck({ ...plan, resources: mine });
            assert.deepStrictEqual(res.errors, []);
            assert.deepStrictEqual(res.unvalidatedKinds, []);
            assert.strictEqual(res.validated, mine.filter((r) => r.custom && r.type !== RELEASE && typeof r.inputs?.kind === "string").length);
        }
    });

    it("the registry override rewrites every Istio and Argo image value", async () => {
        const plan = await planStack("staging", { registry: "mirror.corp:5000/kc" });
        const upstream = /\b(docker\.io|quay\.io|ghcr\.io|gcr\.io|registry\.k8s\.io)\b/;
        for (const r of resources(plan, RELEASE).filter((x) => x.urn.includes("IstioMesh") || x.urn.includes("ArgoRollouts"))) {
            assert.ok(!upstream.test(JSON.stringify(values(r))), `${r.name} values name an upstream registry`);
        }
        assert.strictEqual(values(release(plan, "istiod")).global.hub, "mirror.corp:5000/kc/istio");
        assert.strictEqual(values(release(plan, "argo-rollouts")).controller.image.registry, "mirror.corp:5000/kc");
    });

    it("mesh off: no Istio release, object or namespace anywhere; Argo still follows the strategy", async () => {
        const off = await planStack("dev", { mesh: { enabled: false } });
        assert.strictEqual(resources(off, RELEASE).filter((r) => ISTIO_CHARTS.includes(String(r.inputs.chart))).length, 0);
        assert.strictEqual(istioObjects(off).length, 0);
        for (const k of ISTIO_KINDS) assert.strictEqual(objects(off, k).length, 0, k);
        assert.strictEqual(meshResources(off).length, 0);
        assert.strictEqual(objects(off, "Namespace", "istio-system").length, 0);
        const blueGreen = await planStack("dev", { mesh: { enabled: false, ha: false }, delivery: { strategy: "blueGreen" } });
        assert.strictEqual(istioObjects(blueGreen).length, 0);
        assert.strictEqual(values(release(blueGreen, "argo-rollouts")).controller.replicas, 1, "non-HA stack: one controller");
    });

    it("exports the ingress Service as a stack output", () => {
        assert.strictEqual(prod.outputs.ingressService, "istio-ingress/istio-ingressgateway");
    });
});
