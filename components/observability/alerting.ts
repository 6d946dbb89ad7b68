/**
 * Alert routing (pure): the Alertmanager configuration kube-prometheus-stack renders, built from
 * `kubechat:observability.alerting`. Receivers read their credentials from files: each Secret named in
 * the config is mounted by the Prometheus Operator at `/etc/alertmanager/secrets/<name>/` (chart value
 * `alertmanager.alertmanagerSpec.secrets`) and Alertmanager's `*_file` fields point there, so no URL,
 * key or password passes through Pulumi, the plan or the rendered configuration.
 */

/** One receiver: on or off, the severities routed to it and the Secret key holding its credential. */
export interface ReceiverSettings {
    enabled: boolean;
    /** Severities routed here (at least one). */
    severities: ("critical" | "warning")[];
    /** Secret in the monitoring namespace, mounted into Alertmanager; required when enabled (e-mail: with a username). */
    secretName: string;
    /** Key of the credential in secretName. */
    secretKey: string;
}

/** Alert routing settings (`kubechat:observability.alerting` satisfies it). */
export interface AlertingSettings {
    /** Labels alerts are grouped by into one notification. */
    groupBy: string[];
    /** Hours before a still-firing alert is notified again. */
    repeatHours: number;
    webhook: ReceiverSettings;
    /** channel: empty = the incoming webhook's default. */
    slack: ReceiverSettings & { channel: string };
    pagerduty: ReceiverSettings;
    /** to/from/smarthost are required when enabled; username empty = no SMTP authentication. */
    email: ReceiverSettings & { to: string; from: string; smarthost: string; username: string };
}
type ReceiverKind = "webhook" | "slack" | "pagerduty" | "email";
const KINDS: ReceiverKind[] = ["webhook", "slack", "pagerduty", "email"];

/** Where the Prometheus Operator mounts the Secrets listed in `alertmanagerSpec.secrets`. */
export const ALERTMANAGER_SECRETS_DIR = "/etc/alertmanager/secrets";
/** The receiver that drops what no one should be notified of (and everything, with no receiver enabled). */
export const NULL_RECEIVER = "null";

/** Config-level rules: an enabled receiver names its Secret (and e-mail its addresses). Pure; `key: reason`. */
export function alertingProblems(a: AlertingSettings): string[] {
    const p: string[] = [];
    for (const kind of KINDS) {
        const r = a[kind];
        if (!r.enabled) continue;
        const needsSecret = kind !== "email" || a.email.username !== "";
        if (needsSecret && r.secretName === "") p.push(`${kind}.secretName: is required when ${kind}.enabled is true${kind === "email" ? " and a username is set" : ""}`);
    }
    if (a.email.enabled) {
        for (const key of ["to", "from", "smarthost"] as const) {
            if (a.email[key] === "") p.push(`email.${key}: is required when email.enabled is true`);
        }
    }
    return p;
}

const file = (secretName: string, key: string) => `${ALERTMANAGER_SECRETS_DIR}/${secretName}/${key}`;

/** The receivers that are enabled, in a fixed order. */
export function enabledReceivers(a: AlertingSettings): ReceiverKind[] {
    return KINDS.filter((k) => a[k].enabled);
}

/** One Alertmanager receiver per enabled kind; every credential is a `*_file` path. */
function receiver(a: AlertingSettings, kind: ReceiverKind): Record<string, unknown> {
    switch (kind) {
        case "webhook":
            return { name: kind, webhook_configs: [{ url_file: file(a.webhook.secretName, a.webhook.secretKey), send_resolved: true }] };
        case "slack":
            return {
                name: kind,
                slack_configs: [{
                    api_url_file: file(a.slack.secretName, a.slack.secretKey), send_resolved: true,
                    ...(a.slack.channel ? { channel: a.slack.channel } : {}),
                }],
            };
        case "pagerduty":
            return { name: kind, pagerduty_configs: [{ routing_key_file: file(a.pagerduty.secretName, a.pagerduty.secretKey), send_resolved: true }] };
        case "email": {
            const e = a.email;
            return {
                name: kind,
                email_configs: [{
                    to: e.to, from: e.from, smarthost: e.smarthost, require_tls: true, send_resolved: true,
                    ...(e.username ? { auth_username: e.username, auth_password_file: file(e.secretName, e.secretKey) } : {}),
                }],
            };
        }
    }
}

/** Secrets Alertmanager must mount (each once). */
export function receiverSecrets(a: AlertingSettings): string[] {
    const names = enabledReceivers(a)
        .filter((k) => k !== "email" || a.email.username !== "")
        .map((k) => a[k].secretName);
    return [...new Set(names)];
}

/**
 * The Alertmanager configuration: every enabled receiver gets the severities it asked for (each route
 * `continue`s, so several receivers can take the same alert); the chart's always-firing `Watchdog` and
 * `InfoInhibitor` and anything no receiver wants go to `null`. Criticals inhibit warnings (and infos)
 * of the same alert in the same namespace, warnings inhibit infos.
 */
export function alertmanagerConfig(a: AlertingSettings): Record<string, unknown> {
    const kinds = enabledReceivers(a);
    return {
        global: { resolve_timeout: "5m" },
        route: {
            receiver: NULL_RECEIVER,
            group_by: a.groupBy,
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: `${a.repeatHours}h`,
            routes: [
                { receiver: NULL_RECEIVER, matchers: ['alertname =~ "Watchdog|InfoInhibitor"'] },
                ...kinds.map((k) => ({ receiver: k, matchers: [`severity =~ "${a[k].severities.join("|")}"`], continue: true })),
            ],
        },
        inhibit_rules: [
            { source_matchers: ['severity = "critical"'], target_matchers: ['severity =~ "warning|info"'], equal: ["namespace", "alertname"] },
            { source_matchers: ['severity = "warning"'], target_matchers: ['severity = "info"'], equal: ["namespace", "alertname"] },
            { source_matchers: ['alertname = "InfoInhibitor"'], target_matchers: ['severity = "info"'], equal: ["namespace"] },
        ],
        receivers: [{ name: NULL_RECEIVER }, ...kinds.map((k) => receiver(a, k))],
        templates: ["/etc/alertmanager/config/*.tmpl"],
    };
}
