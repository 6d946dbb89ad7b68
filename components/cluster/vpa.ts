/**
 * The Vertical Pod Autoscaler (Fairwinds `vpa` chart): recommender, updater and admission controller,
 * plus the `verticalpodautoscalers.autoscaling.k8s.io` CRDs the chart installs. A cluster-wide add-on,
 * so it belongs to the cluster layer (next to metrics-server and cluster-autoscaler), on-prem and on
 * EKS alike; the app layer's VerticalPodAutoscaler objects wait for its release (`ClusterLayer.vpaReady`).
 * Every image the chart pulls is set from the catalog so the registry override rewrites all of them.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { Catalog } from "../catalog";
import { addonNamespace, chartAddon, ChartAddonOptions } from "../release";

/** Where the VPA chart was before it moved to the cluster layer, so `pulumi up` moves it instead of re-creating it. */
export interface FormerLocation {
    /** Its former Pulumi name. */
    name: string;
    /** Its former component type token. */
    type: string;
    /** URN of its former parent. */
    parentUrn: pulumi.Input<string>;
}

export interface VpaChartArgs {
    catalog: Catalog;
    /** Provider of the cluster (the chart runs pods: on EKS, the one that waits for the nodes). */
    provider: k8s.Provider;
    /** Namespace created for the chart (default "vpa"). */
    namespace: string;
    /** Where the chart's component was created before (alias for it and its children). Absent = nothing moved. */
    formerly?: FormerLocation;
}

/** Type token of the VPA chart component. */
export const VPA_CHART_TYPE = "kubechat:cluster:VpaChart";

const RUN_AS_NOBODY = 65534;

/** Hardened container securityContext for the VPA components (their images run as nobody). */
function containerSecurity(): Record<string, unknown> {
    return {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        runAsNonRoot: true,
        runAsUser: RUN_AS_NOBODY,
    };
}

/** Pod-level securityContext every VPA pod gets (Pod Security `restricted`). */
function podSecurity(): Record<string, unknown> {
    return { runAsNonRoot: true, runAsUser: RUN_AS_NOBODY, seccompProfile: { type: "RuntimeDefault" } };
}

/**
 * Helm values (pure). Every pod the chart installs (the three components and the certgen hook Jobs)
 * is hardened to the `restricted` level, so the namespace enforces it. The chart's Helm test pods
 * (`tests.*`) run only under `helm test`, which a Pulumi release never runs: their image is not
 * deployed and not mirrored. Chart 5.0.0 has no cleanup-on-delete hook any more.
 *
 * Only values the chart reads: the three components take their tag from the chart's appVersion
 * (1.7.1, the catalog's tag too: the rendered-charts test compares them), so only the repository is
 * set (the registry override applies); the certgen Jobs' image has no pull-policy value in the chart.
 */
export function vpaValues(catalog: Catalog): Record<string, unknown> {
    // Requests are the chart's; limits added (the chart leaves them empty).
    const component = (key: "vpa-recommender" | "vpa-updater" | "vpa-admission-controller", memoryRequest: string, memoryLimit: string) => ({
        enabled: true,
        image: { repository: catalog.image(key).name, pullPolicy: "IfNotPresent" },
        podSecurityContext: podSecurity(),
        securityContext: containerSecurity(),
        resources: { requests: { cpu: "50m", memory: memoryRequest }, limits: { cpu: "500m", memory: memoryLimit } },
    });
    return {
        recommender: component("vpa-recommender", "500Mi", "1000Mi"),
        updater: component("vpa-updater", "500Mi", "1000Mi"),
        admissionController: {
            ...component("vpa-admission-controller", "200Mi", "500Mi"),
            generateCertificate: true,
            certGen: {
                image: { repository: catalog.image("admission-webhook-certgen").name, tag: catalog.image("admission-webhook-certgen").tag },
                podSecurityContext: podSecurity(),
                securityContext: containerSecurity(),
                resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
            },
        },
    };
}

export class VpaChart extends pulumi.ComponentResource {
    /** The Helm release; VerticalPodAutoscaler objects depend on it (it installs their CRD). */
    public readonly release: k8s.helm.v3.Release;
    public readonly namespace: pulumi.Output<string>;

    constructor(name: string, args: VpaChartArgs, opts?: pulumi.ComponentResourceOptions) {
        const formerly = args.formerly;
        super(VPA_CHART_TYPE, name, {}, {
            ...opts,
            aliases: [...(opts?.aliases ?? []), ...(formerly ? [pulumi.createUrn(formerly.name, formerly.type, formerly.parentUrn)] : [])],
        });
        // The children keep their names' suffixes; each gets the URN it has in stacks whose VPA was created under the app layer.
        const childOpts = (suffix: string, type: string): ChartAddonOptions => ({
            parent: this, provider: args.provider,
            ...(formerly ? { aliases: [pulumi.createUrn(`${formerly.name}${suffix}`, type, pulumi.createUrn(formerly.name, formerly.type, formerly.parentUrn))] } : {}),
        });
        // Every pod the chart creates is hardened through its values (see vpaValues). Platform namespace:
        // the admission webhook must be reachable from the API server, so the app default-deny rule does not apply.
        const ns = addonNamespace(`${name}-ns`, { name: args.namespace, owner: "vpa", podSecurity: "restricted", system: true },
            childOpts("-ns", "kubernetes:core/v1:Namespace"));
        this.namespace = ns.name;
        this.release = chartAddon(`${name}-release`, {
            release: "vpa",
            namespace: ns,
            chart: "vpa", catalog: args.catalog,
            values: vpaValues(args.catalog),
        }, childOpts("-release", "kubernetes:helm.sh/v3:Release"));
        this.registerOutputs({ namespace: this.namespace, release: this.release });
    }
}
