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

    it("every planned namespace starts from default-deny egress and never restricts ingress (webhooks)", () => {
        const ns = namespaceNames({ app: { namespace: "a" }, postgres: { namespace: "d" }, mesh: { gatewayNamespace: "g" } } as any);
        const plans = systemEgressPolicies({
            namespaces: ns, apiServerCidrs: ["10.0.0.1/32"], nodeCidrs: ["10.0.0.0/24"], mesh: true, vpa: true,
            metrics: { scrapeTargets: [], controlPlaneMetrics: true, receivers: [] }, logging: { elasticsearch: { inCluster: true } },
            tracing: {}, velero: { store: backupStoreEgress(undefined, []) },
        });
        assert.deepStrictEqual(plans.map((p) => p.namespace), ["vpa", "istio-system", "monitoring", "logging", "tracing", "velero"]);
        for (const p of plans) {
            assert.deepStrictEqual(p.policies[0], { name: "default-deny-egress", spec: { podSelector: {}, policyTypes: ["Egress"] } }, p.namespace);
            for (const np of p.policies) assert.deepStrictEqual(np.spec.policyTypes, ["Egress"], `${p.namespace}/${np.name}`);
        }
        // Control-plane scrapes (etcd, controller-manager, scheduler, kube-proxy) go to the nodes only.
        const prom: any = plans.find((p) => p.namespace === "monitoring")!.policies.find((p) => p.name === "prometheus")!.spec;
        assert.deepStrictEqual(prom.egress.at(-1), { to: [{ ipBlock: { cidr: "10.0.0.0/24" } }], ports: [10250, 9100, 2381, 10257, 10259, 10249].map((port) => ({ protocol: "TCP", port })) });
        // No receivers enabled: no receivers policy at all.
        assert.ok(!plans.some((p) => p.policies.some((np) => np.name === "alertmanager-receivers")));
    });
});
