/**
 * The plan model: what the offline plan records of a program run, and the words every part of the
 * planner uses for it (planner/README.md).
 */
import type { StackConfig } from "../components/config";

/** A value only the cloud or cluster knows (an id, an ARN, an endpoint): the plan shows this string. */
export const UNKNOWN = "(known after apply)";
/** A secret value: the plan never holds the value itself. */
export const SECRET = "[secret]";

export interface PlanResource {
    urn: string;
    type: string;
    name: string;
    parent: string | null;
    custom: boolean;
    provider: string | null;
    dependencies: string[];
    inputs: any;
    protect: boolean;
    retainOnDelete: boolean;
    ignoreChanges: string[];
    /** URNs the resource had before (Pulumi `aliases`): the engine moves it instead of re-creating it. Only when set. */
    aliases?: string[];
}

export interface Plan {
    project: string;
    stack: string;
    resources: PlanResource[];
    outputs: Record<string, unknown>;
    /** The validated stack config the program ran with. */
    config: StackConfig;
    /**
     * GitOps mode: the app layer's objects Argo CD syncs from Git, in declaration order (`name` is the
     * logical name the object has when Pulumi owns it). Empty when Pulumi owns the app layer.
     */
    gitops: { name: string; object: any }[];
}

/** The type token of a Helm release resource (rendered by the planner, not a Kubernetes object itself). */
export const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

/** A Kubernetes object the program creates itself (not a Helm release): its inputs are the object. */
export function isK8sObject(r: PlanResource): boolean {
    return r.custom && r.type.startsWith("kubernetes:") && r.type !== RELEASE_TYPE && typeof r.inputs?.kind === "string";
}

/** Pulumi type token of a manifest: `v1` Pod -> kubernetes:core/v1:Pod, `apps/v1` -> kubernetes:apps/v1:Deployment. */
export function typeToken(apiVersion: string, kind: string): string {
    return `kubernetes:${apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`}:${kind}`;
}
