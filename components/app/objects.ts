/**
 * The app layer's Kubernetes objects are declared once and then either created as Pulumi resources
 * (the default) or collected as plain manifests for Argo CD to sync from Git (GitOps mode): the same
 * logical names, the same order, the same content either way.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

type K8sCtor = new (name: string, args: any, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/** Built-in kinds the app layer uses, each with its SDK class (whose type token the stacks' state already has). */
const TYPED: Record<string, K8sCtor> = {
    "apiextensions.k8s.io/v1/CustomResourceDefinition": k8s.apiextensions.v1.CustomResourceDefinition,
    "v1/ServiceAccount": k8s.core.v1.ServiceAccount,
    "v1/Service": k8s.core.v1.Service,
    "rbac.authorization.k8s.io/v1/ClusterRole": k8s.rbac.v1.ClusterRole,
    "rbac.authorization.k8s.io/v1/ClusterRoleBinding": k8s.rbac.v1.ClusterRoleBinding,
    "apps/v1/Deployment": k8s.apps.v1.Deployment,
    "autoscaling/v2/HorizontalPodAutoscaler": k8s.autoscaling.v2.HorizontalPodAutoscaler,
    "policy/v1/PodDisruptionBudget": k8s.policy.v1.PodDisruptionBudget,
    "networking.k8s.io/v1/NetworkPolicy": k8s.networking.v1.NetworkPolicy,
    "networking.k8s.io/v1/Ingress": k8s.networking.v1.Ingress,
};

/** One object of the app layer: its Pulumi logical name and the manifest (apiVersion, kind, metadata, ...). */
export interface AppManifest {
    name: string;
    object: Record<string, any>;
}

export interface AppObjectOptions {
    /** Resources the object waits for (Pulumi mode); in GitOps mode the Application waits for them all. */
    dependsOn?: pulumi.Resource[];
    /** Paths a controller owns after creation (Pulumi `ignoreChanges`); Argo CD derives its own from the objects. */
    ignoreChanges?: string[];
}

export type AppLayerOwner = "pulumi" | "argocd";

export class AppObjects {
    private readonly collected: { name: string; object: pulumi.Input<Record<string, any>> }[] = [];
    /** GitOps mode: everything the collected objects wait for. */
    readonly dependencies: pulumi.Resource[] = [];

    /**
     * `opts`: parent and provider of every created resource. `namespace`: the namespace the objects
     * live in, by plain name, and its resource: an object placed in it waits for it (as it would
     * through an output of the resource), without an Output in every object's inputs to resolve.
     */
    constructor(readonly owner: AppLayerOwner, private readonly opts: pulumi.CustomResourceOptions,
        private readonly namespace?: { name: string; resource: pulumi.Resource }) {}

    /** Create the object (Pulumi mode, returning the resource) or collect it (GitOps mode, undefined). */
    add(name: string, object: pulumi.Input<Record<string, any>> & { apiVersion: string; kind: string }, o: AppObjectOptions = {}): pulumi.CustomResource | undefined {
        const ns = this.namespace;
        const inNamespace = ns !== undefined && (object as { metadata?: { namespace?: unknown } }).metadata?.namespace === ns.name;
        const dependsOn = inNamespace && !(o.dependsOn ?? []).includes(ns.resource) ? [ns.resource, ...(o.dependsOn ?? [])] : o.dependsOn ?? [];
        if (this.owner === "argocd") {
            this.collected.push({ name, object });
            for (const d of dependsOn) if (!this.dependencies.includes(d)) this.dependencies.push(d);
            return undefined;
        }
        const opts: pulumi.CustomResourceOptions = {
            ...this.opts,
            ...(dependsOn.length > 0 ? { dependsOn } : {}),
            ...(o.ignoreChanges ? { ignoreChanges: o.ignoreChanges } : {}),
        };
        const Ctor = TYPED[`${object.apiVersion}/${object.kind}`];
        return Ctor ? new Ctor(name, object, opts) : new k8s.apiextensions.CustomResource(name, object, opts);
    }

    /** The collected manifests, resolved, in declaration order (empty in Pulumi mode). */
    manifests(): pulumi.Output<AppManifest[]> {
        return pulumi.all(this.collected.map((c) => pulumi.output(c.object).apply((object) => ({ name: c.name, object: object as Record<string, any> }))));
    }
}
