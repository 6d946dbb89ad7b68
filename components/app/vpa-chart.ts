/**
 * The Vertical Pod Autoscaler (Fairwinds `vpa` chart): recommender, updater and admission controller,
 * plus the `verticalpodautoscalers.autoscaling.k8s.io` CRDs the chart installs. Every image the chart
 * pulls is set from the catalog so the registry override rewrites all of them.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { Catalog } from "../catalog";
import { podSecurityLabels, recommendedLabels } from "../labels";
import { chartAddon } from "../release";

export interface VpaChartArgs {
    catalog: Catalog;
    provider: k8s.Provider;
    /** Namespace created for the chart (default "vpa"). */
    namespace: string;
}

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
 */
export function vpaValues(catalog: Catalog): Record<string, unknown> {
    const image = (key: "vpa-recommender" | "vpa-updater" | "vpa-admission-controller" | "admission-webhook-certgen") => {
        const i = catalog.image(key);
        return { repository: i.name, tag: i.tag };
    };
    // Requests are the chart's; limits added (the chart leaves them empty).
    const component = (key: "vpa-recommender" | "vpa-updater" | "vpa-admission-controller", memoryRequest: string, memoryLimit: string) => ({
        enabled: true,
        image: { ...image(key), pullPolicy: "IfNotPresent" },
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
                image: { ...image("admission-webhook-certgen"), pullPolicy: "IfNotPresent" },
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
        super("kubechat:app:VpaChart", name, {}, opts);
        const ns = new k8s.core.v1.Namespace(`${name}-ns`, {
            metadata: {
                name: args.namespace,
                labels: {
                    ...recommendedLabels("vpa", "autoscaling"),
                    // Every pod the chart creates is hardened through its values (see vpaValues).
                    ...podSecurityLabels("restricted"),
                    // Platform namespace: the admission webhook must be reachable from the API
                    // server, so the app default-deny rule does not apply.
                    "kubechat.ai/system": "true",
                },
            },
        }, { parent: this, provider: args.provider });
        this.namespace = ns.metadata.name;
        this.release = chartAddon(`${name}-release`, {
            release: "vpa",
            namespace: ns.metadata.name,
            chart: "vpa", catalog: args.catalog,
            values: vpaValues(args.catalog),
        }, { parent: this, provider: args.provider });
        this.registerOutputs({ namespace: this.namespace, release: this.release });
    }
}
