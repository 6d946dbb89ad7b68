/** Alert routing (pure): receivers by Secret file, severity routes, inhibition, EKS control-plane monitors. */
import * as assert from "assert";
import { Catalog } from "../../components/catalog";
import { ConfigError, parseConfig } from "../../components/config";
import { AlertingSettings, alertingProblems, alertmanagerConfig, receiverSecrets } from "../../components/observability/alerting";
import { kubePrometheusStackValues } from "../../components/observability/prometheus";

import { minimalOnPremConfig as base } from "../harness";
const alerting = (a: Record<string, unknown> = {}): AlertingSettings => parseConfig({ ...base(), observability: { alerting: a } }, "p", "s").observability.alerting;
const problems = (a: Record<string, unknown>): string[] => {
    try {
        parseConfig({ ...base(), observability: { alerting: a } }, "kubechat", "s");
    } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return (e as ConfigError).problems;
    }
    return [];
};

describe("alert routing (unit)", () => {
    it("with no receiver enabled every alert goes to null (the explicit default)", () => {
        const c: any = alertmanagerConfig(alerting());
        assert.deepStrictEqual(c.receivers, [{ name: "null" }]);
        assert.strictEqual(c.route.receiver, "null");
        assert.deepStrictEqual(c.route.routes.map((r: any) => r.receiver), ["null"]);
        assert.deepStrictEqual(receiverSecrets(alerting()), []);
    });

    it("routes each receiver's severities (continue: several receivers may take an alert), Watchdog/InfoInhibitor to null", () => {
        const a = alerting({
            pagerduty: { enabled: true, secretName: "am-receivers" },
            slack: { enabled: true, secretName: "am-receivers", channel: "#ops", severities: ["warning"] },
            webhook: { enabled: true, secretName: "hooks", secretKey: "endpoint" },
        });
        const c: any = alertmanagerConfig(a);
        assert.deepStrictEqual(c.route.routes, [
            { receiver: "null", matchers: ['alertname =~ "Watchdog|InfoInhibitor"'] },
            { receiver: "webhook", matchers: ['severity =~ "critical|warning"'], continue: true },
            { receiver: "slack", matchers: ['severity =~ "warning"'], continue: true },
            { receiver: "pagerduty", matchers: ['severity =~ "critical"'], continue: true },
        ]);
        assert.deepStrictEqual(c.route.group_by, ["namespace", "alertname"]);
        assert.strictEqual(c.route.repeat_interval, "4h");
        // Credentials only as files under the operator's Secret mount.
        const byName = Object.fromEntries(c.receivers.map((r: any) => [r.name, r]));
        assert.deepStrictEqual(byName.webhook.webhook_configs, [{ url_file: "/etc/alertmanager/secrets/hooks/endpoint", send_resolved: true }]);
        assert.deepStrictEqual(byName.slack.slack_configs, [{ api_url_file: "/etc/alertmanager/secrets/am-receivers/api-url", send_resolved: true, channel: "#ops" }]);
        assert.deepStrictEqual(byName.pagerduty.pagerduty_configs, [{ routing_key_file: "/etc/alertmanager/secrets/am-receivers/routing-key", send_resolved: true }]);
        assert.deepStrictEqual(receiverSecrets(a), ["hooks", "am-receivers"]);
    });

    it("criticals inhibit warnings of the same alert in the same namespace", () => {
        const c: any = alertmanagerConfig(alerting());
        assert.deepStrictEqual(c.inhibit_rules[0], {
            source_matchers: ['severity = "critical"'], target_matchers: ['severity =~ "warning|info"'], equal: ["namespace", "alertname"],
        });
    });

    it("e-mail: addresses required, the SMTP password only as a file and only with a user", () => {
        const noAuth: any = alertmanagerConfig(alerting({ email: { enabled: true, to: "ops@example.com", from: "am@example.com", smarthost: "smtp.example.com:587" } }));
        assert.strictEqual(noAuth.receivers[1].email_configs[0].auth_password_file, undefined);
        const auth = alerting({ email: { enabled: true, to: "ops@example.com", from: "am@example.com", smarthost: "smtp.example.com:587", username: "am", secretName: "smtp" } });
        assert.strictEqual((alertmanagerConfig(auth) as any).receivers[1].email_configs[0].auth_password_file, "/etc/alertmanager/secrets/smtp/smtp-password");
        assert.deepStrictEqual(receiverSecrets(auth), ["smtp"]);
        assert.deepStrictEqual(problems({ email: { enabled: true } }), [
            "kubechat:observability.alerting.email.to: is required when email.enabled is true",
            "kubechat:observability.alerting.email.from: is required when email.enabled is true",
            "kubechat:observability.alerting.email.smarthost: is required when email.enabled is true",
        ]);
    });

    it("rejects an enabled receiver without its Secret, and bad severities, naming the key", () => {
        assert.deepStrictEqual(problems({ pagerduty: { enabled: true } }), [
            "kubechat:observability.alerting.pagerduty.secretName: is required when pagerduty.enabled is true",
        ]);
        assert.ok(problems({ slack: { severities: ["info"] } }).some((p) => p.startsWith("kubechat:observability.alerting.slack.severities")));
        assert.deepStrictEqual(alertingProblems(alerting({ slack: { severities: ["warning"] } })), []);
    });

    it("kube-prometheus-stack: routing config and mounted Secrets; control-plane monitors only where asked for", () => {
        const sizing = { retentionDays: 30, storage: "100Gi", storageClass: "gp3", ha: true };
        const a = alerting({ pagerduty: { enabled: true, secretName: "am-receivers" } });
        const eks: any = kubePrometheusStackValues(new Catalog(), sizing, { alerting: a });
        assert.deepStrictEqual(eks.alertmanager.config, alertmanagerConfig(a));
        assert.deepStrictEqual(eks.alertmanager.alertmanagerSpec.secrets, ["am-receivers"]);
        for (const k of ["kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy"]) assert.deepStrictEqual(eks[k], { enabled: false }, k);
        assert.ok(problems({}).length === 0);
        const onPrem: any = kubePrometheusStackValues(new Catalog(), sizing, { alerting: a, controlPlaneMetrics: true });
        for (const k of ["kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy"]) assert.strictEqual(onPrem[k], undefined, k);
        // Without Alertmanager (non-HA stacks) the chart ignores routing: none is passed.
        const single: any = kubePrometheusStackValues(new Catalog(), { ...sizing, ha: false }, { alerting: a });
        assert.deepStrictEqual([single.alertmanager.enabled, single.alertmanager.config, single.alertmanager.alertmanagerSpec.secrets], [false, undefined, undefined]);
    });
});
