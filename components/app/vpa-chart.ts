/**
 * The Vertical Pod Autoscaler (Fairwinds `vpa` chart): recommender, updater and admission controller,
 * plus the `verticalpodautoscalers.autoscaling.k8s.io` CRDs the chart installs. Every image the chart
 * pulls is set from the catalog so the registry override rewrites all of them.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { Catalog } from "../catalog";
import { podSecurityLabels, recommendedLabels } from "../labels";
import { helmRelease } from "../release";

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

/** Helm values (pure). */
export function vpaValues(catalog: Catalog): Record<string, unknown> {
    const image = (key: "vpa-recommender" | "vpa-updater" | "vpa-admission-controller" | "admission-webhook-certgen" | "kubectl") => {
        const i = catalog.image(key);
        return { repository: i.name, tag: i.tag };
    };
    const component = (key: "vpa-recommender" | "vpa-updater" | "vpa-admission-controller") => ({
        enabled: true,
        image: { ...image(key), pullPolicy: "IfNotPresent" },
        podSecurityContext: { runAsNonRoot: true, runAsUser: RUN_AS_NOBODY, seccompProfile: { type: "RuntimeDefault" } },
        securityContext: containerSecurity(),
    });
    return {
        recommender: component("vpa-recommender"),
        updater: component("vpa-updater"),
        admissionController: {
            ...component("vpa-admission-controller"),
            generateCertificate: true,
            certGen: { image: { ...image("admission-webhook-certgen"), pullPolicy: "IfNotPresent" } },
            cleanupOnDelete: { enabled: true, image: image("kubectl") },
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
                    // The chart's certgen and cleanup hook Jobs cannot be given container-level
                    // hardening (the chart exposes only pod-level securityContext for them), so the
                    // namespace enforces baseline and audits/warns at restricted.
                    ...podSecurityLabels("baseline", "restricted"),
                    // Platform namespace: the admission webhook must be reachable from the API
                    // server, so the app default-deny rule does not apply.
                    "kubechat.ai/system": "true",
                },
            },
        }, { parent: this, provider: args.provider });
        this.namespace = ns.metadata.name;
        this.release = helmRelease(`${name}-release`, {
            name: "vpa",
            namespace: ns.metadata.name,
            ...args.catalog.chart("vpa"),
            values: vpaValues(args.catalog),
        }, { parent: this, provider: args.provider });
        this.registerOutputs({ namespace: this.namespace, release: this.release });
    }
}
