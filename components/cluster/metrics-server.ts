/**
 * metrics-server for EKS, which (unlike k3s and most on-prem distributions) does not run one: the
 * HPAs' CPU and memory metrics (metrics.k8s.io) come from it. Official chart from the catalog.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { Catalog, ResolvedImage } from "../catalog";
import { chartAddon, clusterNamespace } from "../release";

export const METRICS_SERVER_NAMESPACE = "kube-system";

/** Pure: chart values — catalog image, two replicas with a PDB, hardened pods, bounded resources. */
export function metricsServerValues(image: ResolvedImage) {
    return {
        // The tag is the chart's own (v{appVersion}, equal to the catalog's: a rendered test compares them);
        // only the repository is set, so the registry override applies.
        image: { repository: image.name },
        replicas: 2,
        podDisruptionBudget: { enabled: true, minAvailable: 1 },
        // Spread the two replicas so one node loss never leaves HPAs blind.
        affinity: {
            podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [{
                    weight: 100,
                    podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { "app.kubernetes.io/name": "metrics-server" } } },
                }],
            },
        },
        securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            runAsUser: 1000,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        },
        resources: { requests: { cpu: "100m", memory: "200Mi" }, limits: { cpu: "500m", memory: "400Mi" } },
    };
}

export interface MetricsServerArgs {
    /** Chart and image source (air-gap overrides applied there). */
    catalog: Catalog;
    /** The cluster's provider. */
    k8sProvider: k8s.Provider;
}

export class MetricsServer extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: MetricsServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubechat:cluster:MetricsServer", name, {}, opts);
        this.release = chartAddon(name, {
            release: "metrics-server",
            namespace: clusterNamespace(METRICS_SERVER_NAMESPACE),
            chart: "metrics-server", catalog: args.catalog,
            values: metricsServerValues(args.catalog.image("metrics-server")),
        }, { parent: this, provider: args.k8sProvider });
        this.registerOutputs({ release: this.release });
    }
}
