/**
 * What the rollouts check reads from the simulated cluster: one snapshot of the app namespace per
 * poll (Rollouts, AnalysisRuns, Services, VirtualServices, DestinationRules, pods), the view of a
 * service the traffic model needs, and `kubectl get -w` streams for the states that may last less
 * than a poll (a canary weight of 100 %, a Service's selector switch), each event timestamped.
 */
import { ChildProcess, spawn } from "child_process";
import { SimCluster } from "../../apply/sim-cluster";
import { HASH_LABEL, PodView, ServiceView } from "./mesh-traffic";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Obj = any;

export interface Snapshot {
    at: number;
    rollouts: Obj[];
    analysisRuns: Obj[];
    services: Obj[];
    virtualServices: Obj[];
    destinationRules: Obj[];
    pods: Obj[];
    replicaSets: Obj[];
}

export function snapshot(c: SimCluster, ns: string, mesh: boolean): Snapshot {
    const kinds = ["rollouts.argoproj.io", "analysisruns.argoproj.io", "services", "pods", "replicasets", ...(mesh ? ["virtualservices.networking.istio.io", "destinationrules.networking.istio.io"] : [])];
    const items = (JSON.parse(c.kubectl(["get", kinds.join(","), "-n", ns, "-o", "json"]).stdout).items ?? []) as Obj[];
    const of = (kind: string) => items.filter((i) => i.kind === kind);
    return {
        at: Date.now(), rollouts: of("Rollout"), analysisRuns: of("AnalysisRun"), services: of("Service"), virtualServices: of("VirtualService"),
        destinationRules: of("DestinationRule"), pods: of("Pod"), replicaSets: of("ReplicaSet"),
    };
}

export const byName = (items: Obj[], name: string): Obj | undefined => items.find((i) => i.metadata?.name === name);

/** The `primary` route's weights of a VirtualService: subset -> weight (a route without weight counts 0). */
export function primaryWeights(vs: Obj | undefined): Record<string, number> | undefined {
    const route = (vs?.spec?.http ?? []).find((h: Obj) => h.name === "primary")?.route;
    if (!route) return undefined;
    return Object.fromEntries(route.map((r: Obj) => [r.destination?.subset ?? "", Number(r.weight ?? 0)]));
}

export function serviceView(s: Snapshot, service: string, namespace: string): ServiceView {
    const svc = byName(s.services, service);
    const dr = byName(s.destinationRules, service);
    const pods: PodView[] = s.pods
        .filter((p) => p.metadata?.labels?.[HASH_LABEL] !== undefined && p.metadata.deletionTimestamp === undefined)
        .map((p) => ({
            name: p.metadata.name,
            labels: p.metadata.labels ?? {},
            ready: (p.status?.conditions ?? []).some((c: Obj) => c.type === "Ready" && c.status === "True"),
        }));
    return {
        service, namespace,
        selector: svc?.spec?.selector ?? { never: "matches" },
        weights: primaryWeights(byName(s.virtualServices, service)),
        subsets: dr ? Object.fromEntries((dr.spec?.subsets ?? []).map((x: Obj) => [x.name, x.labels ?? {}])) : undefined,
        currentPodHash: byName(s.rollouts, service)?.status?.currentPodHash,
        pods,
    };
}

/** `kubectl get <kind> -n ns -w -o json`: every version of every object, with the time it arrived. */
export class Watch {
    readonly events: { at: number; obj: Obj }[] = [];
    private p: ChildProcess;
    private buf = "";

    constructor(kubectl: string, env: NodeJS.ProcessEnv, kind: string, ns: string, lifetimeSeconds: number) {
        this.p = spawn("timeout", [String(lifetimeSeconds), kubectl, "get", kind, "-n", ns, "-w", "-o", "json"], { env, stdio: ["ignore", "pipe", "ignore"] });
        this.p.stdout?.setEncoding("utf8");
        this.p.stdout?.on("data", (d: string) => this.feed(d));
    }

    /** Splits the stream into its top-level JSON documents (pretty-printed objects one after another). */
    private feed(d: string): void {
        this.buf += d;
        let depth = 0;
        let inString = false;
        let escaped = false;
        let start = -1;
        let consumed = 0;
        for (let i = 0; i < this.buf.length; i++) {
            const ch = this.buf[i];
            if (inString) {
                if (escaped) escaped = false;
                else if (ch === "\\") escaped = true;
                else if (ch === "\"") inString = false;
                continue;
            }
            if (ch === "\"") inString = true;
            else if (ch === "{") {
                if (depth === 0) start = i;
                depth++;
            } else if (ch === "}") {
                depth--;
                if (depth === 0 && start >= 0) {
                    this.events.push({ at: Date.now(), obj: JSON.parse(this.buf.slice(start, i + 1)) });
                    consumed = i + 1;
                }
            }
        }
        this.buf = this.buf.slice(consumed);
    }

    of(name: string): { at: number; obj: Obj }[] {
        return this.events.filter((e) => e.obj.metadata?.name === name);
    }

    stop(): void {
        if (this.p.exitCode === null && this.p.pid !== undefined) process.kill(this.p.pid, "SIGTERM");
    }
}

/** Consecutive distinct values of `f` over the events (what a reader of the object would have seen, in order). */
export function distinctInOrder<T>(events: { at: number; obj: Obj }[], f: (o: Obj) => T | undefined): { at: number; value: T }[] {
    const out: { at: number; value: T }[] = [];
    for (const e of events) {
        const v = f(e.obj);
        if (v === undefined) continue;
        if (out.length === 0 || JSON.stringify(out[out.length - 1].value) !== JSON.stringify(v)) out.push({ at: e.at, value: v });
    }
    return out;
}

