/** The peers run's finding diff: kube-score's JSON read as findings, each sorted against our pack's verdict on the same object. */
import * as assert from "assert";
import { allPolicies, runPolicies } from "../../policies/runner";
import { parseArgs } from "../../cmd/peers";
import {
    Classifications, checkDrift, checkovCheckIds, checkovFindings, classify, formatReport, jsonDocuments, kubeScoreCheckIds, kubeScoreFindings, readClassifications,
} from "../../planner/peers/peers";
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
        assert.deepStrictEqual((parseArgs(["--stacks=staging"]) as { stacks?: string[] }).stacks, ["staging"]);
        assert.throws(() => parseArgs(["--bogus"]), /unknown option --bogus/);
        assert.throws(() => parseArgs(["--stacks"]), /--stacks needs a value/);
        assert.throws(() => parseArgs(["x", "--stacks", "dev"]), /paths or --stacks, not both/);
    });
});

describe("peers: checkov findings against our pack", () => {
    /** One report as checkov 3.3 prints it with -o json (one per scanned target). */
    const report = (failed: { id: string; resource: string; name?: string }[]) => ({
        check_type: "kubernetes",
        results: { passed_checks: [], failed_checks: failed.map((f) => ({ check_id: f.id, check_name: f.name ?? f.id, resource: f.resource, file_path: "/x.yaml" })) },
        summary: { passed: 0, failed: failed.length },
    });

    it("reads every JSON document checkov prints, braces inside strings included; resource is Kind.namespace.name", () => {
        const text = `${JSON.stringify(report([{ id: "CKV_K8S_35", resource: "Deployment.kubechat.api-gateway", name: "a } and a ] in a name" }]))}\n`
            + JSON.stringify([report([{ id: "CKV_K8S_21", resource: "ConfigMap.default.fluentd.conf.d" }])]);
        const f = checkovFindings(text);
        assert.deepStrictEqual(f.map((x) => [x.check, x.kind, x.namespace, x.name]), [
            ["CKV_K8S_35", "Deployment", "kubechat", "api-gateway"], ["CKV_K8S_21", "ConfigMap", "default", "fluentd.conf.d"],
        ]);
        assert.throws(() => jsonDocuments("{} trailing text"), /not JSON/);
        assert.throws(() => jsonDocuments('{"a": [1'), /ends inside/);
    });

    it("lists check ids from `checkov -l`", () => {
        const table = "|     | Id | Type |\n|-----|----|------|\n|   0 | CKV_K8S_1   | resource |\n|   1 | CKV2_K8S_6 | resource |\n|   2 | CKV_K8S_1 | resource |\n";
        assert.deepStrictEqual(checkovCheckIds(table), ["CKV_K8S_1", "CKV2_K8S_6"]);
    });

    it("an object without a namespace (rendered chart files) matches checkov's `default`: agreed, not missed", () => {
        const d = compliantDeployment();
        delete d.props.metadata.namespace;
        d.props.spec.template.spec.containers[0].env = [{ name: "P", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }];
        const classes: Classifications = { checkov: { checks: { CKV_K8S_35: { rules: ["secrets-as-files"] } } } };
        const findings = checkovFindings(JSON.stringify(report([{ id: "CKV_K8S_35", resource: "Deployment.default.api-gateway" }])));
        assert.deepStrictEqual(classify(findings, classes, [d], runPolicies([d])).map((r) => r.verdict), ["agreed"]);
        const clean = compliantDeployment();
        assert.deepStrictEqual(classify(findings, classes, [clean], runPolicies([clean])).map((r) => r.verdict), ["missed"]);
    });

    it("policies/peers.json pins checkov on PyPI and classifies every checkov 3.3.30 Kubernetes check", () => {
        const c = readClassifications().checkov;
        assert.deepStrictEqual(c.tool, { pip: "checkov", version: "3.3.30", bin: "checkov" });
        assert.ok(Object.keys(c.checks).length >= 119);
        assert.ok(Object.keys(c.checks).every((id) => /^CKV2?_K8S_\d+$/.test(id)));
    });
});

