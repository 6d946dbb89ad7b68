/**
 * KubeChat's own workload rules: what every pod the product ships must satisfy, on top of (and partly
 * sharing code with) the Pod Security Standards.
 */
import { PodTemplate, containersOf, isLongRunning, podCheck, podTemplate } from "./podspec";
import { noPrivilegeEscalation, runAsNonRoot, runAsUserNonZero } from "./pss";
import { KubechatResourcePolicy, ResourceCheck, isUnknown, objectRef, resourcePolicy } from "./rule";

const kubechat = (name: string, description: string, check: ResourceCheck, config?: "approvedRegistries"): KubechatResourcePolicy =>
    resourcePolicy({ name, profile: "kubechat", description, enforcementLevel: "mandatory", check, config: config ? [config] : undefined });

export const kubechatNonRoot = kubechat("kubechat-non-root",
    "Containers run as non-root: runAsNonRoot true (pod or container) and never runAsUser 0.",
    podCheck((pod) => [...runAsNonRoot(pod), ...runAsUserNonZero(pod)]));

export const kubechatReadOnlyRootFs = kubechat("kubechat-read-only-root-fs",
    "Containers and init containers set securityContext.readOnlyRootFilesystem: true (mount emptyDir for /tmp).",
    podCheck((pod) => containersOf(pod.spec, ["containers", "initContainers"])
        .filter((c) => c.container.securityContext?.readOnlyRootFilesystem !== true
            && !isUnknown(c.container.securityContext?.readOnlyRootFilesystem))
        .map((c) => `${c.label} must set securityContext.readOnlyRootFilesystem: true`)));

export const kubechatResources = kubechat("kubechat-resources",
    "Containers and init containers declare CPU and memory requests and limits.",
    podCheck((pod) => containersOf(pod.spec, ["containers", "initContainers"]).flatMap((c) => {
        const r = c.container.resources;
        if (isUnknown(r)) return [];
        const missing = ["requests", "limits"].flatMap((kind) => ["cpu", "memory"]
            .filter((res) => !isUnknown(r?.[kind]) && (r?.[kind]?.[res] === undefined || r[kind][res] === ""))
            .map((res) => `resources.${kind}.${res}`));
        return missing.length ? [`${c.label} must set ${missing.join(", ")}`] : [];
    })));

export const kubechatNoPrivilegeEscalation = kubechat("kubechat-no-privilege-escalation",
    "Containers set securityContext.allowPrivilegeEscalation: false.",
    podCheck(noPrivilegeEscalation));

/** Splits an image reference; `tag` is undefined when untagged, `digest` when not pinned by digest. */
export function parseImage(image: string): { name: string; tag?: string; digest?: string } {
    const [ref, digest] = image.split("@", 2);
    const slash = ref.lastIndexOf("/");
    const colon = ref.lastIndexOf(":");
    // A colon before the last slash belongs to a registry port (registry:5000/app), not a tag.
    return colon > slash ? { name: ref.slice(0, colon), tag: ref.slice(colon + 1), digest } : { name: ref, digest };
}

const imagesOf = (pod: PodTemplate) => containersOf(pod.spec)
    .filter((c) => typeof c.container.image === "string" && !isUnknown(c.container.image));

export const kubechatImagePinned = kubechat("kubechat-image-pinned",
    "Images are pinned: a tag other than latest, or a digest.",
    podCheck((pod) => imagesOf(pod).flatMap((c) => {
        const img = parseImage(c.container.image);
        if (img.digest) return [];
        if (!img.tag) return [`${c.label} image "${c.container.image}" must be pinned to a tag or digest (untagged means latest)`];
        if (img.tag === "latest") return [`${c.label} image "${c.container.image}" must not use the latest tag`];
        return [];
    })));

/** `registry.example.com/team` approves `registry.example.com/team/app:1.0` (prefix + "/"). */
export function fromApprovedRegistry(image: string, registries: string[]): boolean {
    return registries.some((r) => image.startsWith(r.endsWith("/") ? r : `${r}/`));
}

export const kubechatApprovedRegistry = kubechat("kubechat-approved-registry",
    "Images come from a registry in the approvedRegistries config (prefix match; empty list = any registry).",
    (type, props, ctx) => {
        const pod = podTemplate(type, props);
        if (!pod || ctx.approvedRegistries.length === 0) return [];
        const ref = objectRef(type, props, ctx.name);
        return imagesOf(pod)
            .filter((c) => !fromApprovedRegistry(c.container.image, ctx.approvedRegistries))
            .map((c) => `${ref}: ${c.label} image "${c.container.image}" is not from an approved registry (${ctx.approvedRegistries.join(", ")})`);
    }, "approvedRegistries");

export const kubechatProbes = kubechat("kubechat-probes",
    "Long-running workloads (Deployment, StatefulSet, DaemonSet, Rollout) define readiness and liveness probes on every container.",
    podCheck((pod, type) => !isLongRunning(type) ? [] : containersOf(pod.spec, ["containers"]).flatMap((c) =>
        ["readinessProbe", "livenessProbe"].filter((p) => !c.container[p]).map((p) => `${c.label} must define ${p}`))));

export const kubechatPolicies = [
    kubechatNonRoot, kubechatReadOnlyRootFs, kubechatResources, kubechatNoPrivilegeEscalation,
    kubechatImagePinned, kubechatApprovedRegistry, kubechatProbes,
];
