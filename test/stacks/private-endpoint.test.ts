import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT } from "../../planner/root";
import { parseConfig } from "../../components/config";
import { privateAccessRules } from "../../components/cluster/eks";
import { planStack } from "../harness";

const wf = (f: string) => YAML.parse(fs.readFileSync(path.join(ROOT, ".github/workflows", f), "utf8"));
const prodStack = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")).config["kubechat:eks"];
const RUNNER = "kubechat-prod";

/** The value of `cond && fromJSON('a') || fromJSON('b')` / `'b'` for a given condition. */
function pick(expr: string, cond: boolean): unknown {
    const m = /\$\{\{\s*(.+?)\s*&&\s*(fromJSON\('(.+?)'\)|'(.+?)')\s*\|\|\s*(fromJSON\('(.+?)'\)|'(.+?)')\s*\}\}/.exec(expr);
    assert.ok(m, `not a cond && a || b expression: ${expr}`);
    return cond ? (m[3] !== undefined ? JSON.parse(m[3]) : m[4]) : (m[6] !== undefined ? JSON.parse(m[6]) : m[7]);
}

describe("prod deploys reach the private EKS endpoint", () => {
    it("the deploy workflow runs prod on the self-hosted runner inside the allowed network, staging on a hosted one", () => {
        const jobs = wf("deploy.yml").jobs;
        assert.deepStrictEqual(jobs.prod.runs_on ?? jobs.prod["runs-on"], ["self-hosted", "linux", RUNNER]);
        assert.strictEqual(jobs.staging["runs-on"], "ubuntu-latest");
        assert.ok(jobs.prod.steps.some((s: any) => String(s.uses).startsWith("pulumi/actions@") && s.with.command === "up"));
    });

    it("the prod preview runs on that runner too, and never for a fork's pull request", () => {
        const preview = wf("pull-request.yml").jobs.preview;
        const stacks = (sameRepo: boolean) => pick(preview.strategy.matrix.stack, sameRepo) as string[];
        assert.deepStrictEqual(stacks(true), ["dev", "staging", "prod"]);
        assert.deepStrictEqual(stacks(false), ["dev", "staging"]);
        assert.match(preview.strategy.matrix.stack, /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/);
        assert.deepStrictEqual(pick(preview["runs-on"], true), ["self-hosted", "linux", RUNNER]);
        assert.strictEqual(pick(preview["runs-on"], false), "ubuntu-latest");
        assert.match(preview["runs-on"], /matrix\.stack == 'prod'/);
    });

    it("the prod stack lets the runner's network reach the private endpoint; a stack no one can reach is refused", () => {
        assert.deepStrictEqual(prodStack.publicAccessCidrs, []);
        assert.ok(prodStack.privateAccessCidrs.length > 0, "prod names the deploy runner's network");
        assert.deepStrictEqual(privateAccessRules(["10.100.0.0/24", "10.100.0.0/24"]), [{ id: "10-100-0-0-24", cidr: "10.100.0.0/24" }]);
        const eks = { cluster: { kind: "eks" }, eks: { clusterName: "kc", accountId: "123456789012", publicAccessCidrs: [], privateAccessCidrs: [] } };
        assert.throws(() => parseConfig(eks, "kubechat", "t"), /kubechat:eks\.privateAccessCidrs: is required while eks\.publicAccessCidrs is empty/);
        assert.doesNotThrow(() => parseConfig({ ...eks, eks: { ...eks.eks, publicAccessCidrs: ["203.0.113.0/28"] } }, "kubechat", "t"));
    });

    it("the prod plan admits that network to the cluster security group on 443 before any Kubernetes object is sent", async function () {
        this.timeout(120000);
        const plan = await planStack("prod");
        const rules = plan.resources.filter((r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && r.name.includes("-api-from-"));
        assert.deepStrictEqual(rules.map((r) => [r.inputs.cidrIpv4, r.inputs.fromPort, r.inputs.toPort, r.inputs.ipProtocol]), prodStack.privateAccessCidrs.map((c: string) => [c, 443, 443, "tcp"]));
        const providers = plan.resources.filter((r) => r.type === "pulumi:providers:kubernetes");
        assert.ok(providers.length >= 2);
        for (const p of providers) for (const r of rules) assert.ok(p.dependencies.includes(r.urn), `${p.name} waits for ${r.name}`);
    });

    it("docs/operations.md explains the runner label and the allow-list alternative with their trade-offs", () => {
        const ops = fs.readFileSync(path.join(ROOT, "docs/operations.md"), "utf8");
        for (const s of [RUNNER, "eks.privateAccessCidrs", "eks.publicAccessCidrs", "Trade-offs"]) assert.ok(ops.includes(s), s);
    });
});
