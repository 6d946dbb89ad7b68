/**
 * Metrics: kube-prometheus-stack (Prometheus, Alertmanager, Grafana, exporters) and prometheus-adapter in
 * `monitoring`, plus a ServiceMonitor per KubeChat service and the KubeChat PrometheusRule in the
 * application namespace.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { Catalog } from "../catalog";
import { ClusterLayer } from "../cluster/types";
import { RELEASES, observabilityNamespace } from "./common";
import { AlertRuleArgs, MeshTargets, MetricsRouting, MetricsSizing, meshMonitors, ScrapeTarget, kubePrometheusStackValues, postgresPodMonitor, prometheusAdapterValues, veleroServiceMonitor, prometheusRule, serviceMonitor } from "./prometheus";
import { addonNamespace, chartAddon } from "../release";
import { GRAFANA_ADMIN_SECRET, GRAFANA_ADMIN_USER, grafanaSidecarRole } from "./grafana";
import { keepGenerated, newPassword } from "./elasticsearch-auth";
import { recommendedLabels } from "../labels";

export interface MetricsArgs {
    catalog: Catalog;
    cluster: ClusterLayer;
    /** Namespace created for the metrics stack. Default `monitoring`. */
    namespace?: string;
    /** Retention (days), volume size, HA. `storageClass` "" = the cluster's. */
    sizing: MetricsSizing;
    /** KubeChat services to scrape (name + metrics path); may be empty. */
    targets: ScrapeTarget[];
    /** Application namespace (ServiceMonitors and the PrometheusRule live there). */
    appNamespace: string;
    /** The app namespace as an output of its Namespace resource: objects placed there take it, so they wait for the Namespace. Default `appNamespace`. */
    appNamespaceRef?: pulumi.Input<string>;
    /** Istio sidecars in the app namespace: scrape the merged metrics port (see `serviceMonitor`). */
    mesh: boolean;
    /** Alert thresholds and optional data/backup namespaces (without `namespace`, which is `appNamespace`). */
    alerts: Omit<AlertRuleArgs, "namespace" | "istioSystemNamespace">;
    /** The mesh's namespaces when Istio runs: istiod and the ingress gateway are scraped. */
    meshTargets?: MeshTargets;
    /** Alert receivers and routes; whether the control plane is managed (EKS: its monitors are off). */
    routing: MetricsRouting;
    /** ServiceMonitors other layers plan, in the monitoring namespace (the Trivy Operator's); each has a unique name. */
    monitors?: Record<string, unknown>[];
}

export class Metrics extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    /** In-cluster Prometheus URL (what AnalysisTemplates query). */
    public readonly prometheusUrl: string;

    constructor(name: string, args: MetricsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubechat:observability:Metrics", name, {}, opts);
        const nsName = args.namespace ?? "monitoring";
        const provider = args.cluster.provider;
        const child = { parent: this, provider };

        // node-exporter runs with hostNetwork/hostPID and host paths: only `privileged` admits it.
        const ns = addonNamespace(`${name}-ns`, observabilityNamespace(nsName, "privileged"), child);
        this.namespace = ns.name;
        this.prometheusUrl = `http://${RELEASES.kubePrometheusStack}-prometheus.${nsName}.svc:9090`;

        // Grafana's admin credentials, generated once (grafana.ts): the password never enters the plan.
        const grafanaAdmin = new k8s.core.v1.Secret(`${name}-grafana-admin`, {
            metadata: { name: GRAFANA_ADMIN_SECRET, namespace: ns.name, labels: recommendedLabels("grafana", "monitoring") },
            type: "Opaque",
            stringData: { "admin-user": GRAFANA_ADMIN_USER, "admin-password": newPassword() },
        }, { ...child, ...keepGenerated() });
        const stack = chartAddon(`${name}-kube-prometheus-stack`, {
            release: RELEASES.kubePrometheusStack,
            namespace: ns,
            chart: "kube-prometheus-stack", catalog: args.catalog,
            values: kubePrometheusStackValues(args.catalog, args.sizing, args.routing, nsName),
        }, { ...child, dependsOn: [...args.cluster.storageReady, grafanaAdmin] }); // Prometheus and Alertmanager volumes
        // The Role the chart's RoleBinding gives Grafana's sidecars (grafana.ts).
        const sidecarRole = grafanaSidecarRole(nsName) as { metadata: Record<string, unknown> };
        new k8s.rbac.v1.Role(`${name}-grafana-sidecar`, { ...sidecarRole, metadata: { ...sidecarRole.metadata, namespace: ns.name } } as k8s.rbac.v1.RoleArgs, child);

        chartAddon(`${name}-prometheus-adapter`, {
            release: RELEASES.prometheusAdapter,
            namespace: ns,
            chart: "prometheus-adapter", catalog: args.catalog,
            values: prometheusAdapterValues(args.catalog, args.sizing.ha),
        }, child);

        // The Prometheus Operator CRDs come with the stack release.
        const crOpts = { ...child, dependsOn: [stack] };
        const inApp = (o: Record<string, any>) => ({ ...o, metadata: { ...o.metadata, namespace: args.appNamespaceRef ?? args.appNamespace } }) as k8s.apiextensions.CustomResourceArgs;
        for (const t of args.targets) {
            new k8s.apiextensions.CustomResource(`${name}-sm-${t.name}`, inApp(serviceMonitor(t, args.appNamespace, args.mesh)), crOpts);
        }
        new k8s.apiextensions.CustomResource(`${name}-rules`, inApp(prometheusRule({ ...args.alerts, namespace: args.appNamespace, istioSystemNamespace: args.meshTargets?.istioSystem })), crOpts);
        // Scrape configs for the data layer's own exporters, kept here so those layers need no CRDs.
        const inMonitoring = { ...crOpts, dependsOn: [stack, ns.resource] };
        if (args.alerts.dataNamespace) {
            new k8s.apiextensions.CustomResource(`${name}-pm-postgres`,
                postgresPodMonitor(nsName, args.alerts.dataNamespace) as k8s.apiextensions.CustomResourceArgs, inMonitoring);
        }
        if (args.alerts.veleroNamespace) {
            new k8s.apiextensions.CustomResource(`${name}-sm-velero`,
                veleroServiceMonitor(nsName, args.alerts.veleroNamespace) as k8s.apiextensions.CustomResourceArgs, inMonitoring);
        }

        for (const m of [...(args.meshTargets ? meshMonitors(nsName, args.meshTargets) : []), ...(args.monitors ?? [])]) {
            const meta = (m as { metadata: { name: string }; kind: string });
            new k8s.apiextensions.CustomResource(`${name}-${meta.kind === "PodMonitor" ? "pm" : "sm"}-${meta.metadata.name}`,
                m as k8s.apiextensions.CustomResourceArgs, inMonitoring);
        }

        this.registerOutputs({ namespace: this.namespace, prometheusUrl: this.prometheusUrl });
    }
}
