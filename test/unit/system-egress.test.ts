import * as assert from "assert";
import { NON_PUBLIC_CIDRS, alertReceiverEgress, systemEgressPolicies } from "../../components/system-egress";
import { backupStoreEgress } from "../../components/network";
import { namespaceNames } from "../../components/namespaces";

const off = { enabled: false };
const receivers = (over: Partial<Parameters<typeof alertReceiverEgress>[0]>) =>
    alertReceiverEgress({ webhook: off, slack: off, pagerduty: off, email: { enabled: false, smarthost: "" }, egressCidrs: [], ...over });

describe("system namespace egress (pure)", () => {
    it("Alertmanager gets egress only for enabled receivers: HTTPS to egressCidrs, or public addresses only; e-mail to its smarthost", () => {
        assert.deepStrictEqual(receivers({}), []);
        assert.deepStrictEqual(receivers({ slack: { enabled: true } }), [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: NON_PUBLIC_CIDRS } }], ports: [{ protocol: "TCP", port: 443 }] }]);
        assert.ok(NON_PUBLIC_CIDRS.includes("169.254.0.0/16"), "instance metadata excluded");
        assert.deepStrictEqual(receivers({ pagerduty: { enabled: true }, egressCidrs: ["10.50.0.0/28"] }), [{ to: [{ ipBlock: { cidr: "10.50.0.0/28" } }], ports: [{ protocol: "TCP", port: 443 }] }]);
        assert.deepStrictEqual(receivers({ email: { enabled: true, smarthost: "10.1.2.3:587" } }), [{ to: [{ ipBlock: { cidr: "10.1.2.3/32" } }], ports: [{ protocol: "TCP", port: 587 }] }]);
        assert.deepStrictEqual(receivers({ email: { enabled: true, smarthost: "mail.ops.svc.cluster.local:25" } }),
            [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ops" } }, podSelector: {} }], ports: [{ protocol: "TCP", port: 25 }] }]);
    });

    it("backup writers: the on-prem endpoint's address and port; AWS S3 (no endpoint) HTTPS only", () => {
        assert.deepStrictEqual(backupStoreEgress("http://10.1.2.3:9000", []), { to: [{ ipBlock: { cidr: "10.1.2.3/32" } }], ports: [{ protocol: "TCP", port: 9000 }] });
        assert.deepStrictEqual(backupStoreEgress(undefined, []), { ports: [{ protocol: "TCP", port: 443 }] });
    });

    it("every planned namespace starts from default-deny egress; monitoring, logging and tracing also deny ingress, the webhook namespaces do not", () => {
        const ns = namespaceNames({ app: { namespace: "a" }, postgres: { namespace: "d" }, mesh: { gatewayNamespace: "g" } } as any);
        const plans = systemEgressPolicies({
            namespaces: ns, apiServerCidrs: ["10.0.0.1/32"], nodeCidrs: ["10.0.0.0/24"], mesh: true, vpa: true,
            metrics: { scrapeTargets: [], controlPlaneMetrics: true, receivers: [] }, logging: { elasticsearch: { inCluster: true } },
            tracing: {}, velero: { store: backupStoreEgress(undefined, []) },
        });
        assert.deepStrictEqual(plans.map((p) => p.namespace), ["vpa", "istio-system", "monitoring", "logging", "tracing", "velero"]);
        for (const p of plans) {
            assert.deepStrictEqual(p.policies[0], { name: "default-deny-egress", spec: { podSelector: {}, policyTypes: ["Egress"] } }, p.namespace);
            const ingress = p.policies.filter((np) => (np.spec.policyTypes as string[]).includes("Ingress"));
            if (["monitoring", "logging", "tracing"].includes(p.namespace)) {
                assert.deepStrictEqual(ingress[0], { name: "default-deny-ingress", spec: { podSelector: {}, policyTypes: ["Ingress"] } }, p.namespace);
                // Every allow names its sources and ports: nothing is open to the whole cluster.
                for (const np of ingress.slice(1)) {
                    for (const r of (np.spec as any).ingress) assert.ok(r.from?.length > 0 && r.ports?.length > 0, `${p.namespace}/${np.name}`);
                }
            } else assert.deepStrictEqual(ingress, [], p.namespace);
            for (const np of p.policies) assert.strictEqual((np.spec.policyTypes as string[]).length, 1, `${p.namespace}/${np.name}: one direction per policy`);
        }
        const spec = (namespace: string, name: string): any => plans.find((p) => p.namespace === namespace)!.policies.find((p) => p.name === name)!.spec;
        const allows = (namespace: string, name: string, port: number) => spec(namespace, name).ingress.filter((r: any) => r.ports.some((x: any) => x.port === port)).flatMap((r: any) => r.from);
        // The flows that exist, from the other ends' egress: OTLP from the app and the gateway, Prometheus queries from Argo Rollouts,
        // Elasticsearch from the writers, the API server to the webhooks.
        assert.deepStrictEqual(allows("tracing", "ingress-jaeger-otlp", 4317).map((f: any) => f.namespaceSelector.matchLabels["kubernetes.io/metadata.name"]), ["a", "g"]);
        assert.ok(allows("monitoring", "ingress-prometheus-queries", 9090).some((f: any) => f.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"] === "argo-rollouts"));
        assert.deepStrictEqual(allows("logging", "ingress-elasticsearch", 9200).map((f: any) => f.podSelector.matchLabels["app.kubernetes.io/name"] ?? f.podSelector.matchLabels["common.k8s.elastic.co/type"]),
            ["elastic-operator", "kibana", "fluentd", "es-setup"]);
        assert.deepStrictEqual(allows("logging", "ingress-eck-webhook", 9443), [{ ipBlock: { cidr: "10.0.0.1/32" } }, { ipBlock: { cidr: "10.0.0.0/24" } }]);
        assert.deepStrictEqual(allows("logging", "ingress-fluentd", 24224), [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "fluent-bit" } } }]);
        // Control-plane scrapes (etcd, controller-manager, scheduler, kube-proxy) go to the nodes only.
        const prom: any = plans.find((p) => p.namespace === "monitoring")!.policies.find((p) => p.name === "prometheus")!.spec;
        assert.deepStrictEqual(prom.egress.at(-1), { to: [{ ipBlock: { cidr: "10.0.0.0/24" } }], ports: [10250, 9100, 2381, 10257, 10259, 10249].map((port) => ({ protocol: "TCP", port })) });
        // No receivers enabled: no receivers policy at all.
        assert.ok(!plans.some((p) => p.policies.some((np) => np.name === "alertmanager-receivers")));
    });
});

describe("system namespace ingress (pure)", () => {
    it("Jaeger's Elasticsearch traffic is admitted in logging only when traces go to the in-cluster Elasticsearch", () => {
        const ns = namespaceNames({ app: { namespace: "a" }, postgres: { namespace: "d" }, mesh: { gatewayNamespace: "g" } } as any);
        const esFrom = (tracing: any) => {
            const plans = systemEgressPolicies({ namespaces: ns, apiServerCidrs: ["10.0.0.1/32"], nodeCidrs: ["10.0.0.0/24"], mesh: false, vpa: false, logging: { elasticsearch: { inCluster: true } }, tracing });
            const es: any = plans.find((p) => p.namespace === "logging")!.policies.find((p) => p.name === "ingress-elasticsearch")!.spec;
            return es.ingress[0].from.filter((f: any) => f.namespaceSelector).map((f: any) => [f.namespaceSelector.matchLabels["kubernetes.io/metadata.name"], f.podSelector.matchLabels["app.kubernetes.io/name"]]);
        };
        assert.deepStrictEqual(esFrom({ elasticsearch: { inCluster: true } }), [["tracing", "jaeger"]]);
        assert.deepStrictEqual(esFrom({}), []);
        assert.deepStrictEqual(esFrom(undefined), []);
    });
});
