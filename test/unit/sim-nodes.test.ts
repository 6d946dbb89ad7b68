/** The simulated cluster's node model and request arithmetic (test/apply): pure functions. */
import * as assert from "assert";
import { eksReservedCpuMillis, eksReservedMemoryMiB, scaledUpNodes, simulatedNodes } from "../apply/nodes";
import { mebibytes, millicores, podRequests, statefulLosses } from "../apply/observe";
import { applyStack } from "../apply/stacks";

describe("simulated cluster: nodes as each stack intends them", () => {
    it("reserves CPU and memory as the EKS AMI's bootstrap does", () => {
        assert.strictEqual(eksReservedCpuMillis(1), 60);
        assert.strictEqual(eksReservedCpuMillis(2), 70);
        assert.strictEqual(eksReservedCpuMillis(4), 80);
        assert.strictEqual(eksReservedCpuMillis(8), 90);
        assert.strictEqual(eksReservedMemoryMiB(29), 674);
    });

    it("prod: each node group at its desired size, spread over the zones, with its labels and taints", () => {
        const nodes = simulatedNodes({
            clusterKind: "eks", zones: 3, laptop: false,
            eks: {
                availabilityZones: ["us-east-1a", "us-east-1b", "us-east-1c"],
                nodeGroups: {
                    general: { instanceTypes: ["m5.large"], desiredSize: 3, minSize: 3 },
                    compute: { instanceTypes: ["c5.large"], desiredSize: 1, minSize: 0, taints: ["workload-type=compute:NoSchedule"], labels: ["workload-type=compute"] },
                },
            },
        });
        assert.deepStrictEqual(nodes.map((n) => n.labels["topology.kubernetes.io/zone"]), ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1a"]);
        assert.deepStrictEqual(nodes[0].allocatable, { cpu: "1930m", memory: "7518Mi", pods: "29" });
        assert.deepStrictEqual(nodes[3].taints, [{ key: "workload-type", value: "compute", effect: "NoSchedule" }]);
        assert.strictEqual(nodes[3].labels["workload-type"], "compute");
        assert.throws(() => simulatedNodes({ clusterKind: "eks", zones: 3, laptop: false, eks: { availabilityZones: ["a"], nodeGroups: { x: { instanceTypes: ["z9.huge"], desiredSize: 1, minSize: 1 } } } }), /z9\.huge/);
    });

    it("the cluster-autoscaler's scale-up: one more node of each untainted group per zone, none on-prem", () => {
        const prod = applyStack("prod").nodes;
        const added = scaledUpNodes(prod, 1);
        const zones = [...new Set(prod.map((n) => n.labels["topology.kubernetes.io/zone"]))].sort();
        assert.deepStrictEqual(added.map((n) => n.labels["topology.kubernetes.io/zone"]), zones);
        assert.ok(added.every((n) => n.taints.length === 0 && n.group === "general-purpose"), "only the untainted group grows");
        const names = [...prod, ...added].map((n) => n.name);
        assert.strictEqual(new Set(names).size, names.length, `names stay unique: ${names}`);
        assert.ok(added.every((n) => n.labels["kubernetes.io/hostname"] === n.name));
        assert.deepStrictEqual(added[0].allocatable, prod.find((n) => n.group === "general-purpose")!.allocatable);
        assert.strictEqual(scaledUpNodes(prod, 2).length, 2 * zones.length);
        assert.deepStrictEqual(scaledUpNodes(applyStack("staging").nodes, 1), []);
        assert.deepStrictEqual(scaledUpNodes(applyStack("dev").nodes, 1), []);
    });

    it("the stack files: dev one laptop node without zones, staging workers in 3 zones, prod on an existing cluster", () => {
        const dev = applyStack("dev");
        assert.strictEqual(dev.nodes.length, 1);
        assert.strictEqual(dev.nodes[0].labels["topology.kubernetes.io/zone"], undefined);
        const staging = applyStack("staging");
        assert.deepStrictEqual([...new Set(staging.nodes.map((n) => n.labels["topology.kubernetes.io/zone"]))].length, 3);
        const prod = applyStack("prod");
        assert.match(prod.configText, /kind: onprem/);
        assert.doesNotMatch(prod.configText, /kubechat:eks:/);
        assert.ok(prod.nodes.every((n) => n.labels["eks.amazonaws.com/nodegroup"]), "prod's nodes are its EKS node groups");
        assert.deepStrictEqual(prod.storageClasses, ["gp3"]);
    });

    it("counts a pod's requests as the scheduler does (init containers, sidecars, overhead)", () => {
        assert.strictEqual(millicores("1.5"), 1500);
        assert.strictEqual(mebibytes("1Gi"), 1024);
        const r = podRequests({
            containers: [{ resources: { requests: { cpu: "100m", memory: "128Mi" } } }, { resources: { requests: { cpu: "50m" } } }],
            initContainers: [{ resources: { requests: { cpu: "500m", memory: "64Mi" } } }, { restartPolicy: "Always", resources: { requests: { cpu: "10m", memory: "16Mi" } } }],
            overhead: { cpu: "5m" },
        });
        assert.deepStrictEqual(r, { cpu: 515, memory: 144 });
    });
});

describe("upgrade check: stateful losses", () => {
    it("flags a replaced or deleted postgresql, PVC, Elasticsearch or Secret, and nothing else", () => {
        const step = (type: string, op: string) => ({ urn: `urn:pulumi:s::p::${type}::x`, type, op: op as never });
        const losses = statefulLosses([
            step("kubernetes:acid.zalan.do/v1:postgresql", "replace"),
            step("kubernetes:core/v1:Secret", "delete"),
            step("kubernetes:core/v1:Secret", "update"),
            step("kubernetes:apps/v1:Deployment", "replace"),
            step("kubernetes:core/v1:PersistentVolumeClaim", "create-replacement"),
        ]);
        assert.deepStrictEqual(losses.map((l) => `${l.op} ${l.type}`), [
            "replace kubernetes:acid.zalan.do/v1:postgresql", "delete kubernetes:core/v1:Secret", "create-replacement kubernetes:core/v1:PersistentVolumeClaim",
        ]);
    });
});
