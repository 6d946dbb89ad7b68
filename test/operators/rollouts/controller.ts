/**
 * Argo Rollouts' controller (built by the toolchain at the image tag the stacks deploy), run out of
 * cluster as the chart's Deployment would run it: the container's own arguments as the chart rendered
 * them (the health and metrics ports moved to free ones: two clusters' controllers may run at once),
 * `POD_NAMESPACE` its namespace, and the identity of the chart's ServiceAccount (a token from the
 * TokenRequest API), so the chart's RBAC — the program narrows it to the Istio provider — is what the
 * controller can do. Bounded by timeout(1), stopped by PID.
 */
import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { SimCluster } from "../../apply/sim-cluster";
import { freePort, startProcess, stopProcess } from "../../real/cluster";

export interface RolloutsController {
    namespace: string;
    serviceAccount: string;
    args: string[];
    logTail(lines?: number): string;
    stop(): Promise<void>;
}

interface DeploymentLike {
    metadata: { namespace: string };
    spec: { template: { spec: { serviceAccountName: string; containers: { name: string; args?: string[] }[] } } };
}

/** The chart's controller Deployment (label `app.kubernetes.io/component: rollouts-controller`). */
function chartDeployment(c: SimCluster): DeploymentLike {
    const r = JSON.parse(c.kubectl(["get", "deployments", "-A", "-l", "app.kubernetes.io/component=rollouts-controller", "-o", "json"]).stdout) as { items: DeploymentLike[] };
    if (r.items.length !== 1) throw new Error(`expected one Argo Rollouts controller Deployment, found ${r.items.length}`);
    return r.items[0];
}

/** The container's arguments with `--healthzPort` and `--metricsPort` moved to the given ports. */
export function outOfClusterArgs(args: string[], ports: { healthz: number; metrics: number }): string[] {
    const set = (a: string) => a.replace(/^--healthzPort=.*/, `--healthzPort=${ports.healthz}`).replace(/^--metricsPort=.*/, `--metricsPort=${ports.metrics}`);
    const out = args.map(set);
    if (!out.some((a) => a.startsWith("--healthzPort="))) out.push(`--healthzPort=${ports.healthz}`);
    if (!out.some((a) => a.startsWith("--metricsPort="))) out.push(`--metricsPort=${ports.metrics}`);
    return out;
}

export async function startRolloutsController(c: SimCluster, bin: string, dir: string, env: NodeJS.ProcessEnv, lifetimeSeconds: number): Promise<RolloutsController> {
    fs.mkdirSync(dir, { recursive: true });
    const d = chartDeployment(c);
    const ns = d.metadata.namespace;
    const sa = d.spec.template.spec.serviceAccountName;
    const container = d.spec.template.spec.containers[0];
    const token = c.kubectl(["create", "token", sa, "-n", ns, "--duration", `${lifetimeSeconds + 600}s`]).stdout.trim();
    const kubeconfig = path.join(dir, "kubeconfig");
    fs.writeFileSync(kubeconfig, [
        "apiVersion: v1", "kind: Config",
        "clusters:", "- name: sim", "  cluster:", `    server: ${c.server}`, `    certificate-authority: ${c.caFile}`,
        "users:", `- name: ${sa}`, "  user:", `    token: ${token}`,
        "contexts:", "- name: sim", "  context:", "    cluster: sim", `    user: ${sa}`, `    namespace: ${ns}`,
        "current-context: sim", "",
    ].join("\n"), { mode: 0o600 });
    const args = [...outOfClusterArgs(container.args ?? [], { healthz: await freePort(), metrics: await freePort() }), "--kubeconfig", kubeconfig];
    const p: ChildProcess = startProcess("rollouts-controller", lifetimeSeconds, bin, args, dir, { ...env, POD_NAMESPACE: ns });
    const logTail = (lines = 40) => {
        const f = path.join(dir, "rollouts-controller.log");
        return fs.existsSync(f) ? fs.readFileSync(f, "utf8").split("\n").slice(-lines).join("\n") : "";
    };
    return { namespace: ns, serviceAccount: sa, args, logTail, stop: () => stopProcess(p) };
}
