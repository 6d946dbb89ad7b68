import * as assert from "assert";
import { Catalog } from "../../components/catalog";
import { ServiceConfig, configSchema } from "../../components/config";
import { declaredReplicas, hpaSpec, pdbSpec, vpaProblems, vpaSpec } from "../../components/app/autoscaling";
import { chatSessionCrdSpec } from "../../components/app/crd";
import { databaseEnv, serviceImage, validateKubeChat } from "../../components/app/kubechat";
import { defaultDenySpec, egressSpec, ingressSpec as ingressPolicy, ServiceNetworkInput } from "../../components/app/network";
import { PodSpecInput, podBuilderArgs, podSpec, tidy } from "../../components/app/podspec";
import { apiReaderRules } from "../../components/app/rbac";
import { analysisTemplateSpec, authorizationPolicySpec, destinationRuleSpec, ingressSpec, RoutingInput, virtualServiceSpec } from "../../components/app/routing";
import { vpaValues } from "../../components/cluster/vpa";
import { DeliverySettings, canarySteps, metricsAnnotations, serviceNames, strategySpec, workloadKind, workloadSpec } from "../../components/app/workload";
import { namespaceNames } from "../../components/namespaces";

const defaults = configSchema.parse({});
const svc = (over: Partial<ServiceConfig> = {}): ServiceConfig => ({ ...defaults.services["api-gateway"], ...over });
const delivery = (over: Partial<DeliverySettings> = {}): DeliverySettings => ({ ...defaults.delivery, ...over });
const sel = { "app.kubernetes.io/name": "api-gateway", "app.kubernetes.io/part-of": "kubechat" };
const target = { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: "api-gateway" };

const podInput = (over: Partial<PodSpecInput> = {}): PodSpecInput => ({
    name: "api-gateway", image: "mirror.local:5000/kubechat/api-gateway:1.4.2", port: 8080, serviceAccountName: "kubechat-api-gateway",
    automountServiceAccountToken: true, resources: { cpuRequest: "100m", memoryRequest: "128Mi", cpuLimit: "500m", memoryLimit: "256Mi" },
    readinessPath: "/health/ready", livenessPath: "/health/live", terminationGraceSeconds: 60, preStopSleepSeconds: 15, selectorLabels: sel,
    env: [], ...over,
});
const resolve = <T>(o: { apply: (f: (v: T) => void) => unknown }) => new Promise<T>((r) => { o.apply(r); });

describe("app: pod spec adapter", () => {
    it("builds the hardened api-gateway pod through PodBuilder with an explicit container name", async () => {
        const spec: any = await resolve(podSpec(podInput()));
        assert.strictEqual(spec.containers.length, 1);
        const c = spec.containers[0];
        assert.strictEqual(c.name, "api-gateway", "kubernetesx would derive a wrong name from an image with a path");
        assert.deepStrictEqual(c.ports, [{ name: "http", containerPort: 8080, protocol: "TCP" }]);
        assert.deepStrictEqual(c.securityContext, {
            runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" },
        });
        assert.deepStrictEqual(spec.securityContext, { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } });
        assert.deepStrictEqual(c.resources, { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } });
        assert.deepStrictEqual(c.readinessProbe, { httpGet: { path: "/health/ready", port: 8080 }, initialDelaySeconds: 5, periodSeconds: 10 });
        assert.deepStrictEqual(c.livenessProbe, { httpGet: { path: "/health/live", port: 8080 }, initialDelaySeconds: 30, periodSeconds: 30 });
        assert.deepStrictEqual(c.lifecycle, { preStop: { sleep: { seconds: 15 } } });
        assert.deepStrictEqual(c.volumeMounts, [{ name: "tmp", mountPath: "/tmp" }]);
        assert.deepStrictEqual(spec.volumes, [{ name: "tmp", emptyDir: {} }]);
        assert.strictEqual(spec.terminationGracePeriodSeconds, 60);
        assert.strictEqual(spec.initContainers, undefined, "empty lists from kubernetesx are dropped");
        assert.strictEqual(c.env, undefined);
    });

    it("spreads across zones (maxSkew 1) and prefers distinct hosts, never requiring zone anti-affinity", () => {
        const spec: any = podBuilderArgs(podInput());
        assert.deepStrictEqual(spec.topologySpreadConstraints, [{
            maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: sel },
        }]);
        const anti = spec.affinity.podAntiAffinity;
        assert.strictEqual(anti.requiredDuringSchedulingIgnoredDuringExecution, undefined);
        assert.strictEqual(anti.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey, "kubernetes.io/hostname");
    });

    it("omits preStop when the pause is 0 and tidies undefined subPaths", () => {
        assert.strictEqual((podBuilderArgs(podInput({ preStopSleepSeconds: 0 })).containers as any[])[0].lifecycle, undefined);
        const t: any = tidy({ containers: [{ name: "x", env: [], volumeMounts: [{ name: "tmp", mountPath: "/tmp", subPath: undefined }] }], initContainers: [] });
        assert.deepStrictEqual(t, { containers: [{ name: "x", volumeMounts: [{ name: "tmp", mountPath: "/tmp" }] }] });
    });

    it("passes the database as plain host/port/name and credentials only via secretKeyRef", () => {
        const env = databaseEnv({ host: "kubechat-db-pooler.kubechat-data.svc.cluster.local", port: 5432, database: "kubechat", credentialsSecretName: "s" });
        assert.deepStrictEqual(env.map((e: any) => [e.name, e.value ?? e.valueFrom.secretKeyRef.key]), [
            ["DB_HOST", "kubechat-db-pooler.kubechat-data.svc.cluster.local"], ["DB_PORT", "5432"], ["DB_NAME", "kubechat"],
            ["DB_USER", "username"], ["DB_PASSWORD", "password"],
        ]);
        assert.ok(env.every((e: any) => e.name !== "DB_PASSWORD" || e.value === undefined));
    });

    it("takes images from the catalog, with the registry override", () => {
        const cat = new Catalog({ registry: "mirror.local:5000" });
        assert.strictEqual(serviceImage(cat, "api-gateway", svc()), "mirror.local:5000/kubechat/api-gateway:1.4.2");
        assert.strictEqual(serviceImage(cat, "api-gateway", svc({ tag: "1.5.0" })), "mirror.local:5000/kubechat/api-gateway:1.5.0");
        assert.strictEqual(serviceImage(new Catalog(), "chat", svc({ image: "ghcr.io/kubechat/chat", tag: "2.0.0" })), "ghcr.io/kubechat/chat:2.0.0");
    });
});

describe("app: workload per strategy", () => {
    it("rolling is a Deployment with RollingUpdate 25 %/25 %", () => {
        assert.deepStrictEqual(workloadKind("rolling"), { apiVersion: "apps/v1", kind: "Deployment" });
        assert.deepStrictEqual(strategySpec("api-gateway", delivery({ strategy: "rolling" })), { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } });
        assert.deepStrictEqual(serviceNames("api-gateway", "rolling"), ["api-gateway"]);
    });

    it("canary: header route first, 5/25/50/100 each gated by an analysis step, Istio routing, no pause step and no background run", () => {
        const s: any = strategySpec("api-gateway", delivery({ strategy: "canary" })).canary;
        assert.strictEqual(s.canaryService, "api-gateway-canary");
        assert.strictEqual(s.stableService, "api-gateway-stable");
        assert.deepStrictEqual(s.trafficRouting, {
            istio: {
                virtualService: { name: "api-gateway", routes: ["primary"] },
                destinationRule: { name: "api-gateway", canarySubsetName: "canary", stableSubsetName: "stable" },
            },
            managedRoutes: [{ name: "canary-header" }],
        });
        // A background run beside the steps would end Inconclusive on a quiet canary while a pause step's timer moved it on.
        assert.strictEqual(s.analysis, undefined);
        const gate = {
            analysis: {
                templates: [{ templateName: "api-gateway-error-rate" }],
                args: [{ name: "canary-hash", valueFrom: { podTemplateHashValue: "Latest" } }],
            },
        };
        assert.deepStrictEqual(s.steps, [
            { setHeaderRoute: { name: "canary-header", match: [{ headerName: "canary", headerValue: { exact: "true" } }] } },
            { setWeight: 5 }, gate, { setWeight: 25 }, gate, { setWeight: 50 }, gate, { setWeight: 100 },
        ]);
        assert.deepStrictEqual(serviceNames("api-gateway", "canary"), ["api-gateway", "api-gateway-canary", "api-gateway-stable"]);
    });

    it("every weight below 100 is followed by its gate, and nothing but setWeight, setHeaderRoute and analysis is a step", () => {
        const steps = canarySteps("orders", delivery({ canarySteps: [10, 100], pauseMinutes: 0 }));
        assert.deepStrictEqual(steps.map((st) => Object.keys(st)[0]), ["setHeaderRoute", "setWeight", "analysis", "setWeight"]);
        assert.deepStrictEqual((steps[2] as any).analysis.templates, [{ templateName: "orders-error-rate" }]);
    });

    it("blueGreen: the plain Service is active, -preview the preview, promotion and scale-down delay from config", () => {
        assert.deepStrictEqual(strategySpec("api-gateway", delivery({ strategy: "blueGreen", autoPromote: true, scaleDownDelaySeconds: 45 })), {
            blueGreen: { activeService: "api-gateway", previewService: "api-gateway-preview", autoPromotionEnabled: true, scaleDownDelaySeconds: 45 },
        });
        assert.deepStrictEqual(serviceNames("api-gateway", "blueGreen"), ["api-gateway", "api-gateway-preview"]);
    });

    it("declares replicas only when no HPA owns them", () => {
        assert.strictEqual(declaredReplicas(svc({ minReplicas: 3, maxReplicas: 20 })), undefined);
        assert.strictEqual(declaredReplicas(svc({ minReplicas: 1, maxReplicas: 1 })), 1);
        const spec = workloadSpec({ service: "x", delivery: delivery({ strategy: "rolling" }), selectorLabels: sel, podLabels: sel, podAnnotations: {}, podSpec: { containers: [] } });
        assert.ok(!("replicas" in spec));
    });

    it("annotates pods with their metrics endpoint (Istio merges them into the sidecar's 15020 endpoint)", () => {
        assert.deepStrictEqual(metricsAnnotations(8080, "/metrics"), { "prometheus.io/scrape": "true", "prometheus.io/port": "8080", "prometheus.io/path": "/metrics" });
        const spec = workloadSpec({ service: "x", delivery: delivery({ strategy: "rolling" }), selectorLabels: sel, podLabels: sel, podAnnotations: metricsAnnotations(9000, "/m"), podSpec: { containers: [] } });
        assert.strictEqual(spec.template.metadata.annotations["prometheus.io/port"], "9000");
    });
});

describe("app: autoscaling and availability", () => {
    it("HPA autoscaling/v2: 3..20, CPU 70 %, memory 80 %, 1000 requests/s per pod", () => {
        assert.deepStrictEqual(hpaSpec(svc(), target), {
            scaleTargetRef: target, minReplicas: 3, maxReplicas: 20,
            metrics: [
                { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } },
                { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: 80 } } },
                { type: "Pods", pods: { metric: { name: "http_requests_per_second" }, target: { type: "AverageValue", averageValue: "1000" } } },
            ],
        });
        assert.strictEqual(hpaSpec(svc({ minReplicas: 1, maxReplicas: 1 }), target), undefined);
    });

    it("VPA: recommend-only by default, bounds from config, never acting on what the HPA scales on", () => {
        const v: any = vpaSpec("api-gateway", svc(), target);
        assert.deepStrictEqual(v.updatePolicy, { updateMode: "Off" });
        assert.deepStrictEqual(v.resourcePolicy.containerPolicies[0].minAllowed, { cpu: "100m", memory: "128Mi" });
        assert.deepStrictEqual(v.resourcePolicy.containerPolicies[0].maxAllowed, { cpu: "2", memory: "4Gi" });
        assert.deepStrictEqual(vpaProblems("api-gateway", svc({ vpaMode: "Recreate" })), [
            "kubechat:services.api-gateway.vpaMode: must be Off while an HPA scales on cpu and memory (maxReplicas > minReplicas); VPA would fight the HPA",
        ]);
        assert.deepStrictEqual(vpaProblems("api-gateway", svc({ vpaMode: "Recreate", minReplicas: 1, maxReplicas: 1 })), []);
        const acting: any = vpaSpec("api-gateway", svc({ vpaMode: "InPlaceOrRecreate", minReplicas: 1, maxReplicas: 1 }), target);
        assert.deepStrictEqual(acting.resourcePolicy.containerPolicies[0].controlledResources, ["cpu", "memory"]);
    });

    it("PDB: minAvailable capped below the replica floor; maxUnavailable 1 with a single replica", () => {
        assert.deepStrictEqual(pdbSpec(svc({ minReplicas: 3, pdbMinAvailable: 2 }), sel), { minAvailable: 2, selector: { matchLabels: sel } });
        assert.deepStrictEqual(pdbSpec(svc({ minReplicas: 2, pdbMinAvailable: 2 }), sel), { minAvailable: 1, selector: { matchLabels: sel } });
        assert.deepStrictEqual(pdbSpec(svc({ minReplicas: 1, pdbMinAvailable: 2 }), sel), { maxUnavailable: 1, selector: { matchLabels: sel } });
        assert.deepStrictEqual(pdbSpec(svc({ minReplicas: 3, pdbMinAvailable: 0 }), sel), { maxUnavailable: 1, selector: { matchLabels: sel } });
    });
});

describe("app: CRD and RBAC", () => {
    it("chatsessions.kubechat.ai: namespaced v1alpha1, structural schema, status subresource, printer columns", () => {
        const crd: any = chatSessionCrdSpec();
        assert.strictEqual(crd.group, "kubechat.ai");
        assert.strictEqual(crd.scope, "Namespaced");
        assert.strictEqual(crd.names.plural, "chatsessions");
        const v = crd.versions[0];
        assert.deepStrictEqual([v.name, v.served, v.storage], ["v1alpha1", true, true]);
        assert.deepStrictEqual(v.subresources, { status: {} });
        const props = v.schema.openAPIV3Schema.properties;
        assert.strictEqual(props.spec.type, "object");
        assert.strictEqual(props.status.type, "object");
        // Structural: every node declares a type.
        const untyped: string[] = [];
        const walk = (node: any, path: string) => {
            if (!node.type) untyped.push(path);
            for (const [k, child] of Object.entries(node.properties ?? {})) walk(child, `${path}.${k}`);
            if (node.items) walk(node.items, `${path}[]`);
        };
        walk(v.schema.openAPIV3Schema, "");
        assert.deepStrictEqual(untyped, []);
        assert.deepStrictEqual(v.additionalPrinterColumns.map((c: any) => c.name), ["User", "Model", "Phase", "Messages", "Age"]);
    });

    it("ClusterRole: exactly the seed's verbs; no wildcards", () => {
        const rules: any[] = apiReaderRules();
        assert.deepStrictEqual(rules, [
            { apiGroups: [""], resources: ["pods", "services", "configmaps"], verbs: ["get", "list", "watch"] },
            { apiGroups: ["apps"], resources: ["deployments", "replicasets"], verbs: ["get", "list", "watch"] },
            { apiGroups: ["kubechat.ai"], resources: ["chatsessions"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
        ]);
        assert.ok(!JSON.stringify(rules).includes("*"));
    });
});

describe("app: network policies", () => {
    const ns = namespaceNames(defaults);
    const net = (over: Partial<ServiceNetworkInput> = {}): ServiceNetworkInput => ({
        port: 8080, selectorLabels: sel, appPodLabels: { "app.kubernetes.io/part-of": "kubechat" }, namespaces: ns, mesh: true, exposed: true,
        usesDatabase: true, readsKubernetesApi: true, apiServerCidrs: ["192.168.5.15/32"], ...over,
    });
    const byName = (name: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } });

    it("default deny of ingress and egress for every pod", () => {
        assert.deepStrictEqual(defaultDenySpec(), { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    });

    it("ingress: 8080 from the gateway namespace, metrics from monitoring (+ sidecar metrics with the mesh)", () => {
        const rules: any[] = (ingressPolicy(net()) as any).ingress;
        assert.deepStrictEqual(rules[0], { from: [byName("istio-ingress")], ports: [{ protocol: "TCP", port: 8080 }] });
        assert.deepStrictEqual(rules[2], { from: [byName("monitoring")], ports: [8080, 15020, 15090].map((port) => ({ protocol: "TCP", port })) });
        const noMesh: any[] = (ingressPolicy(net({ mesh: false, exposed: false })) as any).ingress;
        assert.ok(!JSON.stringify(noMesh).includes("istio-ingress") && !JSON.stringify(noMesh).includes("15090"));
    });

    it("egress: DNS UDP+TCP to kube-dns, Postgres, istiod 15012 with the mesh, API server on 443/6443", () => {
        const rules: any[] = (egressSpec(net(), [8080]) as any).egress;
        assert.deepStrictEqual(rules[0], {
            to: [{ ...byName("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
            ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
        });
        assert.ok(rules.some((r) => JSON.stringify(r) === JSON.stringify({ to: [byName("kubechat-data")], ports: [{ protocol: "TCP", port: 5432 }] })));
        assert.ok(rules.some((r) => JSON.stringify(r) === JSON.stringify({ to: [byName("istio-system")], ports: [{ protocol: "TCP", port: 15012 }] })));
        assert.deepStrictEqual(rules[rules.length - 1], { to: [{ ipBlock: { cidr: "192.168.5.15/32" } }], ports: [{ protocol: "TCP", port: 443 }, { protocol: "TCP", port: 6443 }] });
        const restricted: any[] = (egressSpec(net({ mesh: false, readsKubernetesApi: true, apiServerCidrs: ["10.0.0.1/32"] }), [8080]) as any).egress;
        assert.deepStrictEqual(restricted[restricted.length - 1].to, [{ ipBlock: { cidr: "10.0.0.1/32" } }]);
        assert.ok(!JSON.stringify(restricted).includes("15012"));
        const minimal = JSON.stringify(egressSpec(net({ usesDatabase: false, readsKubernetesApi: false }), [8080]));
        assert.ok(!minimal.includes("5432") && !minimal.includes("6443"));
    });
});

describe("app: routing", () => {
    const r = (over: Partial<RoutingInput> = {}): RoutingInput => ({
        service: "api-gateway", namespace: "kubechat-system", port: 8080, strategy: "canary", exposed: true, host: "api.kubechat.example.com",
        gateway: "istio-ingress/kubechat-gateway", ...over,
    });
    const host = "api-gateway.kubechat-system.svc.cluster.local";
    const dest = (subset?: string) => ({ host, port: { number: 8080 }, ...(subset ? { subset } : {}) });

    it("canary VirtualService: header route to canary first, then primary stable 100 / canary 0", () => {
        assert.deepStrictEqual(virtualServiceSpec(r()), {
            hosts: ["api.kubechat.example.com", host],
            gateways: ["istio-ingress/kubechat-gateway", "mesh"],
            http: [
                { name: "canary-header", match: [{ headers: { canary: { exact: "true" } } }], route: [{ destination: dest("canary"), weight: 100 }] },
                { name: "primary", route: [{ destination: dest("stable"), weight: 100 }, { destination: dest("canary"), weight: 0 }] },
            ],
        });
    });

    it("blue/green and rolling route only to the (active) service; internal services bind only to mesh", () => {
        assert.deepStrictEqual((virtualServiceSpec(r({ strategy: "blueGreen" })) as any).http, [{ name: "primary", route: [{ destination: dest() }] }]);
        const internal: any = virtualServiceSpec(r({ strategy: "rolling", exposed: false }));
        assert.deepStrictEqual([internal.hosts, internal.gateways], [[host], ["mesh"]]);
    });

    it("DestinationRule: ISTIO_MUTUAL, stable/canary subsets for canary only", () => {
        const dr: any = destinationRuleSpec(r(), sel);
        assert.deepStrictEqual(dr.trafficPolicy, { tls: { mode: "ISTIO_MUTUAL" } });
        assert.deepStrictEqual(dr.subsets.map((s: any) => s.name), ["stable", "canary"]);
        assert.strictEqual((destinationRuleSpec(r({ strategy: "rolling" }), sel) as any).subsets, undefined);
    });

    it("AuthorizationPolicy: the ingress gateway identity on 8080 and peers; no rule for Prometheus (its 15020 scrape bypasses Envoy)", () => {
        const p: any = authorizationPolicySpec({
            port: 8080, exposed: true, selectorLabels: sel, ingressPrincipal: "cluster.local/ns/istio-ingress/sa/istio-ingressgateway",
            peerPrincipals: ["cluster.local/ns/kubechat-system/sa/worker"],
        });
        assert.strictEqual(p.action, "ALLOW");
        assert.deepStrictEqual(p.rules, [
            { from: [{ source: { principals: ["cluster.local/ns/istio-ingress/sa/istio-ingressgateway"] } }], to: [{ operation: { ports: ["8080"] } }] },
            { from: [{ source: { principals: ["cluster.local/ns/kubechat-system/sa/worker"] } }], to: [{ operation: { ports: ["8080"] } }] },
        ]);
        // Every rule names a principal and the service port: requests Envoy actually intercepts.
        for (const r of p.rules) assert.deepStrictEqual(r.to, [{ operation: { ports: ["8080"] } }]);
    });

    it("AnalysisTemplate: canary pods only (hash argument), no-5xx as 0, success/failure around maxErrorBasisPoints/10000", () => {
        const t: any = analysisTemplateSpec("api-gateway", "kubechat-system", 10, 30);
        assert.deepStrictEqual(t.args, [{ name: "canary-hash" }]);
        const m = t.metrics[0];
        assert.strictEqual(m.successCondition, "len(result) > 0 && !isNaN(result[0]) && result[0] < 0.001");
        assert.strictEqual(m.failureCondition, "len(result) > 0 && !isNaN(result[0]) && result[0] >= 0.001");
        assert.deepStrictEqual([m.initialDelay, m.interval, m.failureLimit, m.inconclusiveLimit], ["1m", "1m", 1, 2]);
        // One measurement a minute from the first minute on: 30 in 30 minutes at a weight, 3 in 3.
        assert.strictEqual(m.count, 30);
        assert.strictEqual((analysisTemplateSpec("api-gateway", "kubechat-system", 10, 3) as any).metrics[0].count, 3);
        // Fewer than limit + 1 measurements would end a run with nothing measured Successful.
        assert.throws(() => analysisTemplateSpec("api-gateway", "kubechat-system", 10, 2), /2 min at a weight is 2 measurement\(s\), fewer than 3/);
        assert.strictEqual(m.provider.prometheus.address, "http://kube-prometheus-stack-prometheus.monitoring.svc:9090");
        const sel = 'namespace="kubechat-system", service="api-gateway", reporter="destination", rollouts_pod_template_hash="{{args.canary-hash}}"';
        assert.strictEqual(m.provider.prometheus.query,
            `(sum(rate(istio_requests_total{${sel}, response_code=~"5.."}[2m])) or vector(0)) / sum(rate(istio_requests_total{${sel}}[2m]))`);
    });

    it("Ingress (mesh off): host and TLS Secret from config, backend port named http", () => {
        assert.deepStrictEqual(ingressSpec("api-gateway", "kubechat.local", "kubechat-tls"), {
            tls: [{ hosts: ["kubechat.local"], secretName: "kubechat-tls" }],
            rules: [{ host: "kubechat.local", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "api-gateway", port: { name: "http" } } } }] } }],
        });
    });
});

describe("app: validation and VPA chart", () => {
    it("names every offending key", () => {
        const problems = validateKubeChat({
            services: { "api-gateway": svc({ vpaMode: "Recreate" }), chat: svc({ image: "ghcr.io/kubechat/chat" }) },
            delivery: { ...defaults.delivery, strategy: "canary" },
        });
        assert.deepStrictEqual(problems, [
            "kubechat:services.api-gateway.vpaMode: must be Off while an HPA scales on cpu and memory (maxReplicas > minReplicas); VPA would fight the HPA",
            "kubechat:services.chat.tag: is required (only api-gateway has a catalog default)",
            "kubechat:services: only one service can own the external host, but api-gateway, chat are exposed; set exposed: false on the others",
            "kubechat:delivery.strategy: canary traffic shifting needs the mesh (mesh.enabled)",
            "kubechat:delivery.strategy: canary needs the Argo Rollouts controller",
        ]);
    });

    it("VPA chart 5.0.0: no cleanup-on-delete hook, no test image, every pod hardened for restricted with resource limits", () => {
        const v: any = vpaValues(new Catalog());
        assert.strictEqual(v.admissionController.cleanupOnDelete, undefined);
        assert.strictEqual(v.tests, undefined);
        assert.ok(!JSON.stringify(v).includes("kubectl"));
        const pods = [v.recommender, v.updater, v.admissionController, v.admissionController.certGen];
        for (const p of pods) {
            assert.deepStrictEqual(p.podSecurityContext.seccompProfile, { type: "RuntimeDefault" });
            assert.strictEqual(p.podSecurityContext.runAsNonRoot, true);
            assert.deepStrictEqual([p.securityContext.allowPrivilegeEscalation, p.securityContext.capabilities.drop], [false, ["ALL"]]);
            assert.ok(p.resources.limits.cpu && p.resources.limits.memory);
        }
    });

    it("VPA chart 5.0.0: only values the chart reads (components' tag is its appVersion; certgen has no pull policy)", () => {
        const v: any = vpaValues(new Catalog());
        for (const c of [v.recommender, v.updater, v.admissionController]) {
            assert.deepStrictEqual(Object.keys(c.image).sort(), ["pullPolicy", "repository"], "the tag defaults to the chart's appVersion");
        }
        assert.deepStrictEqual(Object.keys(v.admissionController.certGen.image).sort(), ["repository", "tag"], "the certgen Jobs template no imagePullPolicy");
    });

    it("sets every VPA chart image from the catalog (registry override applies to all)", () => {
        const values = JSON.stringify(vpaValues(new Catalog({ registry: "mirror.local:5000" })));
        for (const img of ["vpa-recommender", "vpa-updater", "vpa-admission-controller", "kube-webhook-certgen"]) {
            assert.ok(values.includes(`mirror.local:5000/`) && values.includes(img), img);
        }
        assert.ok(!/registry\.k8s\.io|quay\.io|docker\.io|k8s\.gcr\.io/.test(values));
    });
});
