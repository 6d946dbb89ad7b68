/**
 * The Trivy Operator (components/security/trivy.ts): on in staging and prod, off in dev and with
 * `trivy.enabled: false`; images and the DB/checks artifacts from the catalog (mirror included) and in
 * airgap.json; its metrics scraped once per pod; the fixable-CRITICAL alert routed like the others.
 */
import * as assert from "assert";
import { AIRGAP, Plan, planStack, renderedStack } from "../harness";
import { TRIVY_METRICS_PORT, trivyAlertRules } from "../../components/security/trivy";
import { alertmanagerConfig } from "../../components/observability/alerting";

const release = (plan: Plan) => plan.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.name === "trivy-operator");
const crs = (plan: Plan, kind: string, name: string) => plan.resources.filter((r) => r.inputs?.kind === kind && r.inputs.metadata?.name === name).map((r) => r.inputs);

/** Alertmanager receivers an alert with these labels reaches (routes with `continue`, `=` / `=~` matchers as alertmanagerConfig writes them). */
function receiversFor(config: any, labels: Record<string, string>): string[] {
    const matches = (m: string) => {
        const [, key, op, value] = /^(\w+) (=~|=) "(.*)"$/.exec(m)!;
        return op === "=" ? labels[key] === value : new RegExp(`^(?:${value})$`).test(labels[key] ?? "");
    };
    const out: string[] = [];
    for (const r of config.route.routes) {
        if (!r.matchers.every(matches)) continue;
        out.push(r.receiver);
        if (!r.continue) break;
    }
    return out.length > 0 ? out : [config.route.receiver];
}

describe("Trivy Operator", () => {
    it("runs in staging and prod, not in dev, and not with trivy.enabled: false", async () => {
        assert.strictEqual(release(await planStack("staging")).length, 1);
        assert.strictEqual(release(await planStack("prod")).length, 1);
        assert.strictEqual(release(await planStack("dev")).length, 0);
        const off = await planStack("staging", { trivy: { enabled: false } });
        assert.strictEqual(release(off).length, 0);
        assert.deepStrictEqual(off.resources.filter((r) => r.inputs?.metadata?.namespace === "trivy-system").map((r) => r.name), []);
    });

    it("renders cleanly: schemas, the pack with its written exceptions, none stale", async () => {
        const { checks } = await renderedStack("staging");
        assert.deepStrictEqual(checks.violations.filter((v) => v.chart === "trivy-operator").map((v) => `${v.policy}: ${v.message}`), []);
        assert.deepStrictEqual(checks.unusedExceptions.filter((e) => e.chart === "trivy-operator").map((e) => `${e.object} ${e.policy}`), []);
        assert.deepStrictEqual(checks.schema.errors, []);
    });

    it("airgap.json lists the operator, the scan jobs' Trivy and node-collector images and the DB and checks artifacts; with kubechat:registry all come from it", async () => {
        const up = await renderedStack("staging");
        const images = (c: typeof up.checks) => [...new Set(c.images.filter((f) => f.object.includes("trivy-system/")).map((f) => f.image))].sort();
        assert.deepStrictEqual(images(up.checks), ["ghcr.io/aquasecurity/node-collector:0.3.1", "mirror.gcr.io/aquasec/trivy-operator:0.32.0", "mirror.gcr.io/aquasec/trivy:0.72.0"]);
        assert.deepStrictEqual([...new Set(up.checks.artifacts.map((f) => f.image))].sort(),
            ["mirror.gcr.io/aquasec/trivy-checks:1", "mirror.gcr.io/aquasec/trivy-db:2", "mirror.gcr.io/aquasec/trivy-java-db:1"]);
        const down = await renderedStack("staging", AIRGAP);
        assert.deepStrictEqual(down.checks.outsideRegistry.map((f) => f.image), []);
        assert.deepStrictEqual([...new Set(down.checks.artifacts.map((f) => f.image))].sort(),
            ["aquasec/trivy-checks:1", "aquasec/trivy-db:2", "aquasec/trivy-java-db:1"].map((p) => `${AIRGAP.registry}/${p}`));
        // The chart's own value names carry the mirror (trivy.dbRegistry/dbRepository, javaDbRegistry/javaDbRepository).
        const values = release(await planStack("staging", AIRGAP))[0].inputs.values;
        assert.strictEqual(values.trivy.dbRegistry, AIRGAP.registry);
        assert.strictEqual(values.trivy.javaDbRepository, "aquasec/trivy-java-db");
    });

    it("metrics: one ServiceMonitor in monitoring whose selector matches exactly one Service over the operator's one pod, on the port Prometheus may reach", async () => {
        const { plan, render } = await renderedStack("staging");
        const sm = crs(plan, "ServiceMonitor", "trivy-operator");
        assert.strictEqual(sm.length, 1);
        assert.strictEqual(sm[0].metadata.namespace, "monitoring");
        assert.deepStrictEqual(sm[0].spec.namespaceSelector.matchNames, ["trivy-system"]);
        const objs = render.releases.find((r) => r.release.name === "trivy-operator")!.objects.map((o) => o.object);
        const sel = sm[0].spec.selector.matchLabels;
        const services = objs.filter((o) => o.kind === "Service" && Object.entries<string>(sel).every(([k, v]) => o.metadata.labels?.[k] === v));
        assert.strictEqual(services.length, 1, "one Service, so each pod is scraped once");
        const deploy = objs.find((o) => o.kind === "Deployment");
        assert.strictEqual(deploy.spec.replicas, 1);
        const port = deploy.spec.template.spec.containers[0].ports.find((p: any) => p.name === sm[0].spec.endpoints[0].port);
        assert.strictEqual(port.containerPort, TRIVY_METRICS_PORT);
        const prom = plan.resources.find((r) => r.inputs?.kind === "NetworkPolicy" && r.inputs.metadata.namespace === "monitoring" && r.inputs.metadata.name === "prometheus")!;
        assert.ok(prom.inputs.spec.egress.some((e: any) => e.ports.some((p: any) => p.port === TRIVY_METRICS_PORT)
            && e.to.some((t: any) => t.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === "trivy-system")));
        // The per-vulnerability series the alert reads are switched on.
        assert.strictEqual(release(plan)[0].inputs.values.operator.metricsVulnIdEnabled, true);
    });

    it("the fixable-CRITICAL alert is in the platform rules and reaches the receivers criticals go to (prod: PagerDuty and Slack)", async () => {
        const plan = await planStack("prod");
        const rule = crs(plan, "PrometheusRule", "kubechat-alerts")[0].spec.groups.flatMap((g: any) => g.rules).find((r: any) => r.alert === "KubeChatFixableCriticalVulnerability");
        assert.deepStrictEqual(rule, trivyAlertRules("trivy-system")[0]);
        assert.match(rule.expr, /trivy_vulnerability_id\{[^}]*severity="Critical"[^}]*fixed_version!=""/);
        const config = alertmanagerConfig(plan.config.observability.alerting);
        assert.deepStrictEqual(receiversFor(config, { alertname: rule.alert, ...rule.labels, namespace: "kubechat-system" }).sort(), ["pagerduty", "slack"]);
        // A warning would not page: the routing is by severity, as for every other alert.
        assert.deepStrictEqual(receiversFor(config, { alertname: rule.alert, severity: "warning" }), ["slack"]);
    });
});
