/**
 * Cross-resource policies: what no single object shows. Each needs the whole set of resources (all
 * resources of a preview in CrossGuard, where such a policy is called a stack policy; all documents of
 * a `policy check` run offline). Objects are matched by
 * namespace + kind + name, and pods by label selectors, as Kubernetes does.
 */
import { EKS_CLUSTER, KMS_KEY, S3_BUCKETS } from "./aws";
import { exemptNamespaces, networkPoliciesIn, policyTypes } from "./network";
import { PodTemplate, podTemplate } from "./podspec";
import {
    KubechatStackPolicy, Level, Profile, StackCheck, StackResource, asArray, groupBy, isK8s, isUnknown, kindOf, namespaceOf, objectName, objectRef,
    perStack, resourcePolicy, selects, stackPolicy,
} from "./rule";

interface Workload {
    r: StackResource;
    kind: string;
    ns: string;
    name: string;
    pod: PodTemplate;
    /** How messages name it: `Deployment kubechat/api-gateway`. */
    ref: string;
}

const workloads = perStack((resources: StackResource[]): Workload[] => {
    const out: Workload[] = [];
    for (const r of resources) {
        const pod = podTemplate(r.type, r.props);
        if (!pod) continue;
        out.push({ r, kind: kindOf(r.type), ns: namespaceOf(r.props), name: objectName(r.props, r.name), pod, ref: objectRef(r.type, r.props, r.name) });
    }
    return out;
});

/** Kubernetes resources by kind. */
const byKind = perStack((resources: StackResource[]) => groupBy(resources.filter((r) => isK8s(r.type)), (r) => kindOf(r.type)));
const ofKind = (resources: StackResource[], kind: string): StackResource[] => byKind(resources).get(kind) ?? [];

/** Autoscalers by kind, reference field and the namespace/kind/name they target. */
const AUTOSCALER_REF: Record<string, string> = { HorizontalPodAutoscaler: "scaleTargetRef", VerticalPodAutoscaler: "targetRef" };
const targetKey = (ns: unknown, kind: unknown, name: unknown) => JSON.stringify([ns, kind, name]);
const autoscalerIndex = perStack((resources: StackResource[]) => new Map(Object.entries(AUTOSCALER_REF).map(([kind, refField]) =>
    [kind, groupBy(ofKind(resources, kind), (a) => targetKey(namespaceOf(a.props), a.props?.spec?.[refField]?.kind, a.props?.spec?.[refField]?.name))])));

/** The autoscalers (HPA or VPA) aimed at a workload. */
function autoscalersOf(resources: StackResource[], kind: "HorizontalPodAutoscaler" | "VerticalPodAutoscaler", w: Workload): StackResource[] {
    return autoscalerIndex(resources).get(kind)?.get(targetKey(w.ns, w.kind, w.name)) ?? [];
}
const hpaOf = (resources: StackResource[], w: Workload): StackResource | undefined =>
    autoscalersOf(resources, "HorizontalPodAutoscaler", w)[0];

const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
/** Lowest replica count: the HPA's minReplicas (default 1) or spec.replicas (default 1); undefined when unknown. */
function replicaFloor(resources: StackResource[], w: Workload): number | undefined {
    const hpa = hpaOf(resources, w);
    const v = hpa ? hpa.props.spec?.minReplicas ?? 1 : w.r.props?.spec?.replicas ?? 1;
    return num(v);
}
/** Highest replica count: the HPA's maxReplicas or spec.replicas (default 1). */
function replicaCeiling(resources: StackResource[], w: Workload): number | undefined {
    const hpa = hpaOf(resources, w);
    return num(hpa ? hpa.props.spec?.maxReplicas : w.r.props?.spec?.replicas ?? 1);
}

const SCALED_KINDS = ["Deployment", "StatefulSet", "ReplicaSet", "Rollout"];

const crossResource = (name: string, profile: Profile, description: string, checkStack: StackCheck, enforcementLevel: Level = "mandatory", config?: ("persistent" | "zones")[]): KubechatStackPolicy =>
    stackPolicy({ name, profile, description, enforcementLevel, checkStack, config });

export const hpaDeclaredReplicas = crossResource("hpa-declared-replicas", "hygiene",
    "A workload scaled by an HPA does not declare spec.replicas (every update would reset it), unless spec.replicas is in ignoreChanges.",
    (resources) => workloads(resources)
        .filter((w) => SCALED_KINDS.includes(w.kind) && w.r.props?.spec?.replicas !== undefined && !w.r.ignoreChanges.includes("spec.replicas"))
        .flatMap((w) => {
            const hpa = hpaOf(resources, w);
            return hpa ? [{ resource: w.r, message: `${w.ref}: spec.replicas is set while HorizontalPodAutoscaler ${objectName(hpa.props, hpa.name)} scales it; omit spec.replicas` }] : [];
        }));

/** Resources an HPA scales on: Resource/ContainerResource metrics, default CPU (v2 without metrics, v1). */
function hpaResources(hpa: any): string[] {
    const metrics = asArray(hpa?.spec?.metrics);
    if (metrics.length === 0) return ["cpu"];
    return metrics.flatMap((m) => m?.type === "Resource" ? [m.resource?.name] : m?.type === "ContainerResource" ? [m.containerResource?.name] : []);
}
/** Resources a VPA changes: none with updateMode Off; else controlledResources of active container policies (default cpu+memory). */
function vpaResources(vpa: any): string[] {
    const mode = vpa?.spec?.updatePolicy?.updateMode;
    if (mode === "Off" || isUnknown(mode)) return [];
    const policies = asArray(vpa?.spec?.resourcePolicy?.containerPolicies);
    if (policies.length === 0) return ["cpu", "memory"];
    return policies.filter((p) => p?.mode !== "Off").flatMap((p) => asArray<string>(p.controlledResources ?? ["cpu", "memory"]));
}

export const vpaHpaConflict = crossResource("vpa-hpa-conflict", "hygiene",
    "A VPA that acts (updateMode not Off) does not control CPU or memory that an HPA on the same workload scales on.",
    (resources) => workloads(resources).flatMap((w) => {
        const hpa = hpaOf(resources, w);
        if (!hpa) return [];
        const scaled = hpaResources(hpa.props);
        return autoscalersOf(resources, "VerticalPodAutoscaler", w).flatMap((vpa) => {
            const both = [...new Set(vpaResources(vpa.props).filter((r) => scaled.includes(r)))];
            return both.length ? [{
                resource: vpa,
                message: `${objectRef(vpa.type, vpa.props, vpa.name)}: acts on ${both.join(", ")} of ${w.ref}, which HorizontalPodAutoscaler ${objectName(hpa.props, hpa.name)} scales on; `
                    + `set spec.updatePolicy.updateMode: Off or limit controlledResources`,
            }] : [];
        });
    }));

export const vpaUpdateModeAuto = resourcePolicy({
    name: "vpa-update-mode-auto",
    profile: "hygiene",
    description: "VPA updateMode Auto is deprecated; use Recreate or InPlaceOrRecreate (or Off/Initial).",
    enforcementLevel: "advisory",
    check: (type, props, ctx) => isK8s(type) && kindOf(type) === "VerticalPodAutoscaler" && props?.spec?.updatePolicy?.updateMode === "Auto"
        ? [`${objectRef(type, props, ctx.name)}: spec.updatePolicy.updateMode Auto is deprecated; use Recreate or InPlaceOrRecreate`] : [],
});

/** Minimum pods a PDB's minAvailable demands out of `n` (ints as-is, percentages rounded up as Kubernetes does). */
function demanded(minAvailable: unknown, n: number): number | undefined {
    if (typeof minAvailable === "number") return minAvailable;
    const m = typeof minAvailable === "string" ? /^(\d+)%$/.exec(minAvailable) : null;
    return m ? Math.ceil((Number(m[1]) * n) / 100) : undefined;
}

export const pdbBlocksEvictions = crossResource("pdb-blocks-evictions", "hygiene",
    "A PodDisruptionBudget allows at least one eviction: maxUnavailable not 0/0%, minAvailable not 100% and below the workload's replica floor (HPA minReplicas).",
    (resources) => ofKind(resources, "PodDisruptionBudget").flatMap((pdb) => {
        const spec = pdb.props?.spec ?? {};
        const ref = objectRef(pdb.type, pdb.props, pdb.name);
        if (spec.maxUnavailable === 0 || spec.maxUnavailable === "0%") {
            return [{ resource: pdb, message: `${ref}: spec.maxUnavailable ${spec.maxUnavailable} blocks every voluntary eviction (node drains hang)` }];
        }
        // 100% of any replica count is every pod: no workload needs to be in view.
        if (spec.minAvailable === "100%") {
            return [{ resource: pdb, message: `${ref}: spec.minAvailable 100% blocks every voluntary eviction (node drains hang)` }];
        }
        if (spec.minAvailable === undefined || !spec.selector) return [];
        return workloads(resources)
            .filter((w) => SCALED_KINDS.includes(w.kind) && w.ns === namespaceOf(pdb.props) && selects(spec.selector, w.pod.metadata?.labels ?? {}))
            .flatMap((w) => {
                const floor = replicaFloor(resources, w);
                const need = floor === undefined ? undefined : demanded(spec.minAvailable, floor);
                return floor !== undefined && need !== undefined && need >= floor ? [{
                    resource: pdb,
                    message: `${ref}: spec.minAvailable ${spec.minAvailable} with ${floor} replica(s) of ${w.ref} blocks every voluntary eviction; lower it below the replica floor`,
                }] : [];
            });
    }));

const ZONE_KEYS = ["topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone"];
export const zoneAntiAffinityReplicas = crossResource("zone-anti-affinity-replicas", "hygiene",
    "Required podAntiAffinity on the zone key caps replicas at the zone count: max replicas (HPA maxReplicas) must not exceed the zones.",
    (resources, ctx) => workloads(resources).flatMap((w) => {
        const terms = asArray(w.pod.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
        if (!terms.some((t) => ZONE_KEYS.includes(t?.topologyKey))) return [];
        const max = replicaCeiling(resources, w);
        return max !== undefined && max > ctx.zones ? [{
            resource: w.r,
            message: `${w.ref}: required podAntiAffinity on topology.kubernetes.io/zone allows at most ${ctx.zones} pod(s) but up to ${max} replicas are wanted; `
                + `use topologySpreadConstraints (maxSkew: 1) instead`,
        }] : [];
    }), "mandatory", ["zones"]);

export const workloadNetworkPolicy = crossResource("workload-network-policy", "network",
    "Every workload's pods are selected (label selectors matched as Kubernetes does) by NetworkPolicies in its namespace that together restrict both ingress and egress (system namespaces exempt).",
    (resources) => {
        const exempt = exemptNamespaces(resources);
        return workloads(resources)
            .filter((w) => !exempt.has(w.ns) && !isUnknown(w.r.props?.metadata?.namespace))
            .flatMap((w) => {
                const selecting = networkPoliciesIn(resources, w.ns).filter((np) => selects(np.props?.spec?.podSelector ?? {}, w.pod.metadata?.labels ?? {}));
                if (selecting.length === 0) return [{ resource: w.r, message: `${w.ref}: no NetworkPolicy in namespace ${w.ns} selects its pods` }];
                const restricted = new Set(selecting.flatMap((np) => policyTypes(np.props)));
                const open = ["Ingress", "Egress"].filter((t) => !restricted.has(t));
                const names = selecting.map((np) => objectName(np.props, np.name)).join(", ");
                return open.length ? [{
                    resource: w.r,
                    message: `${w.ref}: the NetworkPolicies selecting its pods (${names}) do not restrict ${open.join(" or ").toLowerCase()}; add ${open.join(" and ")} to a selecting policy's policyTypes`,
                }] : [];
            });
    });

/** A number, or an integer string as Argo Rollouts' IntOrString fields take it; undefined otherwise. */
const intOf = (v: unknown): number | undefined => (typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined);

export const canaryGatedWeights = crossResource("canary-gated-weights", "hygiene",
    "Every canary weight below 100 of a Rollout is followed by an analysis step, and every metric of the AnalysisTemplates that step names (same namespace) has a count above both failureLimit and inconclusiveLimit.",
    (resources) => ofKind(resources, "Rollout").flatMap((ro) => {
        const steps = asArray(ro.props?.spec?.strategy?.canary?.steps);
        const ref = objectRef(ro.type, ro.props, ro.name);
        const ns = namespaceOf(ro.props);
        const templates = new Map(ofKind(resources, "AnalysisTemplate").filter((t) => namespaceOf(t.props) === ns).map((t) => [objectName(t.props, t.name), t]));
        return steps.flatMap((st, i) => {
            const w = st?.setWeight;
            if (typeof w !== "number" || w >= 100) return [];
            const gate = steps[i + 1]?.analysis;
            if (!gate) {
                return [{ resource: ro, message: `${ref}: canary step ${i} (setWeight ${w}) is not followed by an analysis step, so the canary can move on unmeasured; add one naming its error-rate AnalysisTemplate` }];
            }
            return asArray(gate.templates).flatMap((t) => {
                const at = templates.get(t?.templateName);
                if (!at) return [];
                return asArray(at.props?.spec?.metrics).flatMap((m) => {
                    const count = intOf(m?.count);
                    const need = Math.max(intOf(m?.failureLimit) ?? 0, intOf(m?.inconclusiveLimit) ?? 0) + 1;
                    if (isUnknown(m?.count) || (count !== undefined && count >= need)) return [];
                    return [{
                        resource: at,
                        message: `${objectRef(at.type, at.props, at.name)}: metric ${m?.name} gates ${ref}'s steps with count ${m?.count ?? "unset"}; `
                            + `a step run needs a count of at least ${need} (above failureLimit and inconclusiveLimit) or Argo Rollouts passes it with nothing measured`,
                    }];
                });
            });
        });
    }));

export const STATEFUL_TYPES = [
    EKS_CLUSTER, KMS_KEY, ...S3_BUCKETS, "kubernetes:acid.zalan.do/v1:postgresql", "kubernetes:core/v1:PersistentVolumeClaim",
];
export const protectStatefulResources = crossResource("protect-stateful-resources", "hygiene",
    "In a persistent stack, stateful resources (EKS cluster, KMS keys, S3 buckets, Postgres clusters, PVCs) have protect: true.",
    (resources, ctx) => !ctx.persistent ? [] : resources
        .filter((r) => STATEFUL_TYPES.includes(r.type) && !r.protect)
        .map((r) => ({ resource: r, message: `${isK8s(r.type) ? objectRef(r.type, r.props, r.name) : `${kindOf(r.type)} ${r.name}`}: must set protect: true in a persistent stack` })),
    "mandatory", ["persistent"]);

export const crossResourcePolicies = [
    hpaDeclaredReplicas, vpaHpaConflict, vpaUpdateModeAuto, pdbBlocksEvictions, zoneAntiAffinityReplicas, workloadNetworkPolicy, protectStatefulResources,
    canaryGatedWeights,
];
