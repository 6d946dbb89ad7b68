/** Pure Istio and Argo Rollouts plan functions: chart values and NetworkPolicies, without mocks. */
import * as assert from "assert";
import { Catalog } from "../../components/catalog";
import { configSchema, crossChecks } from "../../components/config";
import { namespaceNames } from "../../components/namespaces";
import { DEFAULT_DENY } from "../../components/network";
import { jaegerCollectorService, otlpGrpcEndpoint } from "../../components/observability/jaeger";
import { platformArgs } from "../../components/platform-args";
import { parseConfig } from "../../components/config";
import { minimalOnPremConfig } from "../harness";
import { MeshConfig, gatewayValues, istioBaseValues, istioCniValues, istioImages, istiodValues } from "../../components/mesh/values";
import { gatewayNetworkPolicies } from "../../components/mesh/network";
import { argoRolloutsNetworkPolicies, argoRolloutsValues } from "../../components/delivery/argo-rollouts";

const defaults = configSchema.parse({});
const mesh = (over: Partial<MeshConfig> = {}): MeshConfig => ({ ...defaults.mesh, ...over });
const dev = mesh({ ha: false, istiodReplicas: 1, gatewayReplicas: 1, traceSamplingPercent: 100 });
const prod = mesh({ ha: true, istiodReplicas: 2, istiodMaxReplicas: 5, gatewayReplicas: 3, gatewayMaxReplicas: 6, traceSamplingPercent: 10 });
const img = { hub: "docker.io/istio", tag: "1.28.0" };
const ns = namespaceNames(defaults);

describe("mesh values (pure)", () => {
    it("derives hub and tag from the catalog, with the registry override applied, and records every Istio image", () => {
        assert.deepStrictEqual(istioImages(new Catalog()), { hub: "docker.io/istio", tag: "1.28.0" });
        const air = new Catalog({ registry: "mirror.corp:5000/kc" });
        assert.deepStrictEqual(istioImages(air), { hub: "mirror.corp:5000/kc/istio", tag: "1.28.0" });
        assert.deepStrictEqual(air.airgapList().images, [
            "mirror.corp:5000/kc/istio/install-cni:1.28.0", "mirror.corp:5000/kc/istio/pilot:1.28.0", "mirror.corp:5000/kc/istio/proxyv2:1.28.0",
        ]);
    });

    it("base and cni carry global.hub/tag; cni is chained and keeps the chart's paths unless configured", () => {
        assert.deepStrictEqual((istioBaseValues(img) as any).global, { istioNamespace: "istio-system" }, "base renders no image");
        const cni = istioCniValues(img, { cniBinDir: "", cniConfDir: "" }) as any;
        assert.strictEqual(cni.chained, true);
        assert.strictEqual(cni.global.hub, img.hub);
        assert.ok(!("istioNamespace" in cni.global), "cni 1.28.0 reads no global.istioNamespace");
        assert.ok(!("cniBinDir" in cni) && !("cniConfDir" in cni));
        assert.ok(cni.resources.requests && cni.resources.limits);
        const k3s = istioCniValues(img, { cniBinDir: "/var/lib/rancher/k3s/data/current/bin/", cniConfDir: "/var/lib/rancher/k3s/agent/etc/cni/net.d" }) as any;
        assert.strictEqual(k3s.cniBinDir, "/var/lib/rancher/k3s/data/current/bin/");
        assert.strictEqual(k3s.cniConfDir, "/var/lib/rancher/k3s/agent/etc/cni/net.d");
        assert.ok(!("cni" in k3s), "the cni chart is flattened: no cni.* nesting");
    });

    it("istiod: flattened keys, CNI mode, OpenTelemetry provider to Jaeger, access logs, sampling", () => {
        const tracing = otlpGrpcEndpoint("tracing");
        const v = istiodValues(img, prod, tracing) as any;
        assert.deepStrictEqual(v.cni, { enabled: true });
        assert.ok(!("pilot" in v), "no pilot.* nesting in the flattened chart");
        assert.strictEqual(v.global.hub, img.hub);
        assert.strictEqual(v.global.tag, img.tag);
        assert.deepStrictEqual(v.meshConfig.extensionProviders, [{ name: "jaeger", opentelemetry: { service: "jaeger-collector.tracing.svc.cluster.local", port: 4317 } }]);
        assert.strictEqual(v.meshConfig.enableTracing, true);
        assert.strictEqual(v.meshConfig.accessLogFile, "/dev/stdout");
        assert.strictEqual(v.traceSampling, 10);
        assert.deepStrictEqual(v.seccompProfile, { type: "RuntimeDefault" });
        const custom = istiodValues(img, prod, { service: "otel.obs.svc.cluster.local", port: 4317 }) as any;
        assert.strictEqual(custom.meshConfig.extensionProviders[0].opentelemetry.service, "otel.obs.svc.cluster.local");
    });

    it("istiod HA: replicas, autoscaling between the floor and ceiling, PDB, large resources", () => {
        const v = istiodValues(img, prod, otlpGrpcEndpoint("tracing")) as any;
        assert.strictEqual(v.replicaCount, 2);
        assert.strictEqual(v.autoscaleEnabled, true);
        assert.strictEqual(v.autoscaleMin, 2);
        assert.strictEqual(v.autoscaleMax, 5);
        assert.deepStrictEqual(v.global.defaultPodDisruptionBudget, { enabled: true });
        assert.deepStrictEqual(v.resources.requests, { cpu: "500m", memory: "2Gi" });
    });

    it("istiod minimal: one replica, no autoscaling, no drain-blocking PDB, small resources", () => {
        const v = istiodValues(img, dev, otlpGrpcEndpoint("tracing")) as any;
        assert.strictEqual(v.replicaCount, 1);
        assert.strictEqual(v.autoscaleEnabled, false);
        assert.ok(!("autoscaleMin" in v) && !("autoscaleMax" in v));
        assert.deepStrictEqual(v.global.defaultPodDisruptionBudget, { enabled: false });
        assert.deepStrictEqual(v.resources.requests, { cpu: "100m", memory: "256Mi" });
        assert.strictEqual(v.traceSampling, 100);
    });

    it("gateway: service type, labels, autoscaling and PDB by stack, restricted-compatible pod security", () => {
        const ha = gatewayValues({ mesh: prod, serviceType: "LoadBalancer" }) as any;
        assert.deepStrictEqual(ha.service, { type: "LoadBalancer" });
        assert.deepStrictEqual(ha.labels, { app: "istio-ingressgateway", istio: "ingressgateway" });
        assert.deepStrictEqual(ha.autoscaling, { enabled: true, minReplicas: 3, maxReplicas: 6, targetCPUUtilizationPercentage: 80 });
        assert.ok(!("replicaCount" in ha), "the chart ignores replicaCount when the HPA is on");
        assert.deepStrictEqual(ha.podDisruptionBudget, { minAvailable: 1 });
        assert.deepStrictEqual(ha.securityContext, {
            runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" }, sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }],
        });
        assert.ok(ha.resources.requests && ha.resources.limits);
        const small = gatewayValues({ mesh: dev, serviceType: "NodePort" }) as any;
        assert.strictEqual(small.service.type, "NodePort");
        assert.strictEqual(small.autoscaling.enabled, false);
        assert.strictEqual(small.replicaCount, 1);
        assert.deepStrictEqual(small.podDisruptionBudget, {}, "no PDB with one gateway pod");
    });

    it("gateway NetworkPolicies: default deny, then client ports from anywhere, backends, istiod 15012, traces, DNS", () => {
        const [deny, gw] = gatewayNetworkPolicies({ namespaces: ns, backendPorts: [8080, 8080, 9000], tracing: otlpGrpcEndpoint("tracing") });
        assert.deepStrictEqual(deny, DEFAULT_DENY);
        assert.deepStrictEqual(deny.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        const s = gw.spec as any;
        assert.deepStrictEqual(s.podSelector, { matchLabels: { istio: "ingressgateway" } });
        assert.deepStrictEqual(s.ingress[0], { ports: [80, 443, 15021].map((port) => ({ protocol: "TCP", port })) });
        assert.deepStrictEqual(s.ingress[1].from, [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }]);
        assert.deepStrictEqual(s.egress[0], {
            to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kubechat-system" } } }],
            ports: [{ protocol: "TCP", port: 8080 }, { protocol: "TCP", port: 9000 }],
        });
        assert.deepStrictEqual(s.egress[1].ports, [{ protocol: "TCP", port: 15012 }]);
        assert.deepStrictEqual(s.egress[1].to[0].podSelector, { matchLabels: { app: "istiod" } });
        assert.deepStrictEqual(s.egress[2], { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "tracing" } } }], ports: [{ protocol: "TCP", port: 4317 }] });
        assert.deepStrictEqual(s.egress[3].ports, [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }]);
        const none = gatewayNetworkPolicies({ namespaces: ns, backendPorts: [], tracing: otlpGrpcEndpoint("tracing") })[1].spec as any;
        assert.ok(none.egress.every((e: any) => e.ports.length > 0), "never an all-ports rule");
    });

    it("config cross-checks: HA istiod needs 2 replicas; ceilings not below floors", () => {
        const problems = crossChecks({ ...defaults, mesh: mesh({ ha: true, istiodReplicas: 1, istiodMaxReplicas: 1, gatewayReplicas: 4, gatewayMaxReplicas: 3 }) });
        assert.ok(problems.some((p) => p.startsWith("kubechat:mesh.istiodReplicas: must be >= 2")));
        assert.ok(problems.some((p) => p.startsWith("kubechat:mesh.gatewayMaxReplicas: must be >= mesh.gatewayReplicas (4)")));
        assert.ok(!crossChecks({ ...defaults, mesh: dev }).some((p) => p.includes("mesh.")));
    });
});

describe("argo rollouts values (pure)", () => {
    it("controller image from the catalog, CRDs installed and kept, no dashboard, hardened, PDB with 2 replicas", () => {
        const v = argoRolloutsValues(new Catalog({ registry: "mirror.corp" }).image("argo-rollouts"), 2) as any;
        assert.deepStrictEqual(v.controller.image, { registry: "mirror.corp", repository: "argoproj/argo-rollouts" }, "the tag is the chart's appVersion");
        assert.strictEqual(v.installCRDs, true);
        assert.strictEqual(v.keepCRDs, true);
        assert.deepStrictEqual(v.dashboard, { enabled: false });
        assert.strictEqual(v.controller.replicas, 2);
        assert.deepStrictEqual(v.controller.pdb, { enabled: true, minAvailable: 1 });
        assert.ok(v.controller.resources.requests && v.controller.resources.limits);
        assert.deepStrictEqual(v.containerSecurityContext.capabilities, { drop: ["ALL"] });
        assert.strictEqual(v.containerSecurityContext.readOnlyRootFilesystem, true);
        assert.deepStrictEqual(v.podSecurityContext.seccompProfile, { type: "RuntimeDefault" });
        const one = argoRolloutsValues(new Catalog().image("argo-rollouts"), 1) as any;
        assert.deepStrictEqual(one.controller.pdb, { enabled: false });
        assert.throws(() => argoRolloutsValues(new Catalog().image("argo-rollouts"), 0), /replicas must be an integer >= 1/);
    });

    it("grants RBAC for the Istio traffic router only (the chart's default adds every provider's, Gloo's with verbs \"*\")", () => {
        const v = argoRolloutsValues(new Catalog().image("argo-rollouts"), 2) as any;
        assert.strictEqual(v.providerRBAC.enabled, true);
        assert.deepStrictEqual(Object.entries(v.providerRBAC.providers).filter(([, on]) => on).map(([p]) => p), ["istio"]);
        assert.strictEqual(Object.keys(v.providerRBAC.providers).length, 10, "every provider of chart 2.41.0 is set explicitly");
    });

    it("NetworkPolicies: default deny plus API server, Prometheus, DNS egress and metrics ingress", () => {
        const [deny, ctl] = argoRolloutsNetworkPolicies(ns, ["10.0.0.1/32"]);
        assert.deepStrictEqual(deny, DEFAULT_DENY);
        const s = ctl.spec as any;
        assert.deepStrictEqual(s.egress[0], { to: [{ ipBlock: { cidr: "10.0.0.1/32" } }], ports: [{ protocol: "TCP", port: 443 }, { protocol: "TCP", port: 6443 }] });
        assert.deepStrictEqual(s.egress[1].ports, [{ protocol: "TCP", port: 9090 }]);
        assert.deepStrictEqual(s.ingress[0].ports, [{ protocol: "TCP", port: 8090 }]);
    });
});

describe("the mesh sends spans where the Tracing component publishes its collector", () => {
    it("platformArgs gives the mesh the collector endpoint of the stack's tracing namespace, which the collector Service serves", () => {
        const a = platformArgs(parseConfig(minimalOnPremConfig(), "kubechat", "t"));
        const endpoint = a.mesh!.tracing;
        assert.deepStrictEqual(endpoint, otlpGrpcEndpoint(a.namespaces.tracing));
        const svc = jaegerCollectorService(a.namespaces.tracing) as any;
        assert.strictEqual(endpoint.service, `${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local`);
        assert.ok(svc.spec.ports.some((p: any) => p.port === endpoint.port && p.name === "grpc-otlp"));
    });
});
