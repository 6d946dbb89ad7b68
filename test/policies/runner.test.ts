/** Enforcement (defaults, stack level, overrides, profiles) and the CrossGuard adapters. */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { allPolicies, fromPlanResource, optionsFromPackConfig, profiles, runPolicies, selectPolicies } from "../../policies/runner";
import { kubechatApprovedRegistry, kubechatReadOnlyRootFs } from "../../policies/kubechat";
import { KubechatResourcePolicy, KubechatStackPolicy } from "../../policies/rule";
import { protectStatefulResources } from "../../policies/cross-resource";
import { WHY, renderRulesReadme, ruleTable } from "../../policies/rule-table";
import { Fixture, OPTS, compliantDeployment, fixture, run } from "./fixtures";

const broken = () => {
    const f = fixture() as Fixture;
    f.deploy.props.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false; // kubechat, mandatory by default
    delete f.svc.props.metadata.labels["app.kubernetes.io/part-of"]; // hygiene, advisory by default
    return f;
};
const levels = (vs: { policy: string; level: string }[]) => Object.fromEntries(vs.map((v) => [v.policy, v.level]));

describe("runner: enforcement", () => {
    it("policy names are unique kebab-case and every policy has exactly one known profile", () => {
        const names = allPolicies.map((p) => p.name);
        assert.strictEqual(new Set(names).size, names.length);
        for (const p of allPolicies) {
            assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
            assert.ok(profiles.includes(p.profile), p.name);
            assert.ok(["advisory", "mandatory"].includes(p.enforcementLevel), p.name);
            assert.ok(("validateResource" in p) !== ("validateStack" in p), p.name);
        }
    });

    it("defaults to each policy's own level", () => {
        assert.deepStrictEqual(levels(run(broken())), { "kubechat-read-only-root-fs": "mandatory", "recommended-labels": "advisory" });
    });

    it("the stack level applies to every policy; overrides win; disabled policies are skipped", () => {
        assert.deepStrictEqual(levels(run(broken(), { ...OPTS, enforcement: "advisory" })), { "kubechat-read-only-root-fs": "advisory", "recommended-labels": "advisory" });
        assert.deepStrictEqual(levels(run(broken(), { ...OPTS, enforcement: "mandatory" })), { "kubechat-read-only-root-fs": "mandatory", "recommended-labels": "mandatory" });
        const vs = run(broken(), { ...OPTS, enforcement: "mandatory", overrides: { "recommended-labels": "advisory", "kubechat-read-only-root-fs": "disabled" } });
        assert.deepStrictEqual(levels(vs), { "recommended-labels": "advisory" });
    });

    it("a profile filter runs that profile only; pss-restricted includes pss-baseline", () => {
        assert.deepStrictEqual(levels(run(broken(), { ...OPTS, profile: "hygiene" })), { "recommended-labels": "advisory" });
        const restricted = new Set(selectPolicies("pss-restricted").map((p) => p.profile));
        assert.deepStrictEqual([...restricted].sort(), ["pss-baseline", "pss-restricted"]);
        assert.deepStrictEqual([...new Set(selectPolicies("pss-baseline").map((p) => p.profile))], ["pss-baseline"]);
        assert.throws(() => runPolicies([], { profile: "nope" }), /unknown profile "nope"/);
    });

    it("violations carry policy, profile, level, kind, name, urn and type", () => {
        const [v] = run(broken(), { ...OPTS, profile: "kubechat" });
        const d = compliantDeployment();
        assert.deepStrictEqual({ ...v, message: undefined }, {
            policy: "kubechat-read-only-root-fs", profile: "kubechat", level: "mandatory", message: undefined,
            urn: d.urn, type: d.type, kind: "Deployment", name: "api-gateway", file: undefined,
        });
    });

    it("reads the per-stack CrossGuard config files", () => {
        const read = (s: string) => JSON.parse(fs.readFileSync(path.join(__dirname, "../../policies/config", `${s}.json`), "utf8"));
        const dev = optionsFromPackConfig(read("dev"));
        assert.strictEqual(dev.enforcement, "advisory");
        assert.strictEqual(dev.persistent, false);
        const prod = optionsFromPackConfig(read("prod"));
        assert.strictEqual(prod.enforcement, "mandatory");
        assert.strictEqual(prod.persistent, true);
        assert.strictEqual(prod.zones, 3);
        assert.ok(prod.approvedRegistries!.includes("quay.io"));
        assert.deepStrictEqual(optionsFromPackConfig({ all: { enforcementLevel: "advisory" }, "pss-sysctls": "disabled" }),
            { enforcement: "advisory", overrides: { "pss-sysctls": "disabled" } });
        // Every key of a config file names a policy (or "all").
        for (const s of ["dev", "staging", "prod"]) {
            for (const k of Object.keys(read(s))) assert.ok(k === "all" || allPolicies.some((p) => p.name === k), `${s}: ${k}`);
        }
    });

    it("the rule table in policies/README.md is the one generated from the policies (npm run gen:config)", () => {
        const readme = fs.readFileSync(path.join(__dirname, "../../policies/README.md"), "utf8");
        assert.strictEqual(readme, renderRulesReadme(readme, allPolicies), "policies/README.md is stale: run npm run gen:config");
        for (const p of allPolicies) assert.ok(readme.includes(`| \`${p.name}\` | ${p.profile} | ${p.enforcementLevel} |`), p.name);
    });

    it("every policy says why it exists, and no reason is left for a policy that is gone", () => {
        const names = allPolicies.map((p) => p.name).sort();
        assert.deepStrictEqual(Object.keys(WHY).sort(), names);
        for (const n of names) assert.ok(WHY[n].length > 10, n);
        // A changed description shows in the table.
        const changed = allPolicies.map((p, i) => (i === 0 ? { ...p, description: "changed" } : p));
        assert.ok(ruleTable(changed).includes("| changed |") && !ruleTable(allPolicies).includes("| changed |"));
    });

    it("converts plan.json resources", () => {
        const r = fromPlanResource({ urn: "u", type: "t", name: "n", inputs: { a: 1 }, protect: true, ignoreChanges: ["x"] });
        assert.deepStrictEqual(r, { urn: "u", type: "t", name: "n", props: { a: 1 }, protect: true, ignoreChanges: ["x"] });
    });
});

describe("CrossGuard adapters (the @pulumi/policy shape)", () => {
    const resourceArgs = (props: any, config: any = {}) => ({ type: compliantDeployment().type, props, urn: "urn:x", name: "api-gateway", getConfig: () => config }) as any;

    it("validateResource reports the rule's messages and reads the policy config", () => {
        const p = kubechatReadOnlyRootFs as KubechatResourcePolicy;
        const props = compliantDeployment().props;
        props.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
        const reported: string[] = [];
        (p.validateResource as any)(resourceArgs(props), (m: string) => reported.push(m));
        assert.deepStrictEqual(reported, ['Deployment kubechat/api-gateway: container "api-gateway" must set securityContext.readOnlyRootFilesystem: true']);

        const reg: string[] = [];
        (kubechatApprovedRegistry.validateResource as any)(resourceArgs(compliantDeployment().props, { approvedRegistries: ["quay.io"] }), (m: string) => reg.push(m));
        assert.strictEqual(reg.length, 1);
        assert.deepStrictEqual(kubechatApprovedRegistry.configSchema?.properties.approvedRegistries.type, "array");
    });

    it("validateStack reads opts.protect and reports the resource URN", () => {
        const p = protectStatefulResources as KubechatStackPolicy;
        const f = fixture();
        const resources = Object.values(f).map((r) => ({ type: r.type, props: r.props, urn: r.urn, name: r.name, opts: { protect: r.name !== "backups", ignoreChanges: [] } }));
        const reported: [string, string | undefined][] = [];
        p.validateStack({ resources, getConfig: () => ({ persistent: true }) } as any, (m, urn) => reported.push([m, urn]));
        assert.deepStrictEqual(reported, [["Bucket backups: must set protect: true in a persistent stack", f.bucket.urn]]);
        const none: unknown[] = [];
        p.validateStack({ resources, getConfig: () => ({}) } as any, (m) => none.push(m));
        assert.deepStrictEqual(none, []);
    });

    it("policies/index.ts is imported by nothing (it starts the analyzer)", () => {
        const roots = ["policies", "planner", "cmd", "test", "components"].map((d) => path.join(__dirname, "../..", d));
        const files: string[] = [];
        const walk = (d: string) => {
            if (!fs.existsSync(d)) return;
            for (const e of fs.readdirSync(d, { withFileTypes: true })) {
                if (e.name === "node_modules") continue;
                const p = path.join(d, e.name);
                if (e.isDirectory()) walk(p); else if (p.endsWith(".ts")) files.push(p);
            }
        };
        roots.forEach(walk);
        for (const f of files) {
            assert.doesNotMatch(fs.readFileSync(f, "utf8"), /from ["'](\.\.\/)+policies(\/index)?["']|from ["']\.\/index["']|policies\/index["']/, f);
        }
    });
});
