/**
 * KubeChatPlatform: composes the whole platform from the validated stack config. The cluster layer
 * differs (on-prem or EKS); everything above it is identical and only sees `ClusterLayer`.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { StackConfig } from "./config";
import { Catalog } from "./catalog";
import { ClusterLayer } from "./cluster/types";
import { OnPremCluster } from "./cluster/onprem";
import { recommendedLabels } from "./labels";

export interface KubeChatPlatformArgs {
    /** The validated stack config (from `loadStackConfig`). */
    config: StackConfig;
}

/** Labels of the application namespace: Pod Security `restricted` enforced, and sidecar injection with the mesh. */
export function appNamespaceLabels(meshEnabled: boolean): Record<string, string> {
    return {
        ...recommendedLabels("kubechat", "namespace"),
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
        ...(meshEnabled ? { "istio-injection": "enabled" } : {}),
    };
}

export class KubeChatPlatform extends pulumi.ComponentResource {
    public readonly clusterKind: string;
    public readonly catalog: Catalog;
    public readonly cluster: ClusterLayer;
    /** Namespaces by role (app, data, mesh, ...). */
    public readonly namespaces: Record<string, pulumi.Output<string>> = {};

    constructor(name: string, args: KubeChatPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubechat:platform:KubeChatPlatform", name, {}, opts);
        const c = args.config;
        this.clusterKind = c.cluster.kind;
        this.catalog = new Catalog({ registry: c.registry, chartRepository: c.chartRepository });

        this.cluster = new OnPremCluster(`${name}-cluster`, {
            kubeconfigPath: c.kubeconfig,
            kubeconfigContents: c.kubeconfigSecret,
            context: c.cluster.context,
            storageClass: c.cluster.storageClass,
            ingressServiceType: c.cluster.ingressServiceType,
            zones: c.cluster.zones,
        }, { parent: this });
        const provider = this.cluster.provider;

        const appNs = new k8s.core.v1.Namespace(`${name}-app-ns`, {
            metadata: { name: c.app.namespace, labels: appNamespaceLabels(c.mesh.enabled) },
        }, { parent: this, provider });
        this.namespaces.app = appNs.metadata.name;

        this.registerOutputs({ clusterKind: this.clusterKind, namespaces: this.namespaces });
    }
}
