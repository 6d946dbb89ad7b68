/**
 * ArgoRollouts: the Argo Rollouts controller from the official chart, in its own namespace. The
 * platform creates it only when `delivery.strategy` is `canary` or `blueGreen` (a plain rolling
 * update needs no controller). Rollouts and AnalysisTemplates belong to the app component, which
 * makes them depend on `release` (the chart installs the CRDs).
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { Catalog, ResolvedImage } from "../catalog";
import { ClusterLayer } from "../cluster/types";
import { NamespaceNames } from "../namespaces";
import { recommendedLabels } from "../labels";
import { DEFAULT_DENY, NetworkPolicyPlan, apiServerEgress, dnsEgress, inNamespace, tcp } from "../network";
import { addonNamespace, chartAddon } from "../release";

/** Controller ports (chart defaults): Prometheus metrics and health. */
export const ROLLOUTS_PORTS = { metrics: 8090, healthz: 8080 } as const;

/** Prometheus port the controller queries for AnalysisRuns (kube-prometheus-stack's Prometheus). */
export const PROMETHEUS_PORT = 9090;

export interface ArgoRolloutsArgs {
    /** Chart and image catalog (registry and chart-mirror overrides applied). */
    catalog: Catalog;
    /** Cluster layer: provider. */
    cluster: ClusterLayer;
    /** Namespace names by role; this component creates `delivery` (argo-rollouts). */
    namespaces: NamespaceNames;
    /** Controller replicas (leader election: one is active, the others take over). Default 2; >= 2 adds a PDB. */
    replicas?: number;
}

/** Pure chart values: image from the catalog, CRDs managed by the chart, hardened pods, no dashboard. */
export function argoRolloutsValues(image: ResolvedImage, replicas = 2): Record<string, unknown> {
    if (!Number.isInteger(replicas) || replicas < 1) throw new Error(`ArgoRollouts: replicas must be an integer >= 1 (got ${replicas})`);
    return {
        installCRDs: true,
        // CRDs outlive the release so deleting it never cascades to every Rollout in the cluster.
        keepCRDs: true,
        controller: {
            replicas,
            // The tag is the chart's appVersion (equal to the catalog's: a rendered test compares them).
            image: { registry: image.registry, repository: image.repository },
            resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
            metrics: { enabled: true },
            pdb: replicas >= 2 ? { enabled: true, minAvailable: 1 } : { enabled: false },
        },
        dashboard: { enabled: false },
        // RBAC for the traffic router in use (Istio) only: the chart's default grants every provider's,
        // Gloo Platform's with verbs "*".
        providerRBAC: {
            enabled: true,
            providers: {
                istio: true, smi: false, ambassador: false, awsLoadBalancerController: false, awsAppMesh: false,
                traefik: false, apisix: false, contour: false, glooPlatform: false, gatewayAPI: false,
            },
        },
        podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
        containerSecurityContext: {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            seccompProfile: { type: "RuntimeDefault" },
        },
    };
}

/**
 * Default-deny plus the controller's needs: the Kubernetes API on TCP 443/6443 at `apiServerCidrs`,
 * Prometheus for analysis, DNS, and metrics scrapes from monitoring.
 */
export function argoRolloutsNetworkPolicies(ns: Pick<NamespaceNames, "monitoring" | "kubeSystem">, apiServerCidrs: string[]): NetworkPolicyPlan[] {
    return [
        DEFAULT_DENY,
        {
            name: "argo-rollouts-controller",
            spec: {
                // Only the controller runs in this namespace.
                podSelector: {},
                policyTypes: ["Ingress", "Egress"],
                ingress: [{ from: [inNamespace(ns.monitoring)], ports: tcp(ROLLOUTS_PORTS.metrics) }],
                egress: [
                    apiServerEgress(apiServerCidrs),
                    { to: [inNamespace(ns.monitoring)], ports: tcp(PROMETHEUS_PORT) },
                    dnsEgress(ns.kubeSystem),
                ],
            },
        },
    ];
}

export class ArgoRollouts extends pulumi.ComponentResource {
    /** The chart release (CRDs included): Rollouts and AnalysisTemplates `dependsOn` it. */
    public readonly release: k8s.helm.v3.Release;
    public readonly namespace: pulumi.Output<string>;

    constructor(name: string, args: ArgoRolloutsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubechat:delivery:ArgoRollouts", name, {}, opts);
        const values = argoRolloutsValues(args.catalog.image("argo-rollouts"), args.replicas ?? 2);
        const k8sOpts = { parent: this, provider: args.cluster.provider };

        const ns = addonNamespace(`${name}-ns`, { name: args.namespaces.delivery, owner: "argo-rollouts", podSecurity: "restricted" }, k8sOpts);
        this.namespace = ns.name;

        this.release = chartAddon(`${name}-release`, {
            release: "argo-rollouts", namespace: ns, chart: "argo-rollouts", catalog: args.catalog, values,
        }, k8sOpts);

        for (const p of argoRolloutsNetworkPolicies(args.namespaces, args.cluster.apiServerCidrs)) {
            new k8s.networking.v1.NetworkPolicy(`${name}-netpol-${p.name}`, {
                metadata: { name: p.name, namespace: this.namespace, labels: recommendedLabels("argo-rollouts", "network-policy") },
                spec: p.spec,
            }, k8sOpts);
        }

        this.registerOutputs({ release: this.release, namespace: this.namespace });
    }
}
