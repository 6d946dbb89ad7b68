/**
 * A stack ready to be applied to a fresh simulated cluster: the cluster with the stack's nodes and
 * StorageClasses, the stand-ins (observe.ts) running, a temp state folder holding the stack's config,
 * the offline plan of that same config (`<state>/plan`: the floor applies it, the teardown deletes its
 * CRDs) and the pulumi-stack.ts options every operation on it passes. Shared by the apply checks and by
 * `npm run test:operators`, which reconciles what a real `pulumi up` created.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CHARTS } from "../real/plans";
import { toolchainEnv } from "../real/tools/tools";
import { SimCluster, startSimCluster } from "./sim-cluster";
import { ApplyStack, ROOT, applyStack } from "./stacks";
import { SIM_TOOLS, objectStoreSecretArgs } from "./report";
import { ClusterSnapshot, StandIns, clusterSnapshot } from "./observe";

export interface StackOnCluster {
    s: ApplyStack;
    cluster: SimCluster;
    standIns: StandIns;
    /** The cluster before the stack touched it (what destroy must return to). */
    baseline: ClusterSnapshot;
    state: string;
    planDir: string;
    /** pulumi-stack.ts options: state, kubeconfig, charts, config file and the stack's secrets. */
    args: string[];
    /** Stops the stand-ins and the cluster, removes the state folder. */
    stop(): Promise<void>;
    /**
     * The whole cluster lost and another built in its place (docs/restore.md, case 3): the stand-ins and
     * every process of the old cluster stop, its etcd goes with its folder; a new simulated cluster with
     * the same nodes and StorageClasses starts (`cluster` and `standIns` become the new ones), and its
     * kubeconfig is written where the old one was: the file the stack's `kubechat:kubeconfig` names
     * (`args`' --kubeconfig), as a customer puts a rebuilt cluster's kubeconfig in place of the old one,
     * under the same context. The state folder stays: besides the object store, what Pulumi knows of the
     * lost cluster is all that survives of it.
     */
    replaceCluster(): Promise<void>;
}

async function simClusterFor(s: ApplyStack, lifetimeSeconds: number): Promise<{ cluster: SimCluster; standIns: StandIns }> {
    const t0 = Date.now();
    const cluster = await startSimCluster(toolchainEnv(SIM_TOOLS), { nodes: s.nodes, storageClasses: s.storageClasses, contexts: [s.context], lifetimeSeconds });
    console.log(`      simulated cluster (${s.nodes.length} KWOK node(s)) up in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    const standIns = new StandIns(cluster);
    standIns.start();
    return { cluster, standIns };
}

export async function stackOnSimCluster(stack: string, lifetimeSeconds: number): Promise<StackOnCluster> {
    const s = applyStack(stack);
    const { cluster, standIns } = await simClusterFor(s, lifetimeSeconds);
    const baseline = clusterSnapshot(cluster);
    const state = fs.mkdtempSync(path.join(os.tmpdir(), `kubechat-apply-${stack}-`));
    /** The old cluster's folder, kept for its kubeconfig's path once the cluster was replaced. */
    const leftFolders: string[] = [];
    const on: StackOnCluster = {
        s, cluster, standIns, baseline, state, planDir: path.join(state, "plan"), args: [],
        stop: async () => {
            on.standIns.stop();
            await on.cluster.stop();
            for (const f of [state, ...leftFolders]) fs.rmSync(f, { recursive: true, force: true });
        },
        replaceCluster: async () => {
            const kubeconfig = on.cluster.kubeconfig;
            on.standIns.stop();
            await on.cluster.stop();
            Object.assign(on, await simClusterFor(s, lifetimeSeconds));
            fs.mkdirSync(path.dirname(kubeconfig), { recursive: true });
            fs.copyFileSync(on.cluster.kubeconfig, kubeconfig);
            leftFolders.push(path.dirname(kubeconfig));
        },
    };
    try {
        const configFile = path.join(state, `Pulumi.${stack}.yaml`);
        fs.writeFileSync(configFile, s.configText);
        execFileSync(process.execPath, [path.join(ROOT, "scripts", "run.js"), path.join(ROOT, "cmd", "plan.ts"), stack, "--config-file", configFile, "--charts", CHARTS, "--out", on.planDir], { cwd: ROOT, stdio: "ignore" });
        on.args = ["--state", state, "--kubeconfig", cluster.kubeconfig, "--charts", CHARTS, "--config-file", configFile, ...objectStoreSecretArgs(s.configText)];
        return on;
    } catch (e) {
        await on.stop();
        throw e;
    }
}
