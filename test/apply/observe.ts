/**
 * What the apply test reads from the simulated cluster: a snapshot of cluster-scoped objects (to find
 * leftovers after destroy), pods that did not get to run, requests per node, and the stand-in for a
 * load-balancer implementation.
 */
import type { SimCluster } from "./sim-cluster";
import type { StepRecord } from "../real/tools/pulumi-stack";

type Obj = { metadata: { name: string; namespace?: string; deletionTimestamp?: string }; [k: string]: unknown };

function list(c: SimCluster, kind: string, allNamespaces = false): Obj[] {
    const r = c.kubectl(["get", kind, ...(allNamespaces ? ["-A"] : []), "-o", "json"], { allowFail: true });
    if (r.code !== 0) return [];
    return (JSON.parse(r.stdout).items ?? []) as Obj[];
}

export interface ClusterSnapshot {
    /** `Kind/name` of every cluster-scoped object of the kinds a platform leaves behind. */
    objects: string[];
    webhooks: string[];
    unavailableApiServices: string[];
    terminating: string[];
}

/** Cluster-scoped kinds that outlive their namespaces when a destroy forgets them. */
const CLUSTER_KINDS = [
    "namespaces", "customresourcedefinitions", "validatingwebhookconfigurations", "mutatingwebhookconfigurations",
    "clusterroles", "clusterrolebindings", "apiservices", "storageclasses", "priorityclasses", "persistentvolumes",
    "ingressclasses", "validatingadmissionpolicies", "validatingadmissionpolicybindings",
];

export function clusterSnapshot(c: SimCluster): ClusterSnapshot {
    const objects: string[] = [];
    for (const kind of CLUSTER_KINDS) for (const o of list(c, kind)) objects.push(`${kind}/${o.metadata.name}`);
    const webhooks = objects.filter((o) => o.startsWith("validatingwebhookconfigurations/") || o.startsWith("mutatingwebhookconfigurations/"));
    const unavailableApiServices = list(c, "apiservices")
        .filter((a) => ((a.status as { conditions?: { type: string; status: string }[] })?.conditions ?? []).some((x) => x.type === "Available" && x.status !== "True"))
        .map((a) => a.metadata.name);
    const terminating = list(c, "namespaces").filter((n) => n.metadata.deletionTimestamp).map((n) => n.metadata.name);
    return { objects: objects.sort(), webhooks, unavailableApiServices, terminating };
}

/** What exists after that did not before (namespaced objects go with their namespace). */
export function leftovers(before: ClusterSnapshot, after: ClusterSnapshot): string[] {
    const had = new Set(before.objects);
    return after.objects.filter((o) => !had.has(o));
}

/** CPU in millicores, memory in MiB, from Kubernetes quantities. */
export function millicores(q: string | undefined): number {
    if (!q) return 0;
    if (q.endsWith("m")) return Number(q.slice(0, -1));
    return Number(q) * 1000;
}

export function mebibytes(q: string | undefined): number {
    if (!q) return 0;
    const units: [string, number][] = [["Ki", 1 / 1024], ["Mi", 1], ["Gi", 1024], ["Ti", 1024 * 1024], ["k", 1000 / 1048576], ["M", 1e6 / 1048576], ["G", 1e9 / 1048576]];
    for (const [u, f] of units) if (q.endsWith(u)) return Number(q.slice(0, -u.length)) * f;
    return Number(q) / 1048576;
}

type Requests = { cpu?: string; memory?: string };
type PodSpecLike = { nodeName?: string; containers: { resources?: { requests?: Requests } }[]; initContainers?: { resources?: { requests?: Requests }; restartPolicy?: string }[]; overhead?: Requests };

/** A pod's effective requests as the scheduler counts them: the larger of its containers' sum and any one init container, plus overhead. */
export function podRequests(spec: PodSpecLike): { cpu: number; memory: number } {
    const sum = (cs: { resources?: { requests?: Requests } }[]) => cs.reduce((a, x) => ({ cpu: a.cpu + millicores(x.resources?.requests?.cpu), memory: a.memory + mebibytes(x.resources?.requests?.memory) }), { cpu: 0, memory: 0 });
    const sidecars = sum((spec.initContainers ?? []).filter((x) => x.restartPolicy === "Always"));
    const main = sum(spec.containers);
    let cpu = main.cpu + sidecars.cpu;
    let memory = main.memory + sidecars.memory;
    for (const i of (spec.initContainers ?? []).filter((x) => x.restartPolicy !== "Always")) {
        cpu = Math.max(cpu, millicores(i.resources?.requests?.cpu) + sidecars.cpu);
        memory = Math.max(memory, mebibytes(i.resources?.requests?.memory) + sidecars.memory);
    }
    return { cpu: cpu + millicores(spec.overhead?.cpu), memory: memory + mebibytes(spec.overhead?.memory) };
}

export interface NodeUsage {
    node: string;
    group: string;
    pods: number;
    cpuRequested: number;
    cpuAllocatable: number;
    memoryRequestedMi: number;
    memoryAllocatableMi: number;
}

export function nodeUsage(c: SimCluster): NodeUsage[] {
    const pods = list(c, "pods", true).filter((p) => !["Succeeded", "Failed"].includes((p.status as { phase?: string })?.phase ?? ""));
    return list(c, "nodes").map((n) => {
        const alloc = (n.status as { allocatable: Requests }).allocatable;
        const mine = pods.filter((p) => (p.spec as PodSpecLike).nodeName === n.metadata.name);
        const req = mine.map((p) => podRequests(p.spec as PodSpecLike)).reduce((a, x) => ({ cpu: a.cpu + x.cpu, memory: a.memory + x.memory }), { cpu: 0, memory: 0 });
        return {
            node: n.metadata.name,
            group: c.nodes.find((x) => x.name === n.metadata.name)?.group ?? "",
            pods: mine.length,
            cpuRequested: Math.round(req.cpu), cpuAllocatable: millicores(alloc.cpu),
            memoryRequestedMi: Math.round(req.memory), memoryAllocatableMi: Math.round(mebibytes(alloc.memory)),
        };
    });
}

/** Pods that are not Running (or completed): each with the scheduler's reason or its phase. */
export function pendingPods(c: SimCluster): { pod: string; reason: string }[] {
    return list(c, "pods", true)
        .filter((p) => !["Running", "Succeeded"].includes((p.status as { phase?: string })?.phase ?? ""))
        .map((p) => {
            const st = p.status as { phase?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
            const sched = st.conditions?.find((x) => x.type === "PodScheduled" && x.status !== "True");
            return { pod: `${p.metadata.namespace}/${p.metadata.name}`, reason: sched ? `${sched.reason}: ${sched.message}` : `phase ${st.phase}` };
        });
}

/**
 * Stands in for what the simulated cluster lacks and the platform waits for, each writing only the
 * status the real thing would write once it has done its work:
 * - the cluster's load-balancer implementation (k3s ServiceLB on Rancher Desktop, MetalLB on the
 *   customer's cluster, the AWS load balancer controller on EKS): an address in a LoadBalancer
 *   Service's status (TEST-NET-2, never routed), which Helm's wait and Pulumi's await need;
 * - a running Elasticsearch as ECK reports it: `status.phase: Ready` and `health: green` on each
 *   Elasticsearch resource, which the program awaits (`pulumi.com/waitFor`). Neither the ECK operator
 *   nor Elasticsearch runs here (KWOK pods run no process), so this is simulated, never shown.
 * Each write is recorded (`log`) for the report.
 */
export class StandIns {
    private timer?: NodeJS.Timeout;
    public readonly log: string[] = [];
    constructor(private readonly c: SimCluster) {}

    start(): void {
        this.timer = setInterval(() => this.tick(), 2000);
    }

    stop(): void {
        if (this.timer) clearInterval(this.timer);
    }

    private patchStatus(kind: string, o: Obj, status: Record<string, unknown>, what: string): void {
        const args = ["patch", kind, o.metadata.name, "-n", o.metadata.namespace ?? "default", "--type=merge", "-p", JSON.stringify({ status })];
        // Through the status subresource where the kind has one (a CRD without it takes status in the object).
        let r = this.c.kubectl([...args, "--subresource=status"], { allowFail: true });
        if (r.code !== 0) r = this.c.kubectl(args, { allowFail: true });
        if (r.code === 0) this.log.push(`${kind} ${o.metadata.namespace}/${o.metadata.name}: ${what}`);
    }

    private tick(): void {
        for (const s of list(this.c, "services", true)) {
            const spec = s.spec as { type?: string };
            const st = s.status as { loadBalancer?: { ingress?: unknown[] } };
            if (spec.type !== "LoadBalancer" || (st?.loadBalancer?.ingress?.length ?? 0) > 0) continue;
            const ip = `198.51.100.${10 + (this.log.length % 200)}`;
            this.patchStatus("service", s, { loadBalancer: { ingress: [{ ip, ipMode: "VIP" }] } }, `load balancer ${ip}`);
        }
        for (const es of list(this.c, "elasticsearches.elasticsearch.k8s.elastic.co", true)) {
            const st = es.status as { phase?: string } | undefined;
            if (st?.phase === "Ready" || es.metadata.deletionTimestamp) continue;
            const nodes = ((es.spec as { nodeSets?: { count?: number }[] }).nodeSets ?? []).reduce((n, x) => n + (x.count ?? 0), 0);
            this.patchStatus("elasticsearches.elasticsearch.k8s.elastic.co", es, { phase: "Ready", health: "green", availableNodes: nodes, version: (es.spec as { version?: string }).version }, "phase Ready (simulated)");
        }
    }
}

/** Kinds whose replacement or deletion loses data or credentials. */
const STATEFUL_TYPES = [
    "kubernetes:acid.zalan.do/v1:postgresql",
    "kubernetes:core/v1:PersistentVolumeClaim",
    "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch",
    // Generated credentials and keys (the program makes them once and keeps them with ignoreChanges).
    "kubernetes:core/v1:Secret",
];

/** Steps that replace or delete a stateful resource. */
export function statefulLosses(changes: StepRecord[]): StepRecord[] {
    return changes.filter((c) => STATEFUL_TYPES.includes(c.type) && ["replace", "create-replacement", "delete-replaced", "delete", "discard"].includes(c.op));
}

