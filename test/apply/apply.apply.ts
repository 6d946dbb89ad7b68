/**
 * `npm run test:apply`: each stack applied for real — the Pulumi CLI and engine, the Kubernetes
 * provider, Helm inside it and the policy pack under the real analyzer — to a simulated cluster of
 * real Kubernetes parts (sim-cluster.ts): `pulumi up`, a second `up` and a `refresh` that change
 * nothing, then `destroy`, after which nothing of the platform is left. Writes
 * out/real/apply-report.json (one entry per stack). KUBECHAT_APPLY_STACKS=dev,staging limits the stacks.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { stackOp } from "../real/preview";
import { CHARTS } from "../real/plans";
import { SimCluster } from "./sim-cluster";
import { ApplyStack } from "./stacks";
import { apart } from "./apart";
import { plainApply } from "./floor";
import { failure, recordStack } from "./report";
import { StackOnCluster, stackOnSimCluster } from "./platform";
import { ClusterSnapshot, StandIns, clusterSnapshot, leftovers, nodeUsage, pendingPods } from "./observe";
import type { StackRunResult } from "../real/tools/pulumi-stack";

const STACKS = (process.env.KUBECHAT_APPLY_STACKS ?? "dev,staging,prod").split(",").filter(Boolean);
/** A destroy (with the persistent stacks' documented teardown) must end within this (docs/real-tiers.md). */
const DESTROY_BOUND_SECONDS = 600;

interface StackReport {
    stack: string;
    nodes: ReturnType<typeof nodeUsage>;
    upSeconds?: number;
    resources?: number;
    pendingPods?: number;
    pending?: { pod: string; reason: string }[];
    secondUpChanges?: number;
    refreshChanges?: number;
    destroySeconds?: number;
    protectedRefused?: string[];
    /** What `pulumi destroy` left, and what is left after the documented teardown (the CRDs Helm keeps deleted). */
    leftoversAfterDestroy?: string[];
    leftovers?: string[];
    unreachableWebhooks?: string[];
    unavailableApiServices?: string[];
    /** What the stand-ins wrote (load-balancer addresses, simulated Elasticsearch readiness). */
    simulated?: string[];
    /** The plain way on the same cluster: helm install --wait + kubectl apply --server-side. */
    floorSeconds?: number;
    upToFloor?: number;
    floorFailures?: string[];
    notes: string[];
}

function changesOf(r: StackRunResult): number {
    return r.changes.length;
}

for (const stack of STACKS) {
    describe(`test:apply ${stack}: pulumi up, no-op up, refresh, destroy on the simulated cluster`, function () {
        this.timeout(45 * 60 * 1000);
        let p: StackOnCluster | undefined;
        let s: ApplyStack;
        let cluster: SimCluster;
        let standIns: StandIns;
        let state: string;
        let args: string[];
        let baseline: ClusterSnapshot;
        const rep: StackReport = { stack, nodes: [], notes: [] };

        before(async function () {
            p = await stackOnSimCluster(stack, 60 * 60);
            ({ s, cluster, standIns, baseline, state, args } = p);
        });

        after(async function () {
            if (p) {
                rep.simulated = [...standIns.log];
                rep.nodes = rep.nodes.length > 0 ? rep.nodes : nodeUsage(cluster);
                await p.stop();
            }
            recordStack(stack, rep);
        });

        it("pulumi up creates every resource and every await finishes", async function () {
            const r = await apart(() => stackOp(stack, "up", args, cluster.env));
            rep.upSeconds = r.seconds;
            rep.resources = r.urns.length;
            const snap = clusterSnapshot(cluster);
            rep.unreachableWebhooks = snap.webhooks.filter((w) => !baseline.webhooks.includes(w));
            rep.unavailableApiServices = snap.unavailableApiServices;
            console.log(`      up: ${r.ok ? "ok" : "FAILED"} in ${r.seconds.toFixed(0)}s, ${r.urns.length} resources, ${JSON.stringify(r.summary)}`);
            assert.ok(r.ok, failure(r));
            assert.deepStrictEqual(r.policy.filter((p) => p.level === "mandatory"), [], "mandatory policy violations");
        });

        it("no pod is left Pending or failing; per node, requests fit the allocatable", function () {
            rep.nodes = nodeUsage(cluster);
            const pending = pendingPods(cluster);
            rep.pendingPods = pending.length;
            rep.pending = pending;
            for (const n of rep.nodes) console.log(`      ${n.node}: cpu ${n.cpuRequested}/${n.cpuAllocatable}m, memory ${n.memoryRequestedMi}/${n.memoryAllocatableMi}Mi, ${n.pods} pods`);
            assert.deepStrictEqual(pending, [], "pods not running");
        });

        it("a pod that fits no node is named with the scheduler's reason", async function () {
            // A Deployment asking for more CPU than any node has, beside the stack's own objects.
            const name = "oversized-probe";
            const cpu = `${Math.max(...s.nodes.map((n) => Number(n.allocatable.cpu.replace(/m$/, "")))) + 1000}m`;
            cluster.kubectl(["create", "-f", "-"], {
                input: JSON.stringify({
                    apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: "default" },
                    spec: {
                        replicas: 1, selector: { matchLabels: { app: name } },
                        template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: "registry.invalid/probe:1", resources: { requests: { cpu } } }] } },
                    },
                }),
            });
            try {
                let found: { pod: string; reason: string } | undefined;
                const deadline = Date.now() + 60000;
                while (!found && Date.now() < deadline) {
                    await new Promise((r) => setTimeout(r, 1000));
                    found = pendingPods(cluster).find((p) => p.pod.startsWith(`default/${name}-`) && /Unschedulable/.test(p.reason));
                }
                console.log(`      oversized request (${cpu}): ${found ? `${found.pod}: ${found.reason}` : "not reported"}`);
                assert.ok(found, "the oversized pod was not reported as unschedulable");
                assert.match(found.reason, /Insufficient cpu/);
            } finally {
                cluster.kubectl(["delete", "deployment", name, "-n", "default", "--wait=true"], { allowFail: true });
            }
        });

        it("a second pulumi up changes nothing (--expect-no-changes)", async function () {
            const r = await stackOp(stack, "up", [...args, "--expect-no-changes"], cluster.env);
            rep.secondUpChanges = changesOf(r);
            console.log(`      second up: ${rep.secondUpChanges} change(s) in ${r.seconds.toFixed(0)}s`);
            assert.deepStrictEqual(r.changes.map((c) => `${c.op} ${c.urn} ${(c.diffs ?? []).join(",")}`), []);
            assert.ok(r.ok, failure(r));
        });

        it("pulumi refresh finds no drift (--expect-no-changes)", async function () {
            const r = await stackOp(stack, "refresh", [...args, "--expect-no-changes"], cluster.env);
            rep.refreshChanges = changesOf(r);
            console.log(`      refresh: ${rep.refreshChanges} change(s) in ${r.seconds.toFixed(0)}s`);
            assert.deepStrictEqual(r.changes.map((c) => `${c.op} ${c.urn} ${(c.diffs ?? []).join(",")}`), []);
            assert.ok(r.ok, failure(r));
        });

        it("pulumi destroy leaves nothing of the platform (persistent stacks: protected resources refuse first)", async function () {
            const t0 = Date.now();
            if (s.persistent) {
                const refused = await stackOp(stack, "destroy", args, cluster.env);
                rep.protectedRefused = refused.errors.filter((e) => /protect/i.test(e.message)).map((e) => e.urn);
                assert.strictEqual(refused.ok, false, "destroy of a persistent stack went through its protected resources");
                assert.ok(rep.protectedRefused.length > 0, `destroy failed, but not on a protected resource: ${failure(refused)}`);
                const un = await stackOp(stack, "unprotect", args, cluster.env);
                assert.ok(un.ok, failure(un));
            }
            const r = await stackOp(stack, "destroy", args, cluster.env);
            assert.ok(r.ok, failure(r));
            rep.leftoversAfterDestroy = leftovers(baseline, await settled(cluster));
            // docs/restore.md, tearing down: Helm keeps the CRDs of its charts' crds/ folders; delete the
            // ones the stack's charts install, as listed by its offline plan.
            const crds = renderedCrdFiles(path.join(state, "plan"));
            if (crds.length > 0) cluster.kubectl(["delete", "--ignore-not-found", "--wait=true", ...crds.flatMap((f) => ["-f", f])]);
            rep.leftovers = leftovers(baseline, await settled(cluster));
            rep.destroySeconds = (Date.now() - t0) / 1000;
            console.log(`      destroy in ${rep.destroySeconds.toFixed(0)}s; left by destroy: ${rep.leftoversAfterDestroy.length} (${rep.leftoversAfterDestroy.filter((x) => !x.startsWith("customresourcedefinitions/") && !x.startsWith("apiservices/")).join(", ") || "CRDs and their APIServices only"}); after the documented teardown: ${JSON.stringify(rep.leftovers)}`);
            assert.deepStrictEqual(rep.leftovers, []);
            assert.ok(rep.destroySeconds <= DESTROY_BOUND_SECONDS, `destroy took ${rep.destroySeconds}s, over ${DESTROY_BOUND_SECONDS}s`);
        });

        it("speed: pulumi up against the plain way (helm install --wait + kubectl apply --server-side) on the same cluster", async function () {
            const f = await apart(() => plainApply(cluster, path.join(state, "plan"), CHARTS));
            rep.floorSeconds = f.floorSeconds;
            rep.floorFailures = [...f.releases.filter((r) => !r.ok).map((r) => `helm ${r.name}: ${r.output}`), ...f.failed];
            rep.upToFloor = rep.upSeconds !== undefined ? rep.upSeconds / f.floorSeconds : undefined;
            console.log(`      plain way: ${f.floorSeconds.toFixed(0)}s (helm ${f.helmSeconds.toFixed(0)}s for ${f.releases.length} releases, kubectl ${f.kubectlSeconds.toFixed(0)}s for ${f.objects} objects); up/floor ${rep.upToFloor?.toFixed(2)}`);
            assert.deepStrictEqual(rep.floorFailures, [], "the plain way failed: the floor is not comparable");
        });
    });
}

/** The CRD files of a plan's rendered charts (`rendered/<release>/CustomResourceDefinition-*.yaml`). */
function renderedCrdFiles(planDir: string): string[] {
    const dir = path.join(planDir, "rendered");
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir).flatMap((r) => fs.readdirSync(path.join(dir, r)).filter((f) => f.startsWith("CustomResourceDefinition-")).map((f) => path.join(dir, r, f)));
}

/** The cluster after namespaces have finished terminating (the namespace controller empties them first). */
async function settled(c: SimCluster): Promise<ClusterSnapshot> {
    const deadline = Date.now() + 5 * 60 * 1000;
    let snap = clusterSnapshot(c);
    while (snap.terminating.length > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 2000));
        snap = clusterSnapshot(c);
    }
    return snap;
}
