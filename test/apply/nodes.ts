/**
 * The nodes of the simulated cluster, as each stack intends them (pure: no cluster, no I/O).
 *
 * - dev: one node of Rancher Desktop's default virtual machine (2 CPUs, 6 GiB), labelled as k3s labels
 *   its node (no zone label: k3s runs without a cloud provider).
 * - staging: the customer-like on-prem cluster: `cluster.zones` zones, two workers in each, of the size
 *   `ONPREM_WORKER` states (the stack file does not declare node sizes; this is the assumption the
 *   apply test makes, and reports).
 * - prod: the EKS managed node groups of `eks.nodeGroups`, each at its `desiredSize` spread over
 *   `eks.availabilityZones`, with the first instance type's capacity and the allocatable the EKS AMI's
 *   bootstrap computes (kube-reserved CPU and memory, eviction threshold), the group's labels and taints.
 */

/** A node as the simulated cluster creates it. */
export interface SimNode {
    name: string;
    labels: Record<string, string>;
    taints: { key: string; value?: string; effect: string }[];
    capacity: { cpu: string; memory: string; pods: string };
    allocatable: { cpu: string; memory: string; pods: string };
    /** The node group (prod) or role it stands for. */
    group: string;
}

/** What an EC2 instance type offers: vCPUs, memory (MiB) and the pods the VPC CNI allows (ENI-based max pods). */
export const INSTANCE_TYPES: Record<string, { vcpu: number; memoryMiB: number; maxPods: number }> = {
    "m5.large": { vcpu: 2, memoryMiB: 8192, maxPods: 29 },
    "m5.xlarge": { vcpu: 4, memoryMiB: 16384, maxPods: 58 },
    "m5.2xlarge": { vcpu: 8, memoryMiB: 32768, maxPods: 58 },
    "c5.large": { vcpu: 2, memoryMiB: 4096, maxPods: 29 },
    "c5.xlarge": { vcpu: 4, memoryMiB: 8192, maxPods: 58 },
    "c5.2xlarge": { vcpu: 8, memoryMiB: 16384, maxPods: 58 },
    "r5.large": { vcpu: 2, memoryMiB: 16384, maxPods: 29 },
    "r5.xlarge": { vcpu: 4, memoryMiB: 32768, maxPods: 58 },
};

/**
 * kube-reserved CPU as the EKS AMI's bootstrap computes it: 6 % of the first core, 1 % of the second,
 * 0.5 % of the next two, 0.25 % of the rest (millicores).
 */
export function eksReservedCpuMillis(vcpu: number): number {
    const bands: [number, number][] = [[1, 60], [1, 10], [2, 5], [Infinity, 2.5]];
    let left = vcpu;
    let reserved = 0;
    for (const [cores, perCore] of bands) {
        const n = Math.min(left, cores);
        reserved += n * perCore;
        left -= n;
        if (left <= 0) break;
    }
    return Math.round(reserved);
}

/** kube-reserved memory of the EKS AMI (255 MiB + 11 MiB per pod) plus the 100 MiB hard eviction threshold. */
export function eksReservedMemoryMiB(maxPods: number): number {
    return 255 + 11 * maxPods + 100;
}

/** The size this test gives each on-prem staging worker (a common customer VM size). */
export const ONPREM_WORKER = { cpu: 8, memoryMiB: 32768, pods: 110, perZone: 2 } as const;
/** Rancher Desktop's default virtual machine (Preferences > Virtual Machine: 2 CPUs, 6 GB). */
export const RANCHER_DESKTOP = { cpu: 2, memoryMiB: 6144, pods: 110 } as const;
/** kubelet's default hard eviction threshold (memory.available < 100Mi), taken off allocatable on-prem. */
const EVICTION_MIB = 100;

const base = (name: string) => ({ "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64" });

function size(cpuMillis: number, memoryMiB: number, pods: number) {
    return { cpu: `${cpuMillis}m`, memory: `${memoryMiB}Mi`, pods: String(pods) };
}

/** The subset of a stack's config the node model reads. */
export interface NodeIntent {
    clusterKind: "onprem" | "eks";
    zones: number;
    /** dev-like: a single-node laptop cluster. */
    laptop: boolean;
    eks?: {
        availabilityZones: string[];
        nodeGroups: Record<string, { instanceTypes: string[]; desiredSize: number; minSize: number; taints?: string[]; labels?: string[] }>;
    };
}

export function simulatedNodes(i: NodeIntent): SimNode[] {
    if (i.clusterKind === "onprem" && i.laptop) {
        const name = "lima-rancher-desktop";
        return [{
            name, group: "rancher-desktop",
            labels: { ...base(name), "node-role.kubernetes.io/control-plane": "true", "node-role.kubernetes.io/master": "true", "node.kubernetes.io/instance-type": "k3s" },
            taints: [],
            capacity: size(RANCHER_DESKTOP.cpu * 1000, RANCHER_DESKTOP.memoryMiB, RANCHER_DESKTOP.pods),
            allocatable: size(RANCHER_DESKTOP.cpu * 1000, RANCHER_DESKTOP.memoryMiB - EVICTION_MIB, RANCHER_DESKTOP.pods),
        }];
    }
    if (i.clusterKind === "onprem") {
        const nodes: SimNode[] = [];
        for (let z = 0; z < i.zones; z++) {
            for (let n = 0; n < ONPREM_WORKER.perZone; n++) {
                const name = `worker-z${z + 1}-${n + 1}`;
                nodes.push({
                    name, group: "workers",
                    labels: { ...base(name), "topology.kubernetes.io/zone": `zone-${z + 1}`, "node-role.kubernetes.io/worker": "" },
                    taints: [],
                    capacity: size(ONPREM_WORKER.cpu * 1000, ONPREM_WORKER.memoryMiB, ONPREM_WORKER.pods),
                    allocatable: size(ONPREM_WORKER.cpu * 1000, ONPREM_WORKER.memoryMiB - EVICTION_MIB, ONPREM_WORKER.pods),
                });
            }
        }
        return nodes;
    }
    const eks = i.eks;
    if (!eks) throw new Error("simulatedNodes: an EKS stack needs eks.nodeGroups and eks.availabilityZones");
    const nodes: SimNode[] = [];
    for (const [group, g] of Object.entries(eks.nodeGroups)) {
        const type = g.instanceTypes[0];
        const it = INSTANCE_TYPES[type];
        if (!it) throw new Error(`simulatedNodes: no capacity known for instance type ${type} (node group ${group}); add it to INSTANCE_TYPES`);
        const count = Math.max(g.desiredSize, g.minSize);
        for (let n = 0; n < count; n++) {
            const zone = eks.availabilityZones[n % eks.availabilityZones.length];
            const name = `ip-${group}-${n + 1}.ec2.internal`;
            const labels: Record<string, string> = {
                ...base(name),
                "topology.kubernetes.io/zone": zone,
                "topology.kubernetes.io/region": zone.replace(/[a-z]$/, ""),
                "node.kubernetes.io/instance-type": type,
                "eks.amazonaws.com/nodegroup": group,
                "eks.amazonaws.com/capacityType": "ON_DEMAND",
            };
            for (const l of g.labels ?? []) {
                const [k, v] = l.split("=");
                labels[k] = v ?? "";
            }
            const taints = (g.taints ?? []).map((t) => {
                const [kv, effect] = t.split(":");
                const [key, value] = kv.split("=");
                return { key, value, effect };
            });
            nodes.push({
                name, group, labels, taints,
                capacity: size(it.vcpu * 1000, it.memoryMiB, it.maxPods),
                allocatable: size(it.vcpu * 1000 - eksReservedCpuMillis(it.vcpu), it.memoryMiB - eksReservedMemoryMiB(it.maxPods), it.maxPods),
            });
        }
    }
    return nodes;
}

/**
 * The nodes the cluster-autoscaler would add to an EKS stack for pods the cluster's own pods leave no room
 * for (the members and poolers the Postgres operator makes are not in a `pulumi up`'s requests): `perZone`
 * more nodes of every untainted node group in each zone the cluster has, named on from the group's last.
 * Empty for clusters without node groups (on-prem, the laptop). Pure: the caller creates them.
 */
export function scaledUpNodes(nodes: SimNode[], perZone: number): SimNode[] {
    const zoneOf = (n: SimNode) => n.labels["topology.kubernetes.io/zone"];
    const zones = [...new Set(nodes.map(zoneOf).filter((z) => z))].sort();
    const added: SimNode[] = [];
    for (const group of [...new Set(nodes.filter((n) => n.labels["eks.amazonaws.com/nodegroup"] && n.taints.length === 0).map((n) => n.group))]) {
        const members = nodes.filter((n) => n.group === group);
        const template = members[0];
        let next = members.length;
        for (let k = 0; k < perZone; k++) {
            for (const zone of zones) {
                const name = `ip-${group}-${++next}.ec2.internal`;
                added.push({
                    ...template, name,
                    labels: { ...template.labels, "kubernetes.io/hostname": name, "topology.kubernetes.io/zone": zone, "topology.kubernetes.io/region": zone.replace(/[a-z]$/, "") },
                });
            }
        }
    }
    return added;
}

/** The Node object KWOK manages (annotation `kwok.x-k8s.io/node: fake`); status is set on create. */
export function nodeObject(n: SimNode, ip: string): Record<string, unknown> {
    return {
        apiVersion: "v1",
        kind: "Node",
        metadata: { name: n.name, labels: n.labels, annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" } },
        spec: { taints: n.taints.length > 0 ? n.taints : undefined },
        status: {
            capacity: n.capacity,
            allocatable: n.allocatable,
            addresses: [{ type: "InternalIP", address: ip }, { type: "Hostname", address: n.name }],
        },
    };
}
