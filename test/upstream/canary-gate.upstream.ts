/**
 * The canary gate against Argo Rollouts' own evaluation (`npm run test:upstream`; not part of
 * `npm test`; CI runs it after `npm test`: a cold build of the Go harness takes about two minutes). The harness in ./argo-analysis
 * runs the AnalysisTemplate's metric, as the plan declares it, through the pinned controller's
 * Prometheus provider (github.com/argoproj/argo-rollouts v1.9.0, the chart's appVersion) with a fake
 * Prometheus API answering each case, and a run of such measurements through the controller's own
 * verdict on a metric (its count, failureLimit, inconclusiveLimit): the run an `analysis` step waits on.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { analysisTemplateSpec, minimumWeightMinutes } from "../../components/app/routing";

type Sample = number | "NaN";
interface Case { name: string; vector?: Sample[]; scalar?: Sample }
interface Outcome { name: string; phase: string; message: string; value: string }
interface RunOutcome { name: string; phase: string; measurements: string[] }

describe("canary gate under Argo Rollouts v1.9.0 analysis evaluation", function () {
    this.timeout(600_000);
    let dir = "";
    let bin = "";

    before(function () {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "argo-analysis-"));
        bin = path.join(dir, "argo-analysis");
        execFileSync("go", ["build", "-o", bin, "."], { cwd: path.join(__dirname, "argo-analysis"), stdio: ["ignore", "inherit", "inherit"] });
    });
    after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

    const run = (metric: unknown, cases: Case[]): Record<string, Outcome> => {
        const out: Outcome[] = JSON.parse(execFileSync(bin, [], { input: JSON.stringify({ metric, cases }) }).toString());
        return Object.fromEntries(out.map((o) => [o.name, o]));
    };
    const runs = (metric: unknown, r: { name: string; measurements: Case[] }[]): { validation: string; runs: Record<string, RunOutcome> } => {
        const out = JSON.parse(execFileSync(bin, [], { input: JSON.stringify({ metric, runs: r }) }).toString());
        return { validation: out.validation, runs: Object.fromEntries((out.runs as RunOutcome[]).map((o) => [o.name, o])) };
    };
    // 10 basis points: the gate is at 0.001; the shortest time at a weight the loader accepts.
    const metric = (analysisTemplateSpec("api-gateway", "kubechat-system", 10, minimumWeightMinutes()) as any).metrics[0];
    const cases: Case[] = [
        { name: "no traffic: no series", vector: [] },
        { name: "no traffic in the window: 0/0", vector: ["NaN"] },
        { name: "traffic, no 5xx", vector: [0] },
        { name: "errors below the gate", vector: [0.0009] },
        { name: "errors at the gate", vector: [0.001] },
        { name: "errors above the gate", vector: [0.05] },
    ];

    it("no traffic is inconclusive, no errors succeed, errors at or above the gate fail, nothing is an evaluation error", () => {
        const r = run(metric, cases);
        const phases = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.phase]));
        assert.deepStrictEqual(phases, {
            "no traffic: no series": "Inconclusive",
            "no traffic in the window: 0/0": "Inconclusive",
            "traffic, no 5xx": "Successful",
            "errors below the gate": "Successful",
            "errors at the gate": "Failed",
            "errors above the gate": "Failed",
        });
    });

    it("the harness tells the cases apart: an `isNaN(result[0]) || ...` condition errors on an empty result", () => {
        const former = { ...metric, successCondition: "isNaN(result[0]) || result[0] < 0.001", failureCondition: undefined };
        const r = run(former, [{ name: "empty", vector: [] }, { name: "nan", vector: ["NaN"] }]);
        assert.strictEqual(r.empty.phase, "Error", JSON.stringify(r.empty));
        assert.strictEqual(r.nan.phase, "Successful");
    });

    // One weight's run, measurement by measurement: what the `analysis` step after each weight waits on.
    const quiet: Case = { name: "", vector: [] };
    const healthy: Case = { name: "", vector: [0.0002] };
    const failing: Case = { name: "", vector: [0.02] };
    const error: Case = { name: "", scalar: 1 };
    const times = (c: Case, n: number) => Array.from({ length: n }, () => c);

    it("a weight's run: a quiet canary ends Inconclusive (the step never completes), errors Failed, a healthy one Successful at its count", () => {
        const { validation, runs: r } = runs(metric, [
            { name: "quiet", measurements: times(quiet, metric.count) },
            { name: "healthy", measurements: times(healthy, metric.count) },
            { name: "healthy after a first empty rate", measurements: [quiet, ...times(healthy, metric.count - 1)] },
            { name: "failing", measurements: times(failing, metric.count) },
            { name: "one failure in a healthy run", measurements: [failing, ...times(healthy, metric.count - 1)] },
            { name: "quiet at the start, then errors", measurements: [quiet, failing, failing] },
        ]);
        assert.strictEqual(validation, "", "Argo Rollouts accepts the metric");
        const phases = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, `${v.phase} after ${v.measurements.length}`]));
        assert.deepStrictEqual(phases, {
            "quiet": `Inconclusive after ${metric.inconclusiveLimit + 1}`,
            "healthy": `Successful after ${metric.count}`,
            "healthy after a first empty rate": `Successful after ${metric.count}`,
            "failing": `Failed after ${metric.failureLimit + 1}`,
            "one failure in a healthy run": `Successful after ${metric.count}`,
            "quiet at the start, then errors": "Failed after 3",
        });
    });

    it("the count must exceed both limits: with count = inconclusiveLimit Rollouts accepts the metric and passes a quiet canary", () => {
        const short = { ...metric, count: metric.inconclusiveLimit };
        const { validation, runs: r } = runs(short, [
            { name: "quiet", measurements: times(quiet, short.count) },
            { name: "errors only", measurements: times(error, 2) },
        ]);
        assert.strictEqual(validation, "", "Rollouts' own validation allows count >= inconclusiveLimit");
        assert.strictEqual(r.quiet.phase, "Successful", JSON.stringify(r.quiet));
        // Errors never count toward `count`: a Prometheus that answers nothing never passes a weight.
        assert.strictEqual(r["errors only"].phase, "Running", JSON.stringify(r["errors only"]));
    });
});
