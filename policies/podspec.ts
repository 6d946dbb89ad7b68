/**
 * Finds the pod spec of every object that carries one, so pod rules are written once for Pods and
 * for the templates of Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job,
 * CronJob, PodTemplate and Argo Rollout.
 */
import { asArray, isK8s, kindOf, objectRef, parseType } from "./rule";

export interface PodTemplate {
    /** Kind of the owning object. */
    kind: string;
    /** metadata of the pod (Pod's own or the template's). */
    metadata: any;
    spec: any;
    /** Where the pod spec sits in the object, for messages: `spec.template.spec`, `spec` (Pod). */
    specPath: string;
    /** Where the pod metadata sits: `spec.template.metadata`, `metadata` (Pod). */
    metaPath: string;
}

/** Kinds whose pods run until stopped (probes are expected); Jobs/CronJobs/bare Pods are not. */
export const LONG_RUNNING_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "Rollout"];
export const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob", "Rollout"];

/** The pod template of an object, or undefined when it has none (or is not a Kubernetes object). */
export function podTemplate(type: string, props: any): PodTemplate | undefined {
    if (!isK8s(type) || !props || typeof props !== "object") return undefined;
    const { group, kind } = parseType(type);
    let tpl: any;
    let at = "spec.template";
    switch (kind) {
        case "Pod":
            if (group !== "core") return undefined;
            tpl = props;
            at = "";
            break;
        case "PodTemplate":
            tpl = props.template;
            at = "template";
            break;
        case "CronJob":
            tpl = props.spec?.jobTemplate?.spec?.template;
            at = "spec.jobTemplate.spec.template";
            break;
        case "Rollout":
            // A Rollout with spec.workloadRef borrows a Deployment's template; that Deployment is checked itself.
            if (group !== "argoproj.io") return undefined;
            tpl = props.spec?.template;
            break;
        default:
            if (!WORKLOAD_KINDS.includes(kind)) return undefined;
            tpl = props.spec?.template;
    }
    if (!tpl || typeof tpl !== "object" || !tpl.spec || typeof tpl.spec !== "object") return undefined;
    const prefix = at ? `${at}.` : "";
    return { kind, metadata: tpl.metadata ?? {}, spec: tpl.spec, specPath: `${prefix}spec`, metaPath: `${prefix}metadata` };
}

export type ContainerField = "containers" | "initContainers" | "ephemeralContainers";
const FIELD_LABEL: Record<ContainerField, string> = {
    containers: "container",
    initContainers: "initContainer",
    ephemeralContainers: "ephemeralContainer",
};

export interface ContainerRef {
    field: ContainerField;
    container: any;
    /** `container "api"`, `initContainer "migrate"` — how messages name it. */
    label: string;
}

export function containersOf(spec: any, fields: ContainerField[] = ["containers", "initContainers", "ephemeralContainers"]): ContainerRef[] {
    const out: ContainerRef[] = [];
    for (const field of fields) {
        for (const c of asArray(spec?.[field])) {
            if (!c || typeof c !== "object") continue;
            out.push({ field, container: c, label: `${FIELD_LABEL[field]} "${c.name ?? "?"}"` });
        }
    }
    return out;
}

/**
 * Builds a resource check from a pod-level check: `fn` returns message tails (`container "x" must ...`)
 * that are prefixed with the object's name; objects without a pod template pass.
 */
export function podCheck(fn: (pod: PodTemplate, type: string, props: any) => string[]) {
    return (type: string, props: any, ctx: { name: string }): string[] => {
        const pod = podTemplate(type, props);
        if (!pod) return [];
        const ref = objectRef(type, props, ctx.name);
        return fn(pod, type, props).map((m) => `${ref}: ${m}`);
    };
}

export function isLongRunning(type: string): boolean {
    return LONG_RUNNING_KINDS.includes(kindOf(type));
}
