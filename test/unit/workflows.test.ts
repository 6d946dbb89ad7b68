import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT } from "../../scripts/lib/plan";

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
        assert.deepStrictEqual(wf.jobs.preview.strategy.matrix.stack, ["dev", "staging", "prod"]);
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
