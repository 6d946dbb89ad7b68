import * as assert from "assert";
import { Plan, PlanResource } from "../../scripts/lib/plan";
import { STAGING_VARIANT, planStack } from "../harness";

const STACKS = ["dev", "staging", "prod"];

/**
 * NetworkPolicies that may allow egress to any address, each with its reason. Nothing else may:
 * on-prem, data never leaves the customer's cluster.
 */
const EXEMPT_POLICIES: { clusterKind: string; namespace: string; name: string; reason: string }[] = [
    { clusterKind: "eks", namespace: "kubechat-data", name: "postgres-members", reason: "WAL-G writes to AWS S3, which has no fixed addresses: HTTPS (443) only; IRSA limits it to the backup bucket" },
    { clusterKind: "eks", namespace: "kubechat-data", name: "postgres-logical-backup", reason: "pg_dump uploads to AWS S3, which has no fixed addresses: HTTPS (443) only; IRSA limits it to the backup bucket" },
];

/**
 * Namespaces with workloads but no default-deny NetworkPolicy (their pods' egress is not confined by
 * this program), each with its reason. A namespace not listed here must start from default-deny.
 */
const UNCONFINED_NAMESPACES: Record<string, string> = {
    "istio-system": "istiod's webhooks are called by the API server from control-plane addresses and the CNI node agent runs on the host network",
    "kube-system": "cluster add-ons (EKS: metrics-server, cluster-autoscaler) owned by the cluster operator",
    vpa: "not yet confined: VPA controllers (API server only) — chart-managed pods, policies to come with the chart rendering work",
    monitoring: "not yet confined: Prometheus scrapes every namespace and node; Alertmanager receivers are user-defined",
    logging: "not yet confined: ECK operator, Elasticsearch, Kibana, Fluent Bit (host network) and Fluentd",
    tracing: "not yet confined: Jaeger (OTLP receiver, Elasticsearch storage)",
    velero: "not yet confined: Velero server and node agent (API server and the object store)",
};

const isNetworkPolicy = (r: PlanResource) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy";
/** Egress rules that reach any address: no `to` (all destinations) or an ipBlock of prefix length 0. */
const openRules = (r: PlanResource) => ((r.inputs.spec.egress ?? []) as any[]).filter(
    (e) => !Array.isArray(e.to) || e.to.length === 0 || e.to.some((p: any) => p.ipBlock && /\/0$/.test(String(p.ipBlock.cidr))),
);

function workloadNamespaces(plan: Plan): Set<string> {
    const ns = new Set<string>();
    for (const r of plan.resources) {
        if (r.type === "kubernetes:helm.sh/v3:Release") ns.add(r.inputs.namespace);
        else if (/:(Deployment|StatefulSet|DaemonSet|Rollout|CronJob|Job)$/.test(r.type) || r.inputs?.kind === "postgresql") ns.add(r.inputs.metadata?.namespace);
    }
    ns.delete(undefined as unknown as string);
    return ns;
}

describe("egress is closed: no NetworkPolicy allows egress to 0.0.0.0/0 (except listed system components)", () => {
    for (const stack of STACKS) {
        it(`${stack}: every egress rule names its destination`, async () => {
            const plan = await planStack(stack);
            const kind = plan.config.cluster.kind;
            const nps = plan.resources.filter(isNetworkPolicy);
            assert.ok(nps.length > 3, "policies found");
            const offending: string[] = [];
            for (const np of nps) {
                const { namespace, name } = np.inputs.metadata;
                if (openRules(np).length === 0) continue;
                if (!EXEMPT_POLICIES.some((e) => e.clusterKind === kind && e.namespace === namespace && e.name === name)) {
                    offending.push(`${namespace}/${name}: ${JSON.stringify(openRules(np))}`);
                }
            }
            assert.deepStrictEqual(offending, []);
        });

        it(`${stack}: every namespace with workloads starts from default-deny, or is listed with its reason`, async () => {
            const plan = await planStack(stack);
            const denied = new Set(plan.resources.filter(isNetworkPolicy)
                .filter((r) => JSON.stringify(r.inputs.spec.podSelector) === "{}" && !r.inputs.spec.ingress && !r.inputs.spec.egress && (r.inputs.spec.policyTypes ?? []).includes("Egress"))
                .map((r) => r.inputs.metadata.namespace));
            const unconfined = [...workloadNamespaces(plan)].filter((n) => !denied.has(n)).sort();
            for (const n of unconfined) assert.ok(UNCONFINED_NAMESPACES[n], `${n} has workloads and no default-deny NetworkPolicy`);
            for (const n of ["kubechat-system", "kubechat-data"]) assert.ok(denied.has(n), `${n} must be default-deny`);
        });
    }

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
