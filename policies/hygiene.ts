/**
 * Hygiene: object-level rules that keep manifests operable (the cross-resource hygiene rules are in
 * stack.ts).
 */
import { WORKLOAD_KINDS, containersOf, podTemplate } from "./podspec";
import {
    KubechatResourcePolicy, Level, ResourceCheck, UNKNOWN, asArray, isK8s, isUnknown, kindOf, labelsOf, objectRef, parseType, resourcePolicy,
} from "./rule";
import { SecretFinding, findSecrets, findSecretsInBase64 } from "./secrets";

const hygiene = (name: string, description: string, check: ResourceCheck, enforcementLevel: Level = "advisory"): KubechatResourcePolicy =>
    resourcePolicy({ name, profile: "hygiene", description, enforcementLevel, check });

/** Wraps a check that only applies to some Kubernetes kinds, prefixing messages with the object's name. */
const forKinds = (kinds: string[], fn: (props: any, type: string) => string[]): ResourceCheck =>
    (type, props, ctx) => isK8s(type) && kinds.includes(kindOf(type))
        ? fn(props, type).map((m) => `${objectRef(type, props, ctx.name)}: ${m}`) : [];

export const pdbSanity = hygiene("pdb-sanity",
    "A PodDisruptionBudget sets exactly one of minAvailable/maxUnavailable and has a selector.",
    forKinds(["PodDisruptionBudget"], (props) => {
        const s = props.spec ?? {};
        const set = ["minAvailable", "maxUnavailable"].filter((f) => s[f] !== undefined && s[f] !== null);
        const out = set.length === 1 ? [] : [`spec must set exactly one of minAvailable or maxUnavailable (has ${set.length ? set.join(" and ") : "neither"})`];
        if (!s.selector) out.push("spec.selector must be set");
        return out;
    }), "mandatory");

/** Required: app.kubernetes.io/name, plus app.kubernetes.io/part-of or app.kubernetes.io/managed-by. */
export const recommendedLabels = hygiene("recommended-labels",
    "Workloads and Services carry app.kubernetes.io/name and app.kubernetes.io/part-of (or managed-by).",
    forKinds([...WORKLOAD_KINDS, "Pod", "Service"], (props) => {
        const l = labelsOf(props);
        const out: string[] = [];
        if (!l["app.kubernetes.io/name"]) out.push(`metadata.labels must include app.kubernetes.io/name`);
        if (!l["app.kubernetes.io/part-of"] && !l["app.kubernetes.io/managed-by"]) {
            out.push(`metadata.labels must include app.kubernetes.io/part-of or app.kubernetes.io/managed-by`);
        }
        return out;
    }));

/** A Pod owned by a controller (ReplicaSet, StatefulSet, Job, DaemonSet, an operator's CR ...), as rendered or exported from a cluster. */
export const hasController = (props: any): boolean => asArray(props?.metadata?.ownerReferences).some((o) => o?.controller === true);

export const noBarePods = hygiene("no-bare-pods",
    "Pods are created by a controller (Deployment, StatefulSet, Job, ...), never bare; a Pod with a controller ownerReference is not bare.",
    (type, props, ctx) => parseType(type).group === "core" && kindOf(type) === "Pod" && !hasController(props)
        ? [`${objectRef(type, props, ctx.name)}: bare Pods are not rescheduled; create it through a Deployment, StatefulSet or Job`] : [],
    "mandatory");

/** `group/version` (core: `core/v1`) -> the API to use instead. Removed or deprecated upstream. */
export const DEPRECATED_APIS: Record<string, string> = {
    "extensions/v1beta1": "apps/v1, networking.k8s.io/v1 or policy/v1",
    "apps/v1beta1": "apps/v1",
    "apps/v1beta2": "apps/v1",
    "policy/v1beta1": "policy/v1 (PodDisruptionBudget; PodSecurityPolicy was removed: use Pod Security Admission)",
    "autoscaling/v2beta1": "autoscaling/v2",
    "autoscaling/v2beta2": "autoscaling/v2",
    "networking.k8s.io/v1beta1": "networking.k8s.io/v1",
    "batch/v1beta1": "batch/v1",
    "batch/v2alpha1": "batch/v1",
    "rbac.authorization.k8s.io/v1alpha1": "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1": "rbac.authorization.k8s.io/v1",
    "storage.k8s.io/v1beta1": "storage.k8s.io/v1",
    "admissionregistration.k8s.io/v1beta1": "admissionregistration.k8s.io/v1",
    "apiextensions.k8s.io/v1beta1": "apiextensions.k8s.io/v1",
    "apiregistration.k8s.io/v1beta1": "apiregistration.k8s.io/v1",
    "authentication.k8s.io/v1beta1": "authentication.k8s.io/v1",
    "authorization.k8s.io/v1beta1": "authorization.k8s.io/v1",
    "certificates.k8s.io/v1beta1": "certificates.k8s.io/v1",
    "coordination.k8s.io/v1beta1": "coordination.k8s.io/v1",
    "discovery.k8s.io/v1beta1": "discovery.k8s.io/v1",
    "events.k8s.io/v1beta1": "events.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1": "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta2": "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta3": "flowcontrol.apiserver.k8s.io/v1",
    "node.k8s.io/v1beta1": "node.k8s.io/v1",
    "scheduling.k8s.io/v1alpha1": "scheduling.k8s.io/v1",
    "scheduling.k8s.io/v1beta1": "scheduling.k8s.io/v1",
};

export const noDeprecatedApis = hygiene("no-deprecated-apis",
    "No removed or deprecated Kubernetes API versions (extensions/v1beta1, apps/v1beta*, policy/v1beta1, autoscaling/v2beta*, ...).",
    (type, props, ctx) => {
        if (!isK8s(type)) return [];
        const { group, version } = parseType(type);
        const replacement = DEPRECATED_APIS[`${group}/${version}`];
        const apiVersion = group === "core" ? version : `${group}/${version}`;
        return replacement ? [`${objectRef(type, props, ctx.name)}: apiVersion ${apiVersion} is deprecated or removed; use ${replacement}`] : [];
    }, "mandatory");

/** A Service may be NodePort/LoadBalancer only when it is a gateway, marked by one of these labels. */
export const GATEWAY_LABELS: Record<string, string> = {
    "kubechat.ai/gateway": "true",
    "istio": "ingressgateway",
    "app.kubernetes.io/component": "gateway",
};
export function isGateway(props: any): boolean {
    const l = labelsOf(props);
    return Object.entries(GATEWAY_LABELS).some(([k, v]) => l[k] === v);
}

export const serviceExposure = hygiene("service-exposure",
    "Services of type NodePort or LoadBalancer are gateways (label kubechat.ai/gateway=true, istio=ingressgateway or app.kubernetes.io/component=gateway).",
    forKinds(["Service"], (props) => {
        const t = props.spec?.type;
        return (t === "NodePort" || t === "LoadBalancer") && !isGateway(props)
            ? [`spec.type ${t} is only allowed for gateways (label kubechat.ai/gateway: "true"); use ClusterIP behind the mesh gateway`] : [];
    }), "mandatory");

/**
 * Names that hold secrets, as the peers match them (Polaris sensitiveContainerEnvVar and
 * sensitiveConfigmapContent; kube-linter env-var-secret and configmap-with-credentials), read in their
 * sources: password, secret, token, bearer, credential, api key and private key anywhere in the name,
 * camelCase and separator-free spellings included (`dbPassword`, `authtoken`, `apikey`), and Polaris's
 * exact names AWS_SECRET_ACCESS_KEY, AZURE_*KEY, OCI_CLI_KEY_CONTENT and GOOGLE_APPLICATION_CREDENTIALS.
 * Not names that point at a secret (`*_FILE`, `*_PATH`, `*_DIR`, `*_REF`, `*_NAME`): they hold a location.
 */
export function looksSecret(key: string): boolean {
    const k = key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase().replace(/[^A-Z0-9]+/g, "_");
    if (/_(FILE|PATH|DIR|REF|NAME)$/.test(k)) return false;
    return /PASSWORD|PASSWD|SECRET|TOKEN|BEARER|CREDENTIAL|API_?KEY|PRIVATE_?KEY/.test(k) || /^AZURE_.+KEY$/.test(k) || k === "OCI_CLI_KEY_CONTENT";
}

const judged = (v: unknown): v is string => typeof v === "string" && !isUnknown(v);
const held = (found: SecretFinding[]) => found.map((f) => f.what).join(", ");

export const noLiteralSecrets = hygiene("no-literal-secrets",
    "No secrets in container env literals or ConfigMaps: neither under a secret-looking name nor by content "
        + "(PEM private keys, AWS/Azure/OCI keys, JWTs), whatever the key is called (use a Secret and valueFrom.secretKeyRef).",
    (type, props, ctx) => {
        if (!isK8s(type)) return [];
        const ref = objectRef(type, props, ctx.name);
        if (kindOf(type) === "ConfigMap") {
            const data = Object.entries(props.data ?? {}).map(([k, v]): [string, SecretFinding[]] => [k, judged(v) ? findSecrets(v) : []]);
            const binary = Object.entries(props.binaryData ?? {}).map(([k, v]): [string, SecretFinding[]] => [k, judged(v) ? findSecretsInBase64(v) : []]);
            return [...data, ...binary].flatMap(([k, found]) => found.length
                ? [`${ref}: data key "${k}" holds ${held(found)}; store it in a Secret`]
                : looksSecret(k) ? [`${ref}: data key "${k}" looks like a secret; store it in a Secret`] : []);
        }
        const pod = podTemplate(type, props);
        if (!pod) return [];
        return containersOf(pod.spec).flatMap((c) => asArray(c.container.env).flatMap((e) => {
            if (typeof e?.name !== "string" || typeof e.value !== "string" || e.value === "" || e.value === UNKNOWN) return [];
            // A literal Pulumi marks [secret] is still in the object in clear: a secret-looking name fails on it too.
            const found = isUnknown(e.value) ? [] : findSecrets(e.value);
            if (found.length) return [`${ref}: ${c.label} env ${e.name} holds ${held(found)}; use valueFrom.secretKeyRef`];
            return looksSecret(e.name) ? [`${ref}: ${c.label} env ${e.name} has a literal value; use valueFrom.secretKeyRef`] : [];
        }));
    }, "mandatory");

export const noDuplicateEnv = hygiene("no-duplicate-env",
    "No container declares the same env var name twice (the last one silently wins).",
    (type, props, ctx) => {
        const pod = podTemplate(type, props);
        if (!pod) return [];
        return containersOf(pod.spec).flatMap((c) => {
            const names = asArray(c.container.env).map((e) => e?.name).filter((n): n is string => typeof n === "string");
            const dup = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
            return dup.length ? [`${objectRef(type, props, ctx.name)}: ${c.label} declares env ${dup.join(", ")} more than once; only the last value takes effect`] : [];
        });
    }, "mandatory");

/** Where a container takes a Secret as environment: `env[].valueFrom.secretKeyRef` and `envFrom[].secretRef`. */
export function secretEnvSources(container: any): string[] {
    const keyRefs = asArray(container?.env).filter((e) => e?.valueFrom?.secretKeyRef)
        .map((e) => `env ${e.name} from Secret ${e.valueFrom.secretKeyRef.name} (key ${e.valueFrom.secretKeyRef.key})`);
    const whole = asArray(container?.envFrom).filter((e) => e?.secretRef).map((e) => `envFrom Secret ${e.secretRef.name}`);
    return [...keyRefs, ...whole];
}

export const secretsAsFiles = hygiene("secrets-as-files",
    "Containers read Secrets from mounted files rather than environment variables (env valueFrom.secretKeyRef, envFrom.secretRef), "
        + "where the program can read a file: the environment is inherited by every child process, shows in /proc and in crash dumps. Advisory: "
        + "add-ons that read a secret only from the environment are written exceptions with their reason.",
    (type, props, ctx) => {
        const pod = podTemplate(type, props);
        if (!pod) return [];
        const ref = objectRef(type, props, ctx.name);
        return containersOf(pod.spec).flatMap((c) => secretEnvSources(c.container).map((src) => `${ref}: ${c.label} takes ${src}; mount the Secret as a file where the program can read one`));
    });

export const hygieneResourcePolicies = [pdbSanity, recommendedLabels, noBarePods, noDeprecatedApis, serviceExposure, noLiteralSecrets, noDuplicateEnv, secretsAsFiles];
