import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT } from "../../planner/root";

/** Inputs documented in pulumi/actions' action.yml (v6). */
const PULUMI_ACTION_INPUTS = new Set([
    "command", "stack-name", "work-dir", "comment-on-pr", "comment-on-summary", "github-token", "cloud-url", "secrets-provider",
    "parallel", "message", "config-map", "expect-no-changes", "diff", "replace", "target", "target-dependents", "policyPacks",
    "policyPackConfigs", "refresh", "upsert", "edit-pr-comment", "color", "pulumi-version", "pulumi-version-file", "always-include-summary",
    "exclude", "exclude-dependents", "suppress-outputs", "suppress-progress", "plan", "remove", "continue-on-error", "debug", "log-verbosity", "log-flow", "tracing", "stack",
]);
const dir = path.join(ROOT, ".github/workflows");
const load = (f: string) => YAML.parse(fs.readFileSync(path.join(dir, f), "utf8"));
const steps = (wf: any) => Object.values<any>(wf.jobs).flatMap((j) => j.steps ?? []);

describe("GitHub workflows", () => {
    it("pull requests run npm test and preview every stack with the policy pack, commenting on the PR", () => {
        const wf = load("pull-request.yml");
        assert.ok(wf.on.pull_request);
        assert.ok(steps(wf).some((s) => s.run === "npm test"));
        // Every stack for branches of this repository (prod only there: see the private-endpoint test).
        assert.match(wf.jobs.preview.strategy.matrix.stack, /fromJSON\('\["dev", "staging", "prod"\]'\)/);
        const p = wf.jobs.preview.steps.find((s: any) => String(s.uses).startsWith("pulumi/actions@"));
        assert.strictEqual(p.with.command, "preview");
        assert.strictEqual(p.with.policyPacks, "policies");
        assert.strictEqual(p.with["comment-on-pr"], true);
    });

    it("merges deploy staging, then prod through the protected prod environment", () => {
        const wf = load("deploy.yml");
        assert.deepStrictEqual(wf.on.push.branches, ["main"]);
        assert.strictEqual(wf.jobs.prod.environment, "prod");
        assert.strictEqual(wf.jobs.prod.needs, "staging");
        for (const job of ["staging", "prod"]) {
            const p = wf.jobs[job].steps.find((s: any) => String(s.uses).startsWith("pulumi/actions@"));
            assert.strictEqual(p.with.command, "up");
            assert.strictEqual(p.with.policyPackConfigs, `policies/config/${job}.json`);
        }
    });

    it("uses only documented pulumi/actions inputs, and no credentials are written into the workflows", () => {
        for (const f of fs.readdirSync(dir)) {
            const text = fs.readFileSync(path.join(dir, f), "utf8");
            assert.doesNotMatch(text, /AKIA[0-9A-Z]{16}|pul-[0-9a-f]{40}/, f);
            for (const s of steps(load(f)).filter((s) => String(s.uses).startsWith("pulumi/actions@"))) {
                assert.strictEqual(s.uses, "pulumi/actions@v6");
                for (const k of Object.keys(s.with)) assert.ok(PULUMI_ACTION_INPUTS.has(k), `${f}: unknown pulumi/actions input ${k}`);
            }
        }
    });
});

/** Inputs of aquasecurity/setup-trivy's action.yaml (v0.2.x). */
const SETUP_TRIVY_INPUTS = new Set(["version", "cache", "path", "token"]);

/** `trivy <sub-command> ...` invocations of a step's shell script, as argument lists. */
function trivyCalls(run: string): string[][] {
    return run.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("trivy "))
        .map((l) => l.split("||")[0].trim().split(/\s+/));
}

describe("security workflow (Trivy)", () => {
    const wf = load("security.yml");
    const job = wf.jobs.trivy;
    const runs: { name?: string; run?: string; uses?: string; with?: any }[] = job.steps;
    const index = (pred: (s: any) => boolean) => runs.findIndex(pred);
    const calls = runs.flatMap((s) => (s.run ? trivyCalls(s.run) : []));

    it("runs on pull requests, weekly and by hand, for every stack file, read-only", () => {
        assert.ok(wf.on.pull_request && wf.on.workflow_dispatch !== undefined);
        assert.match(wf.on.schedule[0].cron, /^\S+ \S+ \S+ \S+ \S+$/);
        const stacks = fs.readdirSync(ROOT).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => !!s).sort();
        assert.deepStrictEqual([...job.strategy.matrix.stack].sort(), stacks);
        assert.deepStrictEqual(wf.permissions, { contents: "read" });
    });

    it("pulls the chart archives and plans the stack before scanning, and installs one pinned Trivy version with documented inputs only", () => {
        const plan = index((s) => s.run === 'npm run plan -- "$STACK"');
        const pull = index((s) => s.run === "npm run charts:pull");
        assert.ok(pull >= 0 && pull < plan, "chart archives are pulled before the plan, so it renders them");
        const setup = index((s) => String(s.uses).startsWith("aquasecurity/setup-trivy@"));
        assert.ok(plan >= 0 && setup > plan, "plan, then Trivy");
        assert.match(runs[setup].uses!, /@v\d+\.\d+\.\d+$/, "the action is pinned to a release");
        assert.match(wf.env.TRIVY_VERSION, /^v\d+\.\d+\.\d+$/, "Trivy itself is pinned");
        assert.strictEqual(runs[setup].with.version, "${{ env.TRIVY_VERSION }}");
        for (const k of Object.keys(runs[setup].with)) assert.ok(SETUP_TRIVY_INPUTS.has(k), `unknown setup-trivy input ${k}`);
    });

    it("downloads the database once, and every image scan then skips the update", () => {
        const download = index((s) => /trivy image --download-db-only/.test(s.run ?? ""));
        const firstScan = index((s) => /airgap\.json/.test(s.run ?? ""));
        assert.ok(download >= 0 && download < firstScan);
        const imageScans = calls.filter((c) => c[1] === "image" && !c.includes("--download-db-only"));
        assert.ok(imageScans.length >= 2);
        for (const c of imageScans) assert.ok(c.includes("--skip-db-update"), c.join(" "));
    });

    it("fails on CRITICAL with a fix available and reports HIGH without failing, for every image airgap.json lists", () => {
        const flag = (c: string[], f: string) => c[c.indexOf(f) + 1];
        const gate = calls.filter((c) => c[1] === "image" && flag(c, "--exit-code") === "1");
        assert.strictEqual(gate.length, 1);
        assert.strictEqual(flag(gate[0], "--severity"), "CRITICAL");
        assert.ok(gate[0].includes("--ignore-unfixed"));
        const report = calls.filter((c) => c[1] === "image" && flag(c, "--exit-code") === "0");
        assert.strictEqual(report.length, 1);
        assert.ok(flag(report[0], "--severity").split(",").includes("HIGH"));
        assert.ok(!report[0].includes("--ignore-unfixed"), "the report shows unfixed findings too");
        for (const s of runs.filter((x) => /trivy image --skip-db-update/.test(x.run ?? ""))) {
            assert.match(s.run!, /jq -r '\.images\[\]' "out\/\$STACK\/airgap\.json"/, "images come from the stack's airgap.json");
        }
    });

    it("runs trivy config over the plan's manifests and rendered charts, even when an image fails", () => {
        const step = runs.find((s) => /trivy config/.test(s.run ?? ""))!;
        assert.strictEqual((step as any).if, "always()");
        const dirs = /for dir in ([^;]+);/.exec(step.run!)![1].split(/\s+/);
        for (const d of ["manifests", "rendered"]) assert.ok(dirs.includes(d), d);
        assert.match(step.run!, /"out\/\$STACK\/\$dir"/);
        const upload = runs.find((s) => String(s.uses).startsWith("actions/upload-artifact@"))!;
        assert.strictEqual((upload as any).if, "always()");
    });
});
