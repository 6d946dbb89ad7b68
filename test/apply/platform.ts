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
}

export async function stackOnSimCluster(stack: string, lifetimeSeconds: number): Promise<StackOnCluster> {
    const s = applyStack(stack);
    const t0 = Date.now();
    const cluster = await startSimCluster(toolchainEnv(SIM_TOOLS), { nodes: s.nodes, storageClasses: s.storageClasses, contexts: [s.context], lifetimeSeconds });
    console.log(`      simulated cluster (${s.nodes.length} KWOK node(s)) up in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    const standIns = new StandIns(cluster);
    standIns.start();
    const baseline = clusterSnapshot(cluster);
    const state = fs.mkdtempSync(path.join(os.tmpdir(), `kubechat-apply-${stack}-`));
    const stop = async () => {
        standIns.stop();
        await cluster.stop();
        fs.rmSync(state, { recursive: true, force: true });
    };
    try {
        const configFile = path.join(state, `Pulumi.${stack}.yaml`);
        fs.writeFileSync(configFile, s.configText);
        const planDir = path.join(state, "plan");
        execFileSync(process.execPath, [path.join(ROOT, "scripts", "run.js"), path.join(ROOT, "cmd", "plan.ts"), stack, "--config-file", configFile, "--charts", CHARTS, "--out", planDir], { cwd: ROOT, stdio: "ignore" });
        const args = ["--state", state, "--kubeconfig", cluster.kubeconfig, "--charts", CHARTS, "--config-file", configFile, ...objectStoreSecretArgs(s.configText)];
        return { s, cluster, standIns, baseline, state, planDir, args, stop };
    } catch (e) {
        await stop();
        throw e;
    }
}
