/**
 * Mocha root hooks of `npm run test:real`: one etcd + kube-apiserver for the whole run (started before
 * the first test, stopped by PID after the last), and the temp plans removed.
 */
import { toolchainEnv } from "./tools/tools";
import { Cluster, startCluster } from "./cluster";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT, cleanupPlans } from "./plans";

let cluster: Cluster | undefined;
let tools: Record<string, string> | undefined;

/** The running cluster (started by the root hook). */
export function realCluster(): Cluster {
    if (!cluster) throw new Error("the real cluster is not running");
    return cluster;
}

/** Paths of the built tools (test/real/tools/toolchain.sh --env). */
export function realTools(): Record<string, string> {
    tools ??= toolchainEnv(["ETCD", "KUBE_APISERVER", "KUBECTL"]);
    return tools;
}

/** The on-prem stacks the preview runs. */
export const ONPREM_STACKS = ["dev", "staging"];

/** kubeconfig contexts those stacks name (`kubechat:cluster.context`), all pointing at the one API server. */
function contexts(): string[] {
    return ONPREM_STACKS.map((s) => YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${s}.yaml`), "utf8")).config?.["kubechat:cluster"]?.context).filter((c): c is string => !!c);
}

export const mochaHooks = {
    async beforeAll(this: Mocha.Context) {
        this.timeout(5 * 60 * 1000);
        const started = Date.now();
        cluster = await startCluster(realTools(), { contexts: contexts(), lifetimeSeconds: 75 * 60 });
        console.log(`  etcd + kube-apiserver ${realTools().KUBE_VERSION} up at ${cluster.server} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    },
    async afterAll(this: Mocha.Context) {
        this.timeout(60 * 1000);
        cleanupPlans();
        if (cluster) await cluster.stop();
        cluster = undefined;
    },
};
