/**
 * The fixable-CRITICAL vulnerability alert evaluated by Prometheus itself (`npm run test:upstream`):
 * `promtool test rules` (Debian's prometheus package, installed here when missing, as the HA drill
 * installs its packages) runs the prod plan's PrometheusRule over series shaped like the Trivy
 * Operator's `trivy_vulnerability_id` (labels from trivy-operator pkg/metrics/collector.go).
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { planStack } from "../harness";
import { ensurePromtool } from "./promtool";

const ALERT = "KubeChatFixableCriticalVulnerability";

/** A trivy_vulnerability_id series of the api-gateway container (or `over` labels), value 1 throughout. */
function series(over: Record<string, string>): { series: string; values: string } {
    const labels: Record<string, string> = {
        job: "trivy-operator", namespace: "kubechat-system", name: "replicaset-api-gateway-7d9-api-gateway", resource_kind: "ReplicaSet", resource_name: "api-gateway-7d9",
        container_name: "api-gateway", image_registry: "ghcr.io", image_repository: "kubechat/api-gateway", image_tag: "1.4.2", image_digest: "",
        installed_version: "3.0.1", fixed_version: "3.0.15", resource: "libssl3", severity: "Critical", package_type: "debian", class: "os-pkgs", vuln_id: "CVE-2026-0001", ...over,
    };
    return { series: `trivy_vulnerability_id{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(",")}}`, values: "1x15" };
}

describe("fixable-CRITICAL vulnerability alert under promtool test rules", function () {
    this.timeout(900_000);
    let dir = "";
    let rule: any;
    before(async () => {
        ensurePromtool();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "trivy-alert-"));
        const plan = await planStack("prod");
        const pr = plan.resources.find((r) => r.inputs?.kind === "PrometheusRule" && r.inputs.metadata.name === "kubechat-alerts")!.inputs;
        rule = pr.spec.groups.flatMap((g: any) => g.rules).find((r: any) => r.alert === ALERT);
        assert.ok(rule, "the prod plan has the rule");
    });
    after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

    /** promtool's verdict on the rule over the input series, expecting `expected` alerts at 10m. */
    const run = (r: any, input: { series: string; values: string }[], expected: { labels: Record<string, string>; value: number }[]) => {
        fs.writeFileSync(path.join(dir, "rules.yaml"), stringify({ groups: [{ name: "trivy", rules: [r] }] }));
        const desc = (l: Record<string, string>, value: number) => r.annotations.description
            .replace("{{ $value }}", String(value)).replace("{{ $labels.image_repository }}", l.image_repository).replace("{{ $labels.image_tag }}", l.image_tag)
            .replace("{{ $labels.container_name }}", l.container_name).replace("{{ $labels.resource_kind }}", l.resource_kind)
            .replace(/\{\{ \$labels\.namespace \}\}/g, l.namespace).replace("{{ $labels.resource_name }}", l.resource_name);
        fs.writeFileSync(path.join(dir, "test.yaml"), stringify({
            rule_files: ["rules.yaml"], evaluation_interval: "1m",
            tests: [{
                interval: "1m", input_series: input,
                alert_rule_test: [{
                    eval_time: "10m", alertname: ALERT,
                    exp_alerts: expected.map((e) => ({ exp_labels: { ...e.labels, ...r.labels }, exp_annotations: { summary: r.annotations.summary, description: desc(e.labels, e.value) } })),
                }],
            }],
        }));
        return spawnSync("promtool", ["test", "rules", "test.yaml"], { cwd: dir, encoding: "utf8" });
    };
    const gateway = { namespace: "kubechat-system", resource_kind: "ReplicaSet", resource_name: "api-gateway-7d9", container_name: "api-gateway", image_repository: "kubechat/api-gateway", image_tag: "1.4.2" };
    const input = [
        series({}),                                                               // fixable critical
        series({ vuln_id: "CVE-2026-0002", resource: "zlib1g", fixed_version: "1.3.1" }),  // a second one in the same image
        series({ vuln_id: "CVE-2026-0003", fixed_version: "" }),                  // critical, no fix yet
        series({ vuln_id: "CVE-2026-0004", severity: "High" }),                   // fixable, not critical
        series({ container_name: "istio-proxy", image_repository: "istio/proxyv2", image_tag: "1.28.0", vuln_id: "CVE-2026-0005", fixed_version: "" }), // only unfixable
        series({ job: "other-exporter", container_name: "x", vuln_id: "CVE-2026-0006" }), // not the operator's series
    ];

    it("fires once per container with fixable CRITICAL vulnerabilities, counting only those; not for unfixable, non-critical or foreign series", () => {
        const r = run(rule, input, [{ labels: gateway, value: 2 }]);
        assert.strictEqual(r.status, 0, r.stdout + r.stderr);
    });

    it("nothing fires when no fix exists", () => {
        const r = run(rule, input.filter((s) => s.series.includes('fixed_version=""')), []);
        assert.strictEqual(r.status, 0, r.stdout + r.stderr);
    });

    it("the harness tells the cases apart: without the fixed_version matcher the same series give a different answer", () => {
        const loose = { ...rule, expr: rule.expr.replace(/, fixed_version!=""/, "") };
        assert.notStrictEqual(loose.expr, rule.expr);
        const r = run(loose, input, [{ labels: gateway, value: 2 }]);
        assert.notStrictEqual(r.status, 0, "promtool must report the mismatch");
        // It counts the unfixable one too and alerts on the proxy, whose only CRITICAL has no fix.
        assert.match(r.stdout + r.stderr, /istio-proxy/);
    });
});
