/**
 * The simulated cluster of `npm run test:apply`: real Kubernetes parts on 127.0.0.1, with KWOK in
 * place of kubelets.
 *
 * - etcd and kube-apiserver (test/real/cluster.ts), kube-controller-manager and kube-scheduler of the
 *   same version: real. Controllers (Deployments, ReplicaSets, StatefulSets, Jobs, garbage collection,
 *   namespace deletion, PV binding, service accounts, EndpointSlices, ...) and the scheduler's
 *   decisions (requests, spread, affinity, taints) are the real ones.
 * - KWOK: nodes with the capacity, labels and taints of `nodes.ts`; a scheduled pod becomes Running and
 *   Ready, a Job's pod completes, a deleted pod goes. No container runs: what an image does is never
 *   shown here.
 * - Rancher's local-path-provisioner, out of cluster: PVCs of the stack's StorageClass bind to real
 *   PVs it creates (its helper pod, which would make the directory on the node, is completed by a KWOK
 *   stage; nothing is written on any disk).
 * - Admission webhooks are registered but never called (the webhook admission plugins are off): their
 *   servers are pods, and KWOK pods run nothing. Aggregated APIs (APIService objects) stay on, so an
 *   unavailable one makes discovery partial exactly as it does on a real cluster.
 *
 * The whole test runs in a network namespace of its own with only a loopback interface
 * (test/apply/run.sh): whatever dials a pod or Service address fails at once, and nothing reaches
 * any other network.
 */
import * as fs from "fs";
import * as path from "path";
import { Cluster, startCluster } from "../real/cluster";
import { SimNode, nodeObject } from "./nodes";
import { until } from "../real/tools/until";

export interface SimClusterOptions {
    nodes: SimNode[];
    /** StorageClasses to create, provisioned by local-path-provisioner (the first is the default). */
    storageClasses: string[];
    contexts: string[];
    lifetimeSeconds: number;
}

export interface SimCluster extends Cluster {
    nodes: SimNode[];
}

/** Label of the provisioner's helper pods, which the extra KWOK stage completes. */
const HELPER_LABEL = "kubechat.dev/local-path-helper";
const PROVISIONER_NS = "local-path-storage";
const PROVISIONER_SA = "local-path-provisioner";
/** Pod addresses KWOK hands out, and node addresses: a documentation range (RFC 5737), never routed. */
const POD_CIDR = "198.18.0.0/16";
const nodeIp = (i: number) => `192.0.2.${10 + i}`;

/** How many nodes report Ready (KWOK sets the condition once it manages a node). */
function readyNodes(c: Cluster): number {
    const r = c.kubectl(["get", "nodes", "-o", "jsonpath={range .items[*]}{.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}"], { allowFail: true });
    return r.stdout.split("\n").filter((s) => s === "True").length;
}

/**
 * Adds nodes to a running simulated cluster (what a node autoscaler does), numbered on from its nodes,
 * and waits until KWOK reports them Ready.
 */
export async function addNodes(c: SimCluster, nodes: SimNode[]): Promise<void> {
    if (!nodes.length) return;
    const first = c.nodes.length;
    c.kubectl(["create", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items: nodes.map((n, i) => nodeObject(n, nodeIp(first + i + 1))) }) });
    c.nodes.push(...nodes);
    await until(`${nodes.length} added KWOK node(s)`, 120000, () => readyNodes(c) === c.nodes.length, () => c.logTail("kwok"), 500);
}

/** KWOK's own default stages (copied beside the binary by the toolchain), plus one that completes the helper pods. */
export function kwokConfig(stagesDir: string): string {
    const own = fs.readdirSync(stagesDir).filter((f) => f.endsWith(".yaml")).sort().map((f) => fs.readFileSync(path.join(stagesDir, f), "utf8").trim());
    // The pod-complete stage as KWOK ships it, for the provisioner's helper pods (owned by no Job).
    const complete = fs.readFileSync(path.join(stagesDir, "pod-complete.yaml"), "utf8")
        .replace("name: pod-complete", "name: pod-complete-local-path-helper")
        .replace(/- key: '\.metadata\.ownerReferences\.\[\]\.kind'\n(\s+)operator: 'In'\n\s+values:\n\s+- 'Job'/, `- key: '.metadata.labels["${HELPER_LABEL}"]'\n$1operator: 'In'\n$1values:\n$1- 'true'`);
    if (!complete.includes(HELPER_LABEL)) throw new Error("kwokConfig: KWOK's pod-complete stage no longer has the ownerReferences selector this harness rewrites");
    return [...own, complete.trim()].join("\n---\n") + "\n";
}

function provisionerFiles(dir: string): { config: string; helper: string } {
    const config = path.join(dir, "local-path-config.json");
    fs.writeFileSync(config, JSON.stringify({ nodePathMap: [{ node: "DEFAULT_PATH_FOR_NON_LISTED_NODES", paths: [path.join(dir, "local-path")] }] }));
    const helper = path.join(dir, "local-path-helper.yaml");
    // The provisioner's own helper pod (deploy/local-path-storage.yaml), labelled for the KWOK stage.
    fs.writeFileSync(helper, [
        "apiVersion: v1", "kind: Pod", "metadata:", "  name: helper-pod", "  labels:", `    ${HELPER_LABEL}: "true"`, "spec:",
        "  priorityClassName: system-node-critical",
        "  tolerations:", "  - key: node.kubernetes.io/disk-pressure", "    operator: Exists", "    effect: NoSchedule",
        "  containers:", "  - name: helper-pod", "    image: busybox", "    imagePullPolicy: IfNotPresent", "",
    ].join("\n"));
    return { config, helper };
}

export async function startSimCluster(tools: Record<string, string>, o: SimClusterOptions): Promise<SimCluster> {
    const c = await startCluster(tools, {
        contexts: o.contexts,
        lifetimeSeconds: o.lifetimeSeconds,
        apiserverArgs: ["--disable-admission-plugins=MutatingAdmissionWebhook,ValidatingAdmissionWebhook"],
    });
    try {
        const kc = c.kubeconfig;
        c.spawn("kube-controller-manager", tools.KUBE_CONTROLLER_MANAGER, [
            "--kubeconfig", kc, "--authentication-kubeconfig", kc, "--authorization-kubeconfig", kc,
            "--bind-address", "127.0.0.1", "--secure-port", "0", "--leader-elect=false",
            "--service-account-private-key-file", c.saKeyFile, "--root-ca-file", c.caFile,
            "--cluster-name", "kubechat-sim", "--controllers", "*",
        ]);
        c.spawn("kube-scheduler", tools.KUBE_SCHEDULER, [
            "--kubeconfig", kc, "--authentication-kubeconfig", kc, "--authorization-kubeconfig", kc,
            "--bind-address", "127.0.0.1", "--secure-port", "0", "--leader-elect=false",
        ]);
        const kwokCfg = path.join(c.dir, "kwok.yaml");
        fs.writeFileSync(kwokCfg, kwokConfig(tools.KWOK_STAGES));
        c.spawn("kwok", tools.KWOK, [
            "--kubeconfig", kc, "--config", kwokCfg,
            "--manage-all-nodes=false", "--manage-nodes-with-annotation-selector", "kwok.x-k8s.io/node=fake",
            "--cidr", POD_CIDR, "--node-ip", nodeIp(0), "--node-lease-duration-seconds", "40",
        ]);

        // The provisioner's namespace and ServiceAccount (its helper pods run as it), the StorageClasses.
        const sc = o.storageClasses.map((name, i) => ({
            apiVersion: "storage.k8s.io/v1", kind: "StorageClass",
            metadata: { name, annotations: i === 0 ? { "storageclass.kubernetes.io/is-default-class": "true" } : {} },
            provisioner: "rancher.io/local-path", volumeBindingMode: "WaitForFirstConsumer", reclaimPolicy: "Delete",
        }));
        const objects = [
            { apiVersion: "v1", kind: "Namespace", metadata: { name: PROVISIONER_NS } },
            { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: PROVISIONER_SA, namespace: PROVISIONER_NS } },
            ...sc,
            ...o.nodes.map((n, i) => nodeObject(n, nodeIp(i + 1))),
        ];
        c.kubectl(["create", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }) });
        const files = provisionerFiles(c.dir);
        c.spawn("local-path-provisioner", tools.LOCAL_PATH_PROVISIONER, [
            "start", "--kubeconfig", kc, "--namespace", PROVISIONER_NS, "--service-account-name", PROVISIONER_SA,
            "--config", files.config, "--helper-pod-file", files.helper, "--helper-image", "busybox",
            "--provisioner-name", "rancher.io/local-path", "--configmap-name", "local-path-config",
        ]);

        await until("KWOK nodes", 120000, () => readyNodes(c) === o.nodes.length, () => c.logTail("kwok"), 500);
        // The service-account controller has made the default ServiceAccount (pods need it to be admitted).
        await until("kube-controller-manager", 120000, () => c.kubectl(["get", "serviceaccount", "default", "-n", "default"], { allowFail: true }).code === 0, () => c.logTail("kube-controller-manager"), 500);
        return { ...c, nodes: [...o.nodes] };
    } catch (e) {
        await c.stop();
        throw e;
    }
}
