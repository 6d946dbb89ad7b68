/**
 * Silent alerting (profile hygiene, advisory): a stack that runs Alertmanager with no receiver that
 * notifies anyone. Judged on what is in view: the kube-prometheus-stack Helm release's values (a Pulumi
 * plan; the chart's own default routes everything to a receiver named "null"), otherwise the rendered
 * Alertmanager and its configuration Secret (YAML linting), plus AlertmanagerConfig objects, whose
 * receivers the operator merges in.
 */
import { KubechatStackPolicy, StackResource, asArray, isUnknown, kindOf, namespaceOf, objectName, objectRef, stackPolicy } from "./rule";

/** Alertmanager's notifier kinds: a receiver notifies when it has one of these `<kind>_configs` (camelCase in AlertmanagerConfig). */
const NOTIFIER = /^(?:[a-z0-9]+_configs|[a-z0-9]+Configs)$/i;
/** The same in an alertmanager.yaml text (the config Secret), where the keys are snake_case. */
const NOTIFIER_IN_TEXT = /^\s*-?\s*[a-z0-9]+_configs\s*:\s*(?:\n\s*-|\[\s*\S)/m;

/** Does a receivers list (parsed values or an AlertmanagerConfig spec) have a receiver that notifies? */
export function notifies(receivers: unknown): boolean {
    return asArray(receivers).some((r) => r && typeof r === "object"
        && Object.entries(r).some(([k, v]) => NOTIFIER.test(k) && (isUnknown(v) || asArray(v).length > 0)));
}

const isKpsRelease = (r: StackResource) => r.type === "kubernetes:helm.sh/v3:Release" && /(^|\/)kube-prometheus-stack$/.test(String(r.props?.chart ?? ""));

/** The text of a config Secret's alertmanager.yaml (data is base64; stringData is plain), or undefined. */
function configText(secret: StackResource | undefined): string | undefined {
    const d = secret?.props?.data?.["alertmanager.yaml"];
    if (typeof d === "string" && !isUnknown(d)) return Buffer.from(d, "base64").toString("utf8");
    const s = secret?.props?.stringData?.["alertmanager.yaml"];
    return typeof s === "string" && !isUnknown(s) ? s : undefined;
}

export const alertmanagerReceiver: KubechatStackPolicy = stackPolicy({
    name: "alertmanager-receiver",
    profile: "hygiene",
    description: "A stack that runs Alertmanager has at least one receiver that notifies someone (a *_configs entry): otherwise every alert "
        + "fires into the void (kube-prometheus-stack routes everything to \"null\" by default).",
    enforcementLevel: "advisory",
    checkStack: (resources) => {
        const extra = resources.some((r) => kindOf(r.type) === "AlertmanagerConfig" && notifies(r.props?.spec?.receivers));
        if (extra) return [];
        const releases = resources.filter(isKpsRelease);
        if (releases.length > 0) {
            return releases.flatMap((r) => {
                const am = r.props?.values?.alertmanager ?? {};
                if (am.enabled === false || isUnknown(am.config)) return [];
                const replicas = am.alertmanagerSpec?.replicas ?? 1;
                return notifies(am.config?.receivers) ? [] : [{
                    resource: r,
                    message: `Helm release ${r.props?.namespace ?? ""}/${r.props?.name ?? r.name}: runs ${replicas} Alertmanager replica(s) with no receiver that notifies anyone `
                        + `(${am.config ? "every receiver lacks *_configs" : "the chart's default routes everything to \"null\""}): alerts fire silently; set kubechat:observability.alerting`,
                }];
            });
        }
        return resources.filter((r) => kindOf(r.type) === "Alertmanager").flatMap((am) => {
            const ns = namespaceOf(am.props);
            const name = objectName(am.props, am.name);
            const secretName = am.props?.spec?.configSecret || `alertmanager-${name}`;
            const text = configText(resources.find((r) => kindOf(r.type) === "Secret" && namespaceOf(r.props) === ns && objectName(r.props, r.name) === secretName));
            if (text === undefined || NOTIFIER_IN_TEXT.test(text)) return [];
            return [{
                resource: am,
                message: `${objectRef(am.type, am.props, am.name)}: runs ${am.props?.spec?.replicas ?? 1} replica(s) and its configuration (Secret ${secretName}) has no receiver that notifies anyone: alerts fire silently`,
            }];
        });
    },
});
