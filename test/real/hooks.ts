/**
 * Mocha root hooks of `npm run test:real`: one etcd + kube-apiserver for the whole run (started before
 * the first test, stopped by PID after the last), and the temp plans removed.
 */
import { toolchainEnv } from "../../scripts/real/tools";
import { Cluster, startCluster } from "./cluster";
import { cleanupPlans } from "./plans";

let cluster: Cluster | undefined;
let tools: Record<string, string> | undefined;

/** The running cluster (started by the root hook). */
export function realCluster(): Cluster {
    if (!cluster) throw new Error("the real cluster is not running");
    return cluster;
}

/** Paths of the built tools (scripts/real/toolchain.sh --env). */
export function realTools(): Record<string, string> {
    tools ??= toolchainEnv(["ETCD", "KUBE_APISERVER", "KUBECTL"]);
    return tools;
}

/** kubeconfig contexts of the on-prem stacks, all pointing at the one API server. */
export const CONTEXTS = ["rancher-desktop", "staging"];

export const mochaHooks = {
    async beforeAll(this: Mocha.Context) {
        this.timeout(5 * 60 * 1000);
        const started = Date.now();
        cluster = await startCluster(realTools(), { contexts: CONTEXTS, lifetimeSeconds: 75 * 60 });
        console.log(`  etcd + kube-apiserver ${realTools().KUBE_VERSION} up at ${cluster.server} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    },
    async afterAll(this: Mocha.Context) {
        this.timeout(60 * 1000);
        cleanupPlans();
        if (cluster) await cluster.stop();
        cluster = undefined;
    },
};
