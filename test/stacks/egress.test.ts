import * as assert from "assert";
import { isDeepStrictEqual } from "util";
import { Plan, PlanResource } from "../../planner/model";
import { STAGING_VARIANT, planStack, renderedStack } from "../harness";
import { memberPodLabels, poolerPodLabels } from "../../components/data/names";
import { logicalBackupPodLabels } from "../../components/data/network";

const STACKS = ["dev", "staging", "prod"];

/**
 * NetworkPolicies that may allow egress to any address, each with its reason. Nothing else may:
 * on-prem, data never leaves the customer's cluster. `clusterKind` "any" = on every cluster kind.
 */
const EXEMPT_POLICIES: { clusterKind: "eks" | "onprem" | "any"; namespace: string; name: string; reason: string }[] = [
    { clusterKind: "eks", namespace: "kubechat-data", name: "postgres-members", reason: "WAL-G writes to AWS S3, which has no fixed addresses: HTTPS (443) only; IRSA limits it to the backup bucket" },
    { clusterKind: "eks", namespace: "kubechat-data", name: "postgres-logical-backup", reason: "pg_dump uploads to AWS S3, which has no fixed addresses: HTTPS (443) only; IRSA limits it to the backup bucket" },
    { clusterKind: "eks", namespace: "velero", name: "velero-object-store", reason: "Velero calls AWS S3, EC2 (EBS snapshots) and STS, which have no fixed addresses: HTTPS (443) only; IRSA limits it to the backup bucket and snapshots" },
    { clusterKind: "eks", namespace: "logging", name: "elasticsearch-snapshots", reason: "the snapshot repository is AWS S3 (and STS for IRSA), which has no fixed addresses: HTTPS (443) only; IRSA limits it to the snapshot bucket" },
    { clusterKind: "eks", namespace: "kube-system", name: "cluster-autoscaler", reason: "the Auto Scaling, EC2, EKS and STS APIs have no fixed addresses: HTTPS (443) only; IRSA limits it to the cluster's node groups" },
    {
        clusterKind: "any", namespace: "trivy-system", name: "trivy-registries",
        reason: "only while kubechat:trivy.registryCidrs is empty: the scan jobs pull the image they scan from its registry and the vulnerability DBs, and public registries have no fixed addresses; HTTPS (443, and kubechat:registry's port) only, private and link-local ranges excluded",
    },
    {
        clusterKind: "any", namespace: "monitoring", name: "alertmanager-receivers",
        reason: "only when a webhook, Slack or PagerDuty receiver is enabled and kubechat:observability.alerting.egressCidrs is empty: their URLs live in Secrets and the SaaS endpoints have no fixed addresses; Alertmanager pods only, HTTPS (443) only, private and link-local ranges excluded",
    },
];

/**
 * Pods the program deploys whose egress no NetworkPolicy confines, each with its reason. Any other pod —
 * in any namespace, kube-system included — must be selected by an Egress NetworkPolicy.
 */
const UNCONFINED_WORKLOADS: { namespace: string; name: string; reason: string }[] = [
    { namespace: "monitoring", name: "kube-prometheus-stack-prometheus-node-exporter", reason: "host network: NetworkPolicies do not apply to host-network pods; it only listens (9100) and reads the host's /proc and /sys" },
];

/**
 * Where Prometheus scrapes, resolved from every ServiceMonitor and PodMonitor of the stack (program and
 * charts) through their Services to pod ports: in-cluster pods, node addresses (host-network pods and
 * the kubelet) and the API server. Unresolvable endpoints are returned as such.
 */
function scrapeTargets(objs: { o: any; namespace: string }[], pods: Pod[]) {
    const out = { pods: [] as { ns: string; labels: Record<string, string>; port: number; monitor: string }[], node: [] as number[], apiServer: false, unresolved: [] as string[] };
    const services = objs.filter((x) => x.o.kind === "Service");
    const podPort = (pod: Pod | undefined, target: any): number | undefined => typeof target === "number" ? target : /^\d+$/.test(String(target)) ? Number(target) : pod?.ports[target];
    const add = (monitor: string, ns: string, pod: Pod | undefined, labels: Record<string, string>, port: number | undefined) => {
        if (port === undefined) out.unresolved.push(`${monitor}: ${ns}`);
        else if (pod?.hostNetwork) out.node.push(port);
        else out.pods.push({ ns, labels, port, monitor });
    };
    for (const { o, namespace } of objs.filter((x) => x.o.kind === "ServiceMonitor" || x.o.kind === "PodMonitor")) {
        const monitor = `${o.kind}/${o.metadata.name}`;
        const nss: string[] = o.spec.namespaceSelector?.matchNames ?? [namespace];
        if (o.spec.namespaceSelector?.any) out.unresolved.push(`${monitor}: any namespace`);
        // Created by the API server and the operator, not by charts: the API server and every kubelet.
        if (nss.includes("default") && o.spec.selector.matchLabels?.component === "apiserver") { out.apiServer = true; continue; }
        if (o.spec.selector.matchLabels?.["k8s-app"] === "kubelet") { out.node.push(10250); continue; }
        for (const ns of nss) {
            const inNs = pods.filter((p) => p.namespace === ns && selects(o.spec.selector, p.labels));
            if (o.kind === "PodMonitor") {
                for (const ep of o.spec.podMetricsEndpoints) {
                    if (inNs.length === 0) out.unresolved.push(`${monitor}: no pods in ${ns}`);
                    for (const p of inNs) add(monitor, ns, p, p.labels, ep.portNumber ?? podPort(p, ep.port ?? ep.targetPort));
                }
                continue;
            }
            const svcs = services.filter((x) => x.namespace === ns && selects(o.spec.selector, x.o.metadata.labels ?? {}));
            if (svcs.length === 0) out.unresolved.push(`${monitor}: no Service in ${ns}`);
            for (const svc of svcs) {
                const sel = svc.o.spec.selector ?? {};
                const targets = pods.filter((p) => p.namespace === ns && selects({ matchLabels: sel }, p.labels));
                for (const ep of o.spec.endpoints) {
                    const sp = (svc.o.spec.ports as any[]).find((p) => p.name === ep.port || (ep.targetPort !== undefined && p.targetPort === ep.targetPort));
                    const target = sp?.targetPort ?? sp?.port ?? ep.targetPort;
                    // Pods the program does not run (CoreDNS): the Service's selector and a numeric port.
                    if (targets.length === 0) add(monitor, ns, undefined, sel, podPort(undefined, target));
                    for (const p of targets) add(monitor, ns, p, p.labels, podPort(p, target));
                }
            }
        }
    }
    return out;
}

const DNS = (rules: any[]) => rules.some((r) => isDeepStrictEqual(r, {
    to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
    ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
}));
const podNamed = (pods: Pod[], ns: string, name: string) => {
    const p = pods.find((x) => x.namespace === ns && x.name === name);
    assert.ok(p, `pod ${ns}/${name}`);
    return p;
};

const isNetworkPolicy = (r: PlanResource) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy";
/** Egress rules that reach any address: no `to` (all destinations) or an ipBlock of prefix length 0 (with or without except). */
const openRules = (spec: any) => ((spec.egress ?? []) as any[]).filter(
    (e) => !Array.isArray(e.to) || e.to.length === 0 || e.to.some((p: any) => p.ipBlock && /\/0$/.test(String(p.ipBlock.cidr))),
);

interface Pod { namespace: string; name: string; labels: Record<string, string>; hostNetwork: boolean; /** container ports by name */ ports: Record<string, number> }

/** Labels the operators put on the pods they create for a custom resource (see components/system-egress.ts). */
function operatorPods(o: any, namespace: string): Pod[] {
    const name = o.metadata.name;
    const pod = (suffix: string, labels: Record<string, string>, ports: Record<string, number> = {}): Pod => ({ namespace, name: `${name}${suffix}`, labels, hostNetwork: false, ports });
    // prometheus-operator: the server's port is named `web`, its config-reloader's `reloader-web` (8080).
    const promLabels = (app: string) => ({ "app.kubernetes.io/name": app, "app.kubernetes.io/managed-by": "prometheus-operator", "app.kubernetes.io/instance": name, [app]: name });
    switch (o.kind) {
        case "Prometheus":
            return [pod("", { ...promLabels("prometheus"), "operator.prometheus.io/name": name }, { web: 9090, "reloader-web": 8080 })];
        case "Alertmanager":
            return [pod("", promLabels("alertmanager"), { web: 9093, "reloader-web": 8080 })];
        case "Elasticsearch":
            return [pod("-es", { "common.k8s.elastic.co/type": "elasticsearch", "elasticsearch.k8s.elastic.co/cluster-name": name })];
        case "Kibana":
            return [pod("-kb", { "common.k8s.elastic.co/type": "kibana", "kibana.k8s.elastic.co/name": name })];
        case "postgresql":
            return [
                pod("", memberPodLabels(name), Object.fromEntries(((o.spec.sidecars ?? []) as any[]).flatMap((c) => c.ports ?? []).map((p: any) => [p.name, p.containerPort]))),
                ...(o.spec.enableConnectionPooler ? [pod("-pooler", poolerPodLabels(name))] : []),
                ...(o.spec.enableLogicalBackup ? [pod("-logical-backup", logicalBackupPodLabels(name))] : []),
            ];
        default:
            return [];
    }
}

/** The pod template of a workload object, if it is one. */
function podTemplate(o: any): any {
    if (["Deployment", "StatefulSet", "DaemonSet", "Job", "Rollout", "ReplicaSet"].includes(o?.kind)) return o.spec?.template;
    if (o?.kind === "CronJob") return o.spec?.jobTemplate?.spec?.template;
    return undefined;
}

/** Every object of the stack: the program's own and every Helm release as rendered, with its namespace. */
function allObjects(plan: Plan, render: { releases: { release: { namespace: string }; objects: { object: any }[] }[] }): { o: any; namespace: string }[] {
    const own = plan.resources.filter((r) => r.custom && typeof r.inputs?.kind === "string").map((r) => ({ o: r.inputs, namespace: r.inputs.metadata?.namespace }));
    const charts = render.releases.flatMap((rel) => rel.objects.map(({ object }) => ({ o: object, namespace: object?.metadata?.namespace ?? rel.release.namespace })));
    return [...own, ...charts].filter((x) => x.o);
}

/** Every pod the stack runs (workload templates and operator-made pods). */
function stackPods(objs: { o: any; namespace: string }[]): Pod[] {
    const out: Pod[] = [];
    for (const { o, namespace } of objs) {
        const t = podTemplate(o);
        const ports = Object.fromEntries(((t?.spec?.containers ?? []) as any[]).flatMap((c) => c.ports ?? []).filter((p: any) => p.name).map((p: any) => [p.name, p.containerPort]));
        if (t) out.push({ namespace, name: o.metadata.name, labels: t.metadata?.labels ?? {}, hostNetwork: t.spec?.hostNetwork === true, ports });
        else out.push(...operatorPods(o, namespace));
    }
    return out;
}

/** Does a LabelSelector select these labels (matchLabels and matchExpressions)? */
function selects(sel: any, labels: Record<string, string>): boolean {
    const ml = Object.entries<string>(sel?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    const me = ((sel?.matchExpressions ?? []) as any[]).every((e) => {
        switch (e.operator) {
            case "In": return e.values.includes(labels[e.key]);
            case "NotIn": return !(e.key in labels) || !e.values.includes(labels[e.key]);
            case "Exists": return e.key in labels;
            case "DoesNotExist": return !(e.key in labels);
            default: throw new Error(`unknown operator ${e.operator}`);
        }
    });
    return ml && me;
}

/** NetworkPolicies (the program's) of a plan: namespace, name, spec. */
function policies(plan: Plan): { namespace: string; name: string; spec: any }[] {
    return plan.resources.filter(isNetworkPolicy).map((r) => ({ namespace: r.inputs.metadata.namespace, name: r.inputs.metadata.name, spec: r.inputs.spec }));
}

/** The egress rules that apply to a pod (the union over every Egress policy selecting it); undefined = unconfined. */
function egressOf(nps: ReturnType<typeof policies>, pod: Pod): any[] | undefined {
    const applying = nps.filter((p) => p.namespace === pod.namespace && (p.spec.policyTypes ?? []).includes("Egress") && selects(p.spec.podSelector, pod.labels));
    return applying.length === 0 || pod.hostNetwork ? undefined : applying.flatMap((p) => p.spec.egress ?? []);
}

/** Does one of these egress rules allow TCP `port` to a pod of namespace `ns` with these labels? */
function allowsPod(rules: any[], ns: string, labels: Record<string, string>, port: number, from: string): boolean {
    return rules.some((r) => (r.ports ?? []).some((p: any) => p.port === port && (p.protocol ?? "TCP") === "TCP") && (r.to ?? []).some((peer: any) => {
        if (peer.ipBlock) return false;
        const nsOk = peer.namespaceSelector ? selects(peer.namespaceSelector, { "kubernetes.io/metadata.name": ns }) : ns === from;
        return nsOk && selects(peer.podSelector ?? {}, labels);
    }));
}

/** Does one of these egress rules allow `protocol` `port` to exactly these CIDRs? */
function allowsCidrs(rules: any[], cidrs: string[], port: number): boolean {
    return rules.some((r) => (r.ports ?? []).some((p: any) => p.port === port) && isDeepStrictEqual((r.to ?? []).map((t: any) => t.ipBlock?.cidr), cidrs));
}

describe("egress is closed: no NetworkPolicy allows egress to 0.0.0.0/0 (except listed system components)", () => {
    const seenUnconfined = new Set<string>();
    for (const stack of STACKS) {
        it(`${stack}: every egress rule names its destination (except the listed policies)`, async () => {
            const plan = await planStack(stack);
            const kind = plan.config.cluster.kind;
            const nps = policies(plan);
            assert.ok(nps.length > 3, "policies found");
            const offending = nps.filter((np) => openRules(np.spec).length > 0)
                .filter((np) => !EXEMPT_POLICIES.some((e) => (e.clusterKind === kind || e.clusterKind === "any") && e.namespace === np.namespace && e.name === np.name))
                .map((np) => `${np.namespace}/${np.name}: ${JSON.stringify(openRules(np.spec))}`);
            assert.deepStrictEqual(offending, []);
        });

        it(`${stack}: every pod it runs (charts and operators included) has confined egress, or is listed with its reason`, async () => {
            const { plan, render } = await renderedStack(stack);
            const nps = policies(plan);
            const pods = stackPods(allObjects(plan, render));
            assert.ok(pods.length > 10, "pods found");
            const unconfined = pods.filter((p) => egressOf(nps, p) === undefined).map((p) => `${p.namespace}/${p.name}`);
            const listed = new Set(UNCONFINED_WORKLOADS.map((w) => `${w.namespace}/${w.name}`));
            assert.deepStrictEqual(unconfined.filter((u) => !listed.has(u)), [], "pods whose egress no NetworkPolicy confines");
            for (const u of unconfined) seenUnconfined.add(u);
            // Every namespace but the cluster's own starts from default-deny egress (kube-system: a default-deny there
            // would cut CoreDNS from its upstream resolvers and the cloud's add-ons from their APIs; the add-ons
            // this program installs there are confined by policies of their own).
            const denied = new Set(nps.filter((p) => JSON.stringify(p.spec.podSelector) === "{}" && !p.spec.egress && (p.spec.policyTypes ?? []).includes("Egress")).map((p) => p.namespace));
            const namespaces = [...new Set(pods.map((p) => p.namespace))].filter((n) => n !== "kube-system").sort();
            assert.deepStrictEqual(namespaces.filter((n) => !denied.has(n)), [], "namespaces without default-deny egress");
        });
    }

    it("every listed unconfined workload exists in some stack (no stale exemption)", async () => {
        for (const stack of STACKS) await renderedStack(stack);
        assert.deepStrictEqual(UNCONFINED_WORKLOADS.map((w) => `${w.namespace}/${w.name}`).filter((w) => !seenUnconfined.has(w)), []);
    });

    it("on-prem: the API server and the object store are reached at their configured addresses only", async () => {
        const plan = await planStack("staging");
        const np = (name: string) => plan.resources.find((r) => isNetworkPolicy(r) && r.inputs.metadata.name === name)!.inputs.spec;
        const api = np("postgres-operator").egress.find((e: any) => e.ports.some((p: any) => p.port === 6443));
        assert.deepStrictEqual(api.to.map((t: any) => t.ipBlock.cidr), plan.config.cluster.apiServerCidrs);
        // staging's object store is an in-cluster Service: its namespace, its port.
        const store = np("postgres-members").egress.find((e: any) => e.ports.some((p: any) => p.port === 9000));
        assert.deepStrictEqual(store.to, [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "storage" } }, podSelector: {} }]);
    });

    it("on-prem with an external object store: egress to its CIDRs only, and a ServiceEntry for it in a REGISTRY_ONLY mesh", async () => {
        const plan = await planStack("staging", STAGING_VARIANT);
        const members = plan.resources.find((r) => isNetworkPolicy(r) && r.inputs.metadata.name === "postgres-members")!.inputs.spec;
        const store = members.egress.find((e: any) => e.ports.some((p: any) => p.port === 9443));
        assert.deepStrictEqual(store.to, [{ ipBlock: { cidr: "10.30.0.0/24" } }]);
        const entries = plan.resources.filter((r) => r.inputs?.kind === "ServiceEntry");
        assert.deepStrictEqual(entries.map((e) => [e.inputs.spec.hosts, e.inputs.spec.ports, e.inputs.spec.resolution]), [
            [["s3.corp.example"], [{ number: 9443, name: "tls", protocol: "TLS" }], "DNS"],
        ]);
    });

    for (const stack of STACKS) {
        it(`${stack}: the mesh only routes to registered services (REGISTRY_ONLY), with ServiceEntries only for declared externals`, async () => {
            const plan = await planStack(stack);
            const istiod = plan.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "istiod")!;
            assert.deepStrictEqual(istiod.inputs.values.meshConfig.outboundTrafficPolicy, { mode: "REGISTRY_ONLY" });
            // No stack file declares an external dependency (staging's object store is in-cluster).
            assert.deepStrictEqual(plan.resources.filter((r) => r.inputs?.kind === "ServiceEntry"), []);
        });
    }
});

describe("system namespaces: default-deny egress, then each component's flows (components/system-egress.ts)", () => {
    const setup = async (stack: string) => {
        const { plan, render } = await renderedStack(stack);
        const nps = policies(plan);
        const objs = allObjects(plan, render);
        const pods = stackPods(objs);
        const rules = (ns: string, name: string) => egressOf(nps, podNamed(pods, ns, name))!;
        return { plan, nps, objs, pods, rules, api: plan.config.cluster.kind === "eks" ? [plan.config.eks.vpcCidr] : plan.config.cluster.apiServerCidrs };
    };

    for (const stack of STACKS) {
        it(`${stack}: VPA and Istio controllers reach DNS and the API server only`, async () => {
            const { pods, nps, api } = await setup(stack);
            const controllers = pods.filter((p) => p.namespace === "vpa" || p.namespace === "istio-system");
            assert.ok(controllers.length >= 5, "VPA and Istio pods found");
            for (const p of controllers) {
                const rules = egressOf(nps, p)!;
                assert.ok(rules, `${p.name} confined`);
                assert.ok(DNS(rules), `${p.name}: DNS`);
                assert.ok(allowsCidrs(rules, api, 443), `${p.name}: API server`);
                // Nothing else: every rule is DNS or the API server.
                assert.deepStrictEqual(rules.filter((r) => !DNS([r]) && !allowsCidrs([r], api, 443)), [], p.name);
            }
        });
    }

    for (const stack of ["staging", "prod"]) {
        it(`${stack}: Prometheus reaches every target of every ServiceMonitor and PodMonitor, and the nodes and API server at their addresses only`, async () => {
            const { plan, objs, pods, rules, api } = await setup(stack);
            const prom = rules("monitoring", "kube-prometheus-stack-prometheus");
            const t = scrapeTargets(objs, pods);
            assert.deepStrictEqual(t.unresolved, []);
            assert.ok(t.pods.length >= 10 && t.apiServer && t.node.includes(10250), "targets resolved");
            const missing = t.pods.filter((x) => !allowsPod(prom, x.ns, x.labels, x.port, "monitoring")).map((x) => `${x.monitor} -> ${x.ns}:${x.port}`);
            assert.deepStrictEqual(missing, []);
            const nodes = plan.config.cluster.kind === "eks" ? [plan.config.eks.vpcCidr] : plan.config.cluster.nodeCidrs;
            for (const port of new Set(t.node)) assert.ok(allowsCidrs(prom, nodes, port), `node port ${port} at ${nodes}`);
            assert.ok(allowsCidrs(prom, api, 443), "API server");
            assert.deepStrictEqual(openRules({ egress: prom }), []);
        });

        it(`${stack}: Grafana, the adapter and Alertmanager reach what they need; receivers only when enabled`, async () => {
            const { plan, pods, rules } = await setup(stack);
            const prometheus = podNamed(pods, "monitoring", "kube-prometheus-stack-prometheus").labels;
            const am = podNamed(pods, "monitoring", "kube-prometheus-stack-alertmanager").labels;
            assert.ok(allowsPod(rules("monitoring", "kube-prometheus-stack-grafana"), "monitoring", prometheus, 9090, "monitoring"));
            assert.ok(allowsPod(rules("monitoring", "prometheus-adapter"), "monitoring", prometheus, 9090, "monitoring"));
            const amRules = rules("monitoring", "kube-prometheus-stack-alertmanager");
            assert.ok(amRules.some((r) => (r.ports ?? []).some((p: any) => p.port === 9094 && p.protocol === "UDP")), "gossip 9094/UDP");
            assert.ok(allowsPod(amRules, "monitoring", am, 9094, "monitoring"), "gossip 9094/TCP");
            const receivers = policies(plan).filter((p) => p.namespace === "monitoring" && p.name === "alertmanager-receivers");
            const a = plan.config.observability.alerting;
            const enabled = [a.webhook, a.slack, a.pagerduty, a.email].some((r) => r.enabled);
            assert.strictEqual(receivers.length, enabled ? 1 : 0);
            if (enabled) assert.deepStrictEqual(receivers[0].spec.egress.map((r: any) => r.ports), [[{ protocol: "TCP", port: 443 }]]);
        });

        it(`${stack}: logs and traces flow Fluent Bit -> Fluentd -> Elasticsearch <- Jaeger, Kibana, ECK; nothing else`, async () => {
            const { pods, rules } = await setup(stack);
            const es = pods.find((p) => p.labels["common.k8s.elastic.co/type"] === "elasticsearch")!;
            const fluentd = podNamed(pods, "logging", "fluentd");
            // The port Fluent Bit forwards to, as the fluentd chart names it.
            assert.ok(allowsPod(rules("logging", "fluent-bit"), "logging", fluentd.labels, fluentd.ports.forwarder, "logging"), "fluent-bit -> fluentd");
            for (const [ns, name] of [["logging", "fluentd"], ["logging", "es-setup"], ["logging", "kubechat-kb"], ["logging", "elastic-operator"], ["tracing", "jaeger"]]) {
                assert.ok(allowsPod(rules(ns, name), "logging", es.labels, 9200, ns), `${name} -> elasticsearch:9200`);
            }
            assert.ok(allowsPod(egressOf(policies((await renderedStack(stack)).plan), es)!, "logging", es.labels, 9300, "logging"), "transport 9300");
            for (const name of ["fluent-bit", "fluentd", "kubechat-kb"]) assert.deepStrictEqual(openRules({ egress: rules("logging", name) }), [], name);
        });
    }

    it("EKS: the add-ons installed in kube-system are confined by their own policies; kube-system gets no default-deny", async () => {
        const { plan, nps, rules, api } = await setup("prod");
        const ms = rules("kube-system", "metrics-server");
        assert.ok(DNS(ms) && allowsCidrs(ms, api, 443) && allowsCidrs(ms, [plan.config.eks.vpcCidr], 10250), "metrics-server: DNS, API server, kubelets");
        assert.deepStrictEqual(openRules({ egress: ms }), []);
        assert.deepStrictEqual(openRules({ egress: rules("kube-system", "cluster-autoscaler") }), [{ ports: [{ protocol: "TCP", port: 443 }] }]);
        assert.ok(nps.filter((p) => p.namespace === "kube-system").every((p) => Object.keys(p.spec.podSelector.matchLabels ?? {}).length > 0), "pod-scoped only");
    });

    it("on-prem: Velero and the Elasticsearch snapshots reach the object store at its endpoint only", async () => {
        const { pods, rules } = await setup("staging");
        const store = { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "storage" } }, podSelector: {} }], ports: [{ protocol: "TCP", port: 9000 }] };
        for (const [ns, name] of [["velero", "velero"], ["velero", "node-agent"]]) {
            assert.ok(rules(ns, name).some((r) => isDeepStrictEqual(r, store)), `${name} -> minio`);
            assert.deepStrictEqual(openRules({ egress: rules(ns, name) }), [], name);
        }
        // Velero's repository-maintenance Jobs, created at run time with only this label (velero pkg/repository/maintenance).
        const maintenance: Pod = { namespace: "velero", name: "repo-maintenance", labels: { "velero.io/repo-name": "kubechat-data-default-kopia" }, hostNetwork: false, ports: {} };
        assert.ok(egressOf(policies((await renderedStack("staging")).plan), maintenance)!.some((r) => isDeepStrictEqual(r, store)), "maintenance Job -> minio");
        const es = pods.find((p) => p.labels["common.k8s.elastic.co/type"] === "elasticsearch")!;
        assert.ok(egressOf(policies((await renderedStack("staging")).plan), es)!.some((r) => isDeepStrictEqual(r, store)), "snapshots -> minio");
    });

    it("an external Elasticsearch is reached at its CIDRs only; receivers at alerting.egressCidrs when set", async () => {
        const plan = await planStack("staging", {
            observability: { elasticsearchUrl: "https://es.corp.example:9243", elasticsearchCidrs: ["10.40.0.0/24"], alerting: { webhook: { enabled: true, secretName: "am" }, egressCidrs: ["10.50.0.0/28"] } },
        });
        const np = (ns: string, name: string) => policies(plan).find((p) => p.namespace === ns && p.name === name)!.spec;
        const external = { to: [{ ipBlock: { cidr: "10.40.0.0/24" } }], ports: [{ protocol: "TCP", port: 9243 }] };
        for (const [ns, name] of [["logging", "fluentd"], ["logging", "es-setup"], ["tracing", "jaeger"]]) assert.deepStrictEqual(np(ns, name).egress, [external], name);
        assert.ok(!policies(plan).some((p) => p.name === "elasticsearch" || p.name === "eck-operator"), "no in-cluster Elasticsearch policies");
        assert.deepStrictEqual(np("monitoring", "alertmanager-receivers").egress, [{ to: [{ ipBlock: { cidr: "10.50.0.0/28" } }], ports: [{ protocol: "TCP", port: 443 }] }]);
    });
});
