import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ClusterLayer } from "./types";
import { Catalog } from "../catalog";
import { VpaChart, VpaChartArgs } from "./vpa";

export interface OnPremClusterArgs {
    /** Kubeconfig file path; empty = the default kubeconfig ($KUBECONFIG or ~/.kube/config). Ignored when `kubeconfigContents` is set. */
    kubeconfigPath: string;
    /** Kubeconfig contents, always a secret (from `kubechat:kubeconfig` set with --secret). */
    kubeconfigContents?: pulumi.Input<string>;
    /** Context to use; empty = the kubeconfig's current context. Dev: `rancher-desktop`. */
    context: string;
    /** StorageClass for volumes; empty = the cluster's default StorageClass. */
    storageClass: string;
    /** Service type for the ingress gateway (LoadBalancer needs MetalLB or similar on bare metal). */
    ingressServiceType: ClusterLayer["ingressServiceType"];
    /** Failure zones the nodes span (labelled topology.kubernetes.io/zone). Default 3. */
    zones: number;
    /** API server CIDRs for NetworkPolicy egress; empty = any address on the API ports. */
    apiServerCidrs: string[];
    /** Chart and image source (pinned, air-gap aware) for the cluster-wide add-ons (VPA). */
    catalog: Catalog;
    /** The VPA chart's namespace and, if it moved, where it was before. */
    vpa: Pick<VpaChartArgs, "namespace" | "formerly">;
}

/** Provider options computed from the args: pure, so it is unit-tested without mocks. */
export function onPremProviderArgs(args: OnPremClusterArgs): k8s.ProviderArgs {
    const out: k8s.ProviderArgs = { enableServerSideApply: true };
    if (args.kubeconfigContents !== undefined) out.kubeconfig = args.kubeconfigContents;
    else if (args.kubeconfigPath !== "") out.kubeconfig = args.kubeconfigPath;
    if (args.context !== "") out.context = args.context;
    return out;
}

/** An existing (customer-owned) cluster reached through a kubeconfig: the provider every workload uses. */
export class OnPremCluster extends pulumi.ComponentResource implements ClusterLayer {
    public readonly kind = "onprem" as const;
    public readonly provider: k8s.Provider;
    /** The nodes of an existing cluster are already there: one provider serves both. */
    public readonly controlPlaneProvider: k8s.Provider;
    public readonly storageClass: string;
    public readonly ingressServiceType: ClusterLayer["ingressServiceType"];
    public readonly zones: number;
    public readonly apiServerCidrs: string[];
    /** The customer's cluster already runs its storage driver. */
    public readonly storageReady: pulumi.Resource[] = [];
    public readonly vpaReady: pulumi.Resource[];

    constructor(name: string, args: OnPremClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubechat:cluster:OnPremCluster", name, {}, opts);
        this.storageClass = args.storageClass;
        this.ingressServiceType = args.ingressServiceType;
        this.zones = args.zones;
        this.apiServerCidrs = args.apiServerCidrs;
        this.provider = new k8s.Provider(`${name}-k8s`, onPremProviderArgs(args), { parent: this });
        this.controlPlaneProvider = this.provider;
        const vpa = new VpaChart(`${name}-vpa`, { ...args.vpa, catalog: args.catalog, provider: this.provider }, { parent: this });
        this.vpaReady = [vpa.release];
        this.registerOutputs({ storageClass: this.storageClass, zones: this.zones });
    }
}
