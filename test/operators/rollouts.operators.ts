/**
 * Argo Rollouts, run for real against what `pulumi up` created (docs/real-tiers.md, "Argo Rollouts").
 *
 * Canary: staging's stack file with `kubechat:delivery.pauseMinutes: 3` (30 by default; 3 is the
 * shortest the loader accepts: three measurements per weight) and two more services beside
 * api-gateway, so the three outcomes walk at once: api-gateway healthy, `canary-errors` answering 2 %
 * 5xx, `canary-quiet` called by nobody. A second `pulumi up` changes the three images; the real
 * controller walks the steps, writing the weights into each VirtualService and, at each weight below
 * 100, running the `analysis` step's AnalysisRun from our AnalysisTemplate, whose PromQL a real
 * Prometheus evaluates over the traffic the weights send (rollouts/mesh-traffic.ts).
 *
 * Blue/green: dev's stack file with `kubechat:delivery.strategy: blueGreen`: a new image goes to the
 * preview Service, is promoted (the patch `kubectl argo rollouts promote` sends), then rolled back by
 * a `pulumi up` with the previous image, timed until the active Service selects the old pods again.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as os from "os";
import * as path from "path";
import * as fs from "fs";
import * as YAML from "yaml";
import { CONFIG_NAMESPACE, parseConfig } from "../../components/config";
import { PROMETHEUS_URL, minimumWeightMinutes } from "../../components/app/routing";
import { errorRateTemplateName } from "../../components/app/workload";
import { POD_TEMPLATE_HASH_LABEL } from "../../components/labels";
import { StackOnCluster } from "../apply/platform";
import { failure } from "../apply/report";
import { rawConfig } from "../apply/stacks";
import { stackOp } from "../real/preview";
import { toolchainEnv } from "../real/tools/tools";
import { PlatformVariant, platform, recordOperator, releasePlatform } from "./platform";
import { RolloutsController, startRolloutsController } from "./rollouts/controller";
import { TrafficProfile } from "./rollouts/mesh-traffic";
import { MetricSource } from "./rollouts/metric-source";
import { Obj, Snapshot, Watch, byName, distinctInOrder, primaryWeights, serviceView, snapshot } from "./rollouts/observe";
import { until } from "../real/tools/until";

const LIFETIME = 40 * 60;
/** The shortest time at a weight the loader accepts (the default is 30 minutes). */
const PAUSE_MINUTES = minimumWeightMinutes();
const IMAGE = "ghcr.io/kubechat/api-gateway";
/** The two services the canary variant adds (minimal, unexposed, same image repository). */
const EXTRA = { "canary-errors": "1.0.0", "canary-quiet": "1.0.0" };

const canaryVariant: PlatformVariant = {
    name: "rollouts-canary",
    edit(text) {
        const doc = YAML.parse(text) as { config: Record<string, Obj> };
        const k = (s: string) => `${CONFIG_NAMESPACE}:${s}`;
        doc.config[k("delivery")] = { ...doc.config[k("delivery")], pauseMinutes: PAUSE_MINUTES };
        doc.config[k("services")] = {
            ...doc.config[k("services")],
            ...Object.fromEntries(Object.entries(EXTRA).map(([name, tag]) => [name, { image: IMAGE, tag, minReplicas: 2, maxReplicas: 3, pdbMinAvailable: 1 }])),
        };
        return `# staging with shorter canary pauses and two more services (test/operators/rollouts.operators.ts)\n${YAML.stringify(doc)}`;
    },
};

const blueGreenVariant: PlatformVariant = {
    name: "rollouts-bluegreen",
    edit(text) {
        const doc = YAML.parse(text) as { config: Record<string, Obj> };
        const k = `${CONFIG_NAMESPACE}:delivery`;
        doc.config[k] = { ...doc.config[k], strategy: "blueGreen" };
        return `# dev with blue/green delivery (test/operators/rollouts.operators.ts)\n${YAML.stringify(doc)}`;
    },
};

const settings = (on: StackOnCluster) => parseConfig(rawConfig(on.s.configText), CONFIG_NAMESPACE, on.s.stack);
const tools = () => toolchainEnv(["ROLLOUTS_CONTROLLER", "KUBECTL"]);
const tmpDir = (what: string) => fs.mkdtempSync(path.join(os.tmpdir(), `kubechat-rollouts-${what}-`));
const secondsSince = (t: number) => Math.round((Date.now() - t) / 100) / 10;

/** `pulumi up` of the platform with `--set` values (image tags), failing with the engine's errors. */
async function up(on: StackOnCluster, set: string[]): Promise<number> {
    const r = await stackOp(on.s.stack, "up", [...on.args, ...set.flatMap((s) => ["--set", s])], on.cluster.env);
    if (!r.ok) {
        const policy = r.policy.filter((v) => v.level === "mandatory").map((v) => `  ${v.policy} ${v.urn}: ${v.message}`).join("\n");
        throw new Error(`${failure(r)}\n${policy}\n${r.stdout.split("\n").slice(-40).join("\n")}`);
    }
    return r.seconds;
}

/**
 * What `kubectl argo rollouts promote` (v1.9.0, pkg/kubectl-argo-rollouts/cmd/promote getPatches) sends
 * to a Rollout paused by the controller: the pause conditions cleared through the status subresource,
 * and `spec.paused` unset when a person had set it. (Its other cases — a step analysis, a canary
 * between steps with no pause condition — do not occur here.)
 */
function promote(on: StackOnCluster, ro: Obj): void {
    const target = ["rollouts.argoproj.io", ro.metadata.name, "-n", ro.metadata.namespace, "--type=merge"];
    if ((ro.status?.pauseConditions ?? []).length === 0) throw new Error(`promote: ${ro.metadata.name} has no pause condition`);
    on.cluster.kubectl(["patch", ...target, "--subresource=status", "-p", JSON.stringify({ status: { pauseConditions: null } })]);
    if (ro.spec?.paused) on.cluster.kubectl(["patch", ...target, "-p", JSON.stringify({ spec: { paused: false } })]);
}

const pauseReasons = (r: Obj | undefined): string[] => (r?.status?.pauseConditions ?? []).map((p: Obj) => p.reason);
const runsOf = (s: Snapshot, service: string): Obj[] =>
    s.analysisRuns.filter((a) => a.metadata?.ownerReferences?.some((o: Obj) => o.kind === "Rollout" && o.name === service))
        .sort((a, b) => a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp));

describe("rollouts: Argo Rollouts v1.9.0 walks what pulumi up created", function () {
    this.timeout(45 * 60 * 1000);

    describe(`canary (staging, ${PAUSE_MINUTES} minutes per weight): healthy, failing and unused canaries at once`, function () {
        let on: StackOnCluster;
        let controller: RolloutsController | undefined;
        let metrics: MetricSource | undefined;
        let vsWatch: Watch | undefined;
        let poller: NodeJS.Timeout | undefined;
        let last: Snapshot;
        let dir = "";

        before(async function () {
            this.timeout(30 * 60 * 1000);
            dir = tmpDir("canary");
            if (spawnSync("prometheus", ["--version"]).status !== 0) throw new Error("no prometheus on PATH: test/operators/run.sh installs Debian's package");
            on = await platform("staging", canaryVariant);
            // The blue/green platform comes up while the canaries walk.
            void platform("dev", blueGreenVariant).catch(() => undefined);
        });
        after(async function () {
            this.timeout(3 * 60 * 1000);
            if (poller) clearInterval(poller);
            vsWatch?.stop();
            await controller?.stop();
            await metrics?.stop();
            await releasePlatform("staging", canaryVariant);
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
        });

        it("walks 5 → 25 → 50 → 100 % on a healthy canary, aborts back to stable on errors, and holds a canary nobody calls at the weight where it became unmeasurable", async function () {
            const cfg = settings(on);
            const ns = cfg.app.namespace;
            const services = Object.keys(cfg.services);
            assert.deepStrictEqual(services.sort(), ["api-gateway", ...Object.keys(EXTRA)].sort());
            assert.strictEqual(cfg.delivery.strategy, "canary");
            const threshold = cfg.delivery.maxErrorBasisPoints / 10000;
            const profiles: Record<string, TrafficProfile> = {
                // Stable pods answer 2 % 5xx here: the gate must measure the canary's pods only.
                "api-gateway": { rps: 50, canaryErrorRatio: threshold / 2, stableErrorRatio: 0.02 },
                "canary-errors": { rps: 50, canaryErrorRatio: 0.02, stableErrorRatio: 0 },
                "canary-quiet": { rps: 0, canaryErrorRatio: 0, stableErrorRatio: 0 },
            };
            const t = tools();

            // The scrape settings of the ServiceMonitors the program made (interval, podTargetLabels).
            const sms = JSON.parse(on.cluster.kubectl(["get", "servicemonitors.monitoring.coreos.com", "-A", "-o", "json"]).stdout).items as Obj[];
            const sm = (svc: string) => sms.find((m) => m.metadata.name === svc && m.metadata.namespace === ns);
            for (const svc of services) assert.ok(sm(svc), `no ServiceMonitor for ${svc}`);
            const interval = sm("api-gateway").spec.endpoints[0].interval as string;
            metrics = new MetricSource(path.join(dir, "prometheus"), PROMETHEUS_URL, interval, LIFETIME);
            await metrics.start();
            // The VirtualServices as each 2-second snapshot found them: a second observer beside the watch,
            // which in one run stalled after 25 % and missed 50 and 100 (the controller's runs show it walked them).
            const polledVs: { at: number; obj: Obj }[] = [];
            const refresh = () => {
                last = snapshot(on.cluster, ns, true);
                const at = Date.now();
                for (const vs of last.virtualServices) polledVs.push({ at, obj: vs });
                for (const svc of services) {
                    metrics!.update({ view: serviceView(last, svc, ns), profile: profiles[svc], podTargetLabels: sm(svc).spec.podTargetLabels ?? [] });
                }
            };
            refresh();
            poller = setInterval(refresh, 2000);
            vsWatch = new Watch(t.KUBECTL, on.cluster.env, "virtualservices.networking.istio.io", ns, LIFETIME);

            controller = await startRolloutsController(on.cluster, t.ROLLOUTS_CONTROLLER, path.join(dir, "controller"),
                { ...process.env, HTTP_PROXY: `http://127.0.0.1:${metrics.proxyPort}`, NO_PROXY: "127.0.0.1,localhost" }, LIFETIME);
            const tail = () => `${controller!.logTail()}\nprometheus:\n${metrics!.logTail()}`;

            // First reconcile: each Rollout's first ReplicaSet becomes stable.
            const t0 = Date.now();
            const stable0 = await until("initial Rollouts healthy", 5 * 60 * 1000, () => {
                const rs = services.map((s) => byName(last.rollouts, s));
                return rs.every((r) => r?.status?.phase === "Healthy" && r.status.stableRS) ? Object.fromEntries(rs.map((r) => [r.metadata.name, r.status.stableRS as string])) : undefined;
            }, tail, 2000);
            const initialSeconds = secondsSince(t0);

            // The image change, as a user makes it: new tags in the stack config, `pulumi up`.
            const tUp = Date.now();
            const upSeconds = await up(on, [`${CONFIG_NAMESPACE}:services.api-gateway.tag=1.4.3`, ...Object.keys(EXTRA).map((s) => `${CONFIG_NAMESPACE}:services.${s}.tag=1.0.1`)]);

            const outcome = await until("canary outcomes", 18 * 60 * 1000, () => {
                const gw = byName(last.rollouts, "api-gateway");
                const er = byName(last.rollouts, "canary-errors");
                const done = gw?.status?.stableRS && gw.status.stableRS !== stable0["api-gateway"] && gw.status.phase === "Healthy";
                const quiet = pauseReasons(byName(last.rollouts, "canary-quiet")).includes("InconclusiveAnalysisRun");
                return done && er?.status?.abort === true && quiet ? { at: Date.now() } : undefined;
            }, () => `${JSON.stringify(last.rollouts.map((r) => ({ n: r.metadata.name, s: r.status?.phase, m: r.status?.message, step: r.status?.currentStepIndex })))}\n${tail()}`, 3000);

            // Every check below is collected, so the report is written whatever fails; the test fails after it.
            const failures: string[] = [];
            const check = (f: () => void) => { try { f(); } catch (e) { failures.push((e as Error).message); } };

            // --- api-gateway: the weights the controller wrote, in order, and the measurements between them.
            // In the order the API server wrote the versions (resourceVersion), not the order they reached the
            // test: a poll that started before a change can return after the watch reported it, and sorted
            // by arrival the old weight would show again after the new one.
            const version = (e: { obj: Obj }) => Number(e.obj.metadata?.resourceVersion);
            const weightsOf = (svc: string) => distinctInOrder([...vsWatch!.of(svc), ...polledVs.filter((e) => e.obj.metadata?.name === svc)].sort((a, b) => version(a) - version(b) || a.at - b.at),
                (o) => primaryWeights(o)?.canary);
            const gwWeights = weightsOf("api-gateway");
            const seen = gwWeights.map((w) => w.value);
            const steps = cfg.delivery.canarySteps;
            // The weights below 100, in order; in one run the watch saw no version with 100 (the controller
            // promoted right after writing it: stable 100 with both subsets on the new pods, checked below).
            const below = steps.filter((w) => w < 100);
            let i = 0;
            for (const w of seen) if (w === below[i]) i++;
            check(() => assert.strictEqual(i, below.length, `the VirtualService's canary weights ${seen.join(" → ")} do not pass through ${below.join(" → ")} in order`));
            const finalVs = primaryWeights(byName(last.virtualServices, "api-gateway"));
            check(() => assert.deepStrictEqual(finalVs, { stable: 100, canary: 0 }, "after the promotion the stable subset takes all traffic"));
            const gw = byName(last.rollouts, "api-gateway");
            const gwRuns = runsOf(last, "api-gateway");
            // One run per weight below 100, each started by the `analysis` step after that weight (no background run).
            const gateSteps = (gw.spec.strategy.canary.steps as Obj[]).flatMap((st, idx) => ("analysis" in st ? [String(idx)] : []));
            check(() => assert.strictEqual(gateSteps.length, below.length, JSON.stringify(gw.spec.strategy.canary.steps)));
            check(() => assert.deepStrictEqual(gwRuns.map((r) => [r.metadata.labels?.["rollout-type"], r.metadata.labels?.["step-index"]]), gateSteps.map((i) => ["Step", i]), "one step run per gate, in order"));
            check(() => assert.deepStrictEqual(gwRuns.map((r) => r.status?.phase), gateSteps.map(() => "Successful"), "each weight's gate passed"));
            // Made from our template, for the new template's pods.
            const template = JSON.parse(on.cluster.kubectl(["get", "analysistemplates.argoproj.io", errorRateTemplateName("api-gateway"), "-n", ns, "-o", "json"]).stdout);
            const hashArg = template.spec.args[0].name as string;
            const tm = template.spec.metrics[0];
            const limits = (m: Obj) => [m.successCondition, m.failureCondition, m.failureLimit, m.inconclusiveLimit, m.interval, m.initialDelay, m.count];
            check(() => assert.strictEqual(tm.count, PAUSE_MINUTES, "one measurement a minute for the time at a weight"));
            const weightAt = (at: number) => [...gwWeights].reverse().find((w) => w.at <= at)?.value;
            const measurements: Obj[] = [];
            for (const [k, run] of gwRuns.entries()) {
                check(() => assert.strictEqual(run.spec.metrics[0].provider.prometheus.address, PROMETHEUS_URL));
                check(() => assert.ok(run.metadata.ownerReferences.some((o: Obj) => o.kind === "Rollout"), "the run belongs to the Rollout"));
                check(() => assert.deepStrictEqual(run.spec.args, [{ name: hashArg, value: gw.status.stableRS }]));
                const rm = run.spec.metrics[0];
                // The controller substitutes the argument when it measures; the run may keep the placeholder.
                check(() => assert.ok([tm.provider.prometheus.query, tm.provider.prometheus.query.split(`{{args.${hashArg}}}`).join(gw.status.stableRS)].includes(rm.provider.prometheus.query), rm.provider.prometheus.query));
                check(() => assert.deepStrictEqual(limits(rm), limits(tm)));
                const ms = (run.status?.metricResults?.[0]?.measurements ?? []).map((m: Obj) => ({
                    step: run.metadata.labels?.["step-index"], at: m.finishedAt, phase: m.phase, value: m.value, weight: weightAt(Date.parse(m.finishedAt)),
                }));
                // The run of the step right after `setWeight: below[k]`, with all its measurements: the controller
                // does not leave an analysis step before its run ends. (The weights the watch saw at each
                // measurement's time are reported, not checked: the watch lagged the controller by a minute under load.)
                check(() => assert.deepStrictEqual([gw.spec.strategy.canary.steps[Number(run.metadata.labels?.["step-index"]) - 1]?.setWeight, ms.length], [below[k], tm.count], `run ${k}: ${JSON.stringify(ms)}`));
                measurements.push(...ms);
            }
            check(() => assert.ok(measurements.every((m: Obj) => m.phase !== "Failed" && m.phase !== "Error"), JSON.stringify(measurements)));
            const gwQueries = metrics.queries.filter((q) => q.query.includes(`rollouts_pod_template_hash="${gw.status.stableRS}"`));
            check(() => assert.ok(gwQueries.length > 0 && gwQueries.every((q) => q.host === new URL(PROMETHEUS_URL).host), "the controller queried the template's address for the canary's hash"));
            // The whole service's ratio is above the gate (stable pods fail 2 %): the canary-only query is what passed.
            const dr = byName(last.destinationRules, "api-gateway");
            check(() => assert.ok((dr.spec.subsets as Obj[]).every((s) => s.labels[POD_TEMPLATE_HASH_LABEL] === gw.status.stableRS), "both subsets select the promoted pods"));

            // --- canary-errors: aborted, traffic back on stable, the canary scaled away.
            const er = byName(last.rollouts, "canary-errors");
            const erRun = runsOf(last, "canary-errors").pop();
            check(() => assert.strictEqual(erRun?.metadata?.labels?.["rollout-type"], "Step", "the failing run is a weight's gate"));
            check(() => assert.strictEqual(erRun?.status?.phase, "Failed", `errors: ${JSON.stringify(erRun?.status)}`));
            const erMeasurements = ((erRun?.status?.metricResults?.[0]?.measurements ?? []) as Obj[]).map((m) => ({ phase: m.phase, value: m.value }));
            check(() => assert.ok(erMeasurements.filter((m) => m.phase === "Failed").length === 2, `aborts on the second failed measurement (failureLimit 1): ${JSON.stringify(erMeasurements)}`));
            check(() => assert.deepStrictEqual(primaryWeights(byName(last.virtualServices, "canary-errors")), { stable: 100, canary: 0 }, "traffic back on stable"));
            check(() => assert.strictEqual(er.status.stableRS, stable0["canary-errors"], "the stable ReplicaSet is still the old one"));
            const erWeights = weightsOf("canary-errors").map((w) => w.value);
            const erAbortedAt = Date.parse(er.status.abortedAt ?? er.status.conditions?.find((c: Obj) => c.reason === "RolloutAborted")?.lastTransitionTime);
            // The canary's ReplicaSet goes after abortScaleDownDelaySeconds (default 30 s).
            const canaryRsGone = await until("aborted canary scaled down", 3 * 60 * 1000, () => {
                const rs = last.replicaSets.find((r) => r.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === er.status.currentPodHash);
                return rs && rs.spec.replicas === 0 ? Date.now() : undefined;
            }, tail, 2000).catch((e: Error) => { failures.push(e.message.split("\n")[0]); return NaN; });

            // --- canary-quiet: its first weight's run ends Inconclusive on its third measurement, and the Rollout
            // stays paused at that weight (docs/observability.md, "A canary nobody calls"). It is checked again
            // once it has been held longer than a weight lasts: a pause step's timer would have moved it on by then.
            const inconclusiveRun = runsOf(last, "canary-quiet").find((r) => r.status?.phase === "Inconclusive");
            check(() => assert.ok(inconclusiveRun, `quiet: ${JSON.stringify(runsOf(last, "canary-quiet").map((r) => r.status))}`));
            const quMeasurements = ((inconclusiveRun?.status?.metricResults?.[0]?.measurements ?? []) as Obj[]).map((m) => ({ at: m.finishedAt, phase: m.phase, value: m.value }));
            check(() => assert.strictEqual(quMeasurements.filter((m) => m.phase === "Inconclusive").length, 3, JSON.stringify(quMeasurements)));
            const inconclusiveAt = quMeasurements.length ? Date.parse(quMeasurements[quMeasurements.length - 1].at) : Date.now();
            await until("quiet canary held longer than a weight lasts", 5 * 60 * 1000,
                () => (Date.now() - inconclusiveAt > (PAUSE_MINUTES * 60 + 30) * 1000 ? true : undefined), tail, 5000);
            last = snapshot(on.cluster, ns, true);
            const qu = byName(last.rollouts, "canary-quiet");
            const quWeights = weightsOf("canary-quiet");
            const heldAt = [...quWeights].reverse().find((w) => w.at <= inconclusiveAt)?.value;
            const noTrafficOutcome = {
                heldAtWeight: heldAt, weightNow: primaryWeights(byName(last.virtualServices, "canary-quiet"))?.canary,
                weightsAfterwards: quWeights.filter((w) => w.at > inconclusiveAt).map((w) => w.value),
                pauseReasons: pauseReasons(qu), phase: qu.status.phase, step: qu.status.currentStepIndex,
                stepKind: Object.keys(qu.spec.strategy.canary.steps[qu.status.currentStepIndex] ?? {})[0],
                promoted: qu.status.stableRS !== stable0["canary-quiet"],
                analysisRuns: runsOf(last, "canary-quiet").map((r) => r.status?.phase ?? "New"),
                heldSecondsAfterInconclusive: Math.round((Date.now() - inconclusiveAt) / 1000),
            };
            const firstWeight = steps[0];
            check(() => assert.deepStrictEqual(
                [noTrafficOutcome.heldAtWeight, noTrafficOutcome.weightNow, noTrafficOutcome.weightsAfterwards, noTrafficOutcome.stepKind, noTrafficOutcome.promoted, noTrafficOutcome.pauseReasons],
                [firstWeight, firstWeight, [], "analysis", false, ["InconclusiveAnalysisRun"]],
                `the canary nobody calls did not stay at ${firstWeight} %: ${JSON.stringify(noTrafficOutcome)}`));
            check(() => assert.deepStrictEqual(noTrafficOutcome.analysisRuns, ["Inconclusive"], "no later weight's run started"));
            recordOperator("rollouts", {
                controller: { version: "v1.9.0", args: controller.args.filter((a) => !a.startsWith("--kubeconfig") && !a.includes("/")), serviceAccount: `${controller.namespace}/${controller.serviceAccount}` },
                metricSource: `Debian prometheus ${interval} scrapes of istio_requests_total per pod (ServiceMonitor labels), reached at ${PROMETHEUS_URL} through HTTP_PROXY`,
                canaryStack: `staging + delivery.pauseMinutes ${PAUSE_MINUTES} + services canary-errors, canary-quiet`,
                initialReconcileSeconds: initialSeconds,
                imageChangeUpSeconds: Math.round(upSeconds),
                canaryWeights: seen,
                canaryWalkSeconds: Math.round((Date.parse(gw.status.conditions?.find((c: Obj) => c.type === "Completed")?.lastTransitionTime ?? new Date(outcome.at).toISOString()) - tUp) / 1000),
                analysisRunsPerCanary: gwRuns.length,
                canaryAnalysisRuns: gwRuns.map((r) => ({ step: r.metadata.labels?.["step-index"], phase: r.status?.phase })),
                canaryMeasurements: measurements,
                abortedOnErrors: er.status.abort === true,
                errorsMeasurements: erMeasurements,
                errorsWeights: erWeights,
                errorsWeightsAfterAbort: primaryWeights(byName(last.virtualServices, "canary-errors")),
                errorsCanaryScaledDownSecondsAfterAbort: Number.isNaN(erAbortedAt) ? null : Math.round((canaryRsGone - erAbortedAt) / 1000),
                noTraffic: { measurements: quMeasurements, runPhase: inconclusiveRun?.status?.phase, weights: quWeights.map((w) => w.value) },
                noTrafficOutcome: { ...noTrafficOutcome, advanced: noTrafficOutcome.weightsAfterwards.length > 0 || noTrafficOutcome.promoted },
                refusedProxyHosts: metrics.refused,
            });
            check(() => assert.deepStrictEqual(metrics!.refused, [], "the controller dialled nothing but the template's Prometheus address"));
            assert.deepStrictEqual(failures, []);
        });
    });

    describe("blue/green (dev with delivery.strategy blueGreen): preview, promote, roll back", function () {
        let on: StackOnCluster;
        let controller: RolloutsController | undefined;
        let svcWatch: Watch | undefined;
        let dir = "";

        before(async function () {
            this.timeout(30 * 60 * 1000);
            dir = tmpDir("bluegreen");
            on = await platform("dev", blueGreenVariant);
        });
        after(async function () {
            this.timeout(3 * 60 * 1000);
            svcWatch?.stop();
            await controller?.stop();
            await releasePlatform("dev", blueGreenVariant);
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
        });

        it("shows the new pods on the preview Service, switches on promote, and rolls back within the seed's 60 s", async function () {
            const cfg = settings(on);
            const ns = cfg.app.namespace;
            const name = "api-gateway";
            assert.strictEqual(cfg.delivery.strategy, "blueGreen");
            const t = tools();
            svcWatch = new Watch(t.KUBECTL, on.cluster.env, "services", ns, LIFETIME);
            controller = await startRolloutsController(on.cluster, t.ROLLOUTS_CONTROLLER, path.join(dir, "controller"), process.env, LIFETIME);
            const tail = () => controller!.logTail();
            let last = snapshot(on.cluster, ns, false);
            const poll = () => (last = snapshot(on.cluster, ns, false));
            const rollout = () => byName(poll().rollouts, name);
            const selectorOf = (svc: string) => byName(last.services, svc)?.spec?.selector?.[POD_TEMPLATE_HASH_LABEL];
            const readyOf = (hash: string) => last.replicaSets.find((r) => r.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === hash)?.status?.readyReplicas ?? 0;

            const blue = await until("initial Rollout healthy", 5 * 60 * 1000, () => {
                const r = rollout();
                return r?.status?.phase === "Healthy" && r.status.stableRS && selectorOf(name) === r.status.stableRS ? r.status.stableRS as string : undefined;
            }, tail, 2000);

            // A new image: the preview Service gets the new pods, the active one keeps the old, the Rollout waits.
            await up(on, [`${CONFIG_NAMESPACE}:services.api-gateway.tag=1.4.3`]);
            const green = await until("preview", 5 * 60 * 1000, () => {
                const r = rollout();
                const h = r?.status?.currentPodHash;
                return h && h !== blue && pauseReasons(r).includes("BlueGreenPause") && selectorOf(`${name}-preview`) === h && readyOf(h) > 0 ? h as string : undefined;
            }, tail, 2000);
            assert.strictEqual(selectorOf(name), blue, "the active Service still selects the old pods while the new ones are previewed");

            // Promote: the active Service switches to the new pods.
            const tPromote = Date.now();
            promote(on, rollout());
            await until("promotion", 2 * 60 * 1000, () => (rollout()?.status?.stableRS === green && selectorOf(name) === green ? true : undefined), tail, 500);
            const promoteSeconds = secondsSince(tPromote);
            const oldRs = last.replicaSets.find((r) => r.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === blue);
            const scaleDownAt = oldRs?.metadata?.annotations?.["argo-rollouts.argoproj.io/scale-down-deadline"];

            // Roll back as a user of the stack does: the previous image in config, `pulumi up`.
            const tBack = Date.now();
            let upSeconds = 0;
            const back = up(on, []).then((s) => (upSeconds = s));
            let neededPromotion = false;
            await until("rollback", 5 * 60 * 1000, () => {
                const r = rollout();
                if (selectorOf(name) === blue && readyOf(blue) >= (r?.spec?.replicas ?? 1)) return true;
                // Outside the scale-down delay the old pods are gone: the rollback is a new blue/green update.
                if (!neededPromotion && pauseReasons(r).includes("BlueGreenPause") && r.status.currentPodHash === blue) {
                    neededPromotion = true;
                    promote(on, r);
                }
                return undefined;
            }, tail, 500);
            const rollbackSeconds = secondsSince(tBack);
            await back;
            const activeSwitches = distinctInOrder(svcWatch.of(name), (o) => o.spec?.selector?.[POD_TEMPLATE_HASH_LABEL]);
            const switchedBackAt = [...activeSwitches].reverse().find((s) => s.value === blue)?.at ?? Date.now();

            recordOperator("rollouts", {
                blueGreenStack: "dev + delivery.strategy blueGreen",
                blueGreenPromoteSeconds: promoteSeconds,
                blueGreenOldReplicaSetScaleDownDeadline: scaleDownAt ?? null,
                blueGreenScaleDownDelaySeconds: cfg.delivery.scaleDownDelaySeconds,
                blueGreenRollbackSeconds: rollbackSeconds,
                blueGreenRollbackUpSeconds: Math.round(upSeconds),
                blueGreenRollbackActiveSwitchSeconds: Math.round((switchedBackAt - tBack) / 100) / 10,
                blueGreenRollbackNeededPromotion: neededPromotion,
                blueGreenActiveSelectors: activeSwitches.map((s) => s.value),
            });
            assert.ok(rollbackSeconds < 60, `rollback took ${rollbackSeconds}s (seed: under 60 s)${neededPromotion ? "; the old pods were gone and it needed a second promotion" : ""}`);
        });
    });
});
