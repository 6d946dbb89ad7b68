/** The peers run's finding diff: kube-score's JSON read as findings, each sorted against our pack's verdict on the same object. */
import * as assert from "assert";
import { allPolicies, runPolicies } from "../../policies/engine";
import { parseArgs } from "../../scripts/peers";
import { Classifications, checkDrift, classify, formatReport, kubeScoreCheckIds, kubeScoreFindings, readClassifications } from "../../scripts/lib/peers";
import { compliantDeployment, k8s } from "./fixtures";

/** One object as kube-score's JSON v2 prints it. */
const scored = (kind: string, name: string, namespace: string, checks: { id: string; grade: number; skipped?: boolean; comments?: any[] }[]) => ({
    object_name: `${kind}/${name}`, type_meta: { kind, apiVersion: "apps/v1" }, object_meta: { name, namespace }, file_name: "x.yaml", file_row: 1,
    checks: checks.map((c) => ({ check: { id: c.id, name: c.id, target_type: kind, comment: "", optional: false }, grade: c.grade, skipped: !!c.skipped, comments: c.comments ?? null })),
});

const CLASSES: Classifications = {
    "kube-score": {
        checks: {
            "container-resources": { rules: ["kubechat-resources"] },
            "container-image-pull-policy": { difference: "pinned and mirrored" },
            "pod-networkpolicy": { rules: ["workload-network-policy"], difference: "system namespaces are exempt" },
        },
    },
};

describe("peers: kube-score findings against our pack", () => {
    it("reads kube-score JSON: only failed, applicable checks; one finding per comment", () => {
        const json = [scored("Deployment", "api", "app", [
            { id: "container-resources", grade: 1, comments: [{ path: "api", summary: "CPU limit is not set" }, { path: "api", summary: "Memory limit is not set" }] },
            { id: "container-image-tag", grade: 10 },
            { id: "container-seccomp-profile", grade: 1, skipped: true },
            { id: "pod-networkpolicy", grade: 5 },
        ])];
        const f = kubeScoreFindings(json);
        assert.deepStrictEqual(f.map((x) => [x.check, x.kind, x.namespace, x.name, x.path, x.summary]), [
            ["container-resources", "Deployment", "app", "api", "api", "CPU limit is not set"],
            ["container-resources", "Deployment", "app", "api", "api", "Memory limit is not set"],
            ["pod-networkpolicy", "Deployment", "app", "api", "", ""],
        ]);
        assert.throws(() => kubeScoreFindings({}), /JSON array/);
    });

    it("agreed when a mapped rule reports the same object; missed when it does not and no difference is stated", () => {
        const bad = compliantDeployment("api");
        delete bad.props.spec.template.spec.containers[0].resources;
        const good = compliantDeployment("web");
        const resources = [bad, good];
        const violations = runPolicies(resources);
        const findings = kubeScoreFindings([
            scored("Deployment", "api", "kubechat", [{ id: "container-resources", grade: 1 }]),
            scored("Deployment", "web", "kubechat", [{ id: "container-resources", grade: 1 }]),
        ]);
        const [agreed, missed] = classify(findings, CLASSES, resources, violations);
        assert.deepStrictEqual([agreed.verdict, agreed.rules], ["agreed", ["kubechat-resources"]]);
        assert.deepStrictEqual([missed.verdict, missed.rules], ["missed", ["kubechat-resources"]]);
        assert.match(formatReport([agreed, missed], []), /MISSED: Deployment kubechat\/web — expected from kubechat-resources\nFAIL: 2 peer finding\(s\): 1 agreed/);
    });

    it("deliberate when the check (or where our rule passes, its difference) is documented; unknown when unclassified", () => {
        const d = compliantDeployment("api");
        const deny = k8s("networking.k8s.io/v1", "NetworkPolicy", "default-deny", { spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } });
        const findings = kubeScoreFindings([scored("Deployment", "api", "kubechat", [
            { id: "container-image-pull-policy", grade: 1 }, { id: "pod-networkpolicy", grade: 1 }, { id: "brand-new-check", grade: 1 },
        ])]);
        const rs = classify(findings, CLASSES, [d, deny], runPolicies([d, deny]));
        assert.deepStrictEqual(rs.map((r) => [r.check, r.verdict, r.reason]), [
            ["container-image-pull-policy", "deliberate", "pinned and mirrored"],
            ["pod-networkpolicy", "deliberate", "system namespaces are exempt"],
            ["brand-new-check", "unknown", undefined],
        ]);
        assert.match(formatReport(rs, []), /UNKNOWN: Deployment kubechat\/api — classify this check in policies\/peers.json\n[\s\S]*FAIL: 3 peer finding\(s\): .* 1 unclassified/);
        assert.match(formatReport(rs.slice(0, 2), []), /^kube-score container-image-pull-policy: 1 deliberate\n {4}deliberate: pinned and mirrored\n[\s\S]*PASS: 2 peer finding\(s\): 0 agreed, 2 deliberate/);
    });

    it("reports checks a peer version adds or drops", () => {
        const ids = kubeScoreCheckIds("container-resources,Pod,Makes sure,default\nnew-one,Pod,x,optional\n");
        assert.deepStrictEqual(ids, ["container-resources", "new-one"]);
        assert.deepStrictEqual(checkDrift(ids, CLASSES["kube-score"]), { unclassified: ["new-one"], stale: ["container-image-pull-policy", "pod-networkpolicy"] });
    });

    it("policies/peers.json: a pinned kube-score, every check classified with existing rules or a reason", () => {
        const c = readClassifications();
        assert.match(c["kube-score"].tool!.version, /^v\d+\.\d+\.\d+$/);
        const names = new Set(allPolicies.map((p) => p.name));
        for (const [peer, pc] of Object.entries(c)) {
            assert.ok(pc.tool || pc.unavailable, `${peer}: a pinned tool or why it cannot run`);
            for (const [id, cls] of Object.entries(pc.checks)) {
                assert.ok((cls.rules ?? []).length > 0 || cls.difference, `${peer} ${id}: rules or a difference`);
                for (const r of cls.rules ?? []) assert.ok(names.has(r), `${peer} ${id}: no policy ${r}`);
            }
        }
    });

    it("CLI arguments: paths or --stacks, --json; anything else is a usage error", () => {
        assert.deepStrictEqual(parseArgs(["out/prod/manifests", "--json"]), { paths: ["out/prod/manifests"], json: true });
        assert.deepStrictEqual(parseArgs(["--stacks", "dev,prod"]), { paths: [], stacks: ["dev", "prod"], json: false });
        assert.deepStrictEqual(parseArgs(["--stacks=staging"]).stacks, ["staging"]);
        assert.throws(() => parseArgs(["--bogus"]), /unknown option --bogus/);
        assert.throws(() => parseArgs(["--stacks"]), /--stacks needs a value/);
        assert.throws(() => parseArgs(["x", "--stacks", "dev"]), /paths or --stacks, not both/);
    });
});
