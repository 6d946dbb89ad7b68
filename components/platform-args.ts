/**
 * `platformArgs(config)`: the one mapping from the validated stack config (components/config/) to the
 * args of every component. Components never import the config schema: each declares its own documented
 * Args, and this function fills them (TypeScript checks each config section against the component's
 * own types here). It is also the only place where a setting of one part decides something in another
 * — each such cross-cutting decision is a named function below or in decisions.ts (`ha`, `replicasFor`).
 * What exists only once resources do (providers, the database host, the mesh's readiness, the app
 * namespace's resource) is wired by `KubeChatPlatform`.
 */
import { StackConfig } from "./config";
import { CatalogOptions } from "./catalog";
import { ha, ingressServiceType, replicasFor } from "./decisions";
import { NamespaceNames, namespaceNames } from "./namespaces";
import type { OnPremClusterArgs } from "./cluster/onprem";
import type { EksClusterArgs } from "./cluster/eks";
import type { IstioMeshArgs } from "./mesh/istio";
import type { ExternalDependency } from "./mesh/service-entries";
import type { ArgoRolloutsArgs } from "./delivery/argo-rollouts";
import type { KubeChatArgs } from "./app/kubechat";
import type { AppLayerOwner } from "./app/objects";
import type { PostgresHAArgs } from "./data/postgres";
import { synchronousNodeCount } from "./data/timing";
import type { ArgoCdAppArgs } from "./gitops/argocd";
import type { ArgoCdInstallArgs } from "./gitops/install";
import type { VeleroBackupArgs } from "./backup/velero";
import type { EsSnapshotStoreArgs } from "./observability/es-snapshots";
import type { ObservabilityArgs } from "./observability";
import { ElasticsearchEgress, SYSTEM_PORTS, ScrapeTarget, SystemEgressInput, alertReceiverEgress, registryEgress } from "./system-egress";
import type { TrivyOperatorArgs } from "./security/trivy";
import { TRIVY_METRICS_PORT, TRIVY_OPERATOR_LABELS } from "./security/trivy";
import { backupStoreEgress, endpointEgress, gitEgress } from "./network";
import { SIDECAR_METRICS_PORTS } from "./app/network";
import { EXPORTER_PORT } from "./data/exporter";
import { PATRONI_PORT } from "./data/names";
import { GATEWAY_PORTS } from "./mesh/values";
import { observabilityPlan } from "./observability";
import { otlpGrpcEndpoint } from "./observability/jaeger";

/** Args filled by the platform from other resources (the catalog instance, the cluster layer, namespace names). */
type Wired = "catalog" | "cluster" | "namespaces";

/** Every component's args as far as the stack config decides them. */
export interface PlatformArgs {
    /** Stack name (Argo CD's AppProject and Application are named after it). */
    stack: string;
    /** Registry and chart-mirror overrides and per-chart values (`kubechat:registry|chartRepository|charts`). */
    catalog: CatalogOptions;
    /** Namespace names by role. */
    namespaces: NamespaceNames;
    /** The cluster layer: an existing cluster or EKS built here (the catalog and the VPA chart's placement are wired). */
    cluster: { kind: "onprem"; args: Omit<OnPremClusterArgs, "catalog" | "vpa"> } | { kind: "eks"; args: Omit<EksClusterArgs, "catalog" | "vpa"> };
    /** Istio; absent with `mesh.enabled: false`. */
    mesh?: Omit<IstioMeshArgs, Wired>;
    /** Argo Rollouts; absent with the rolling strategy. */
    delivery?: Omit<ArgoRolloutsArgs, Wired>;
    /** Postgres HA; absent with `postgres.enabled: false`. */
    postgres?: Omit<PostgresHAArgs, "catalog" | "cluster">;
    /** The app layer (database, mesh binding and rollouts are wired). */
    app: Omit<KubeChatArgs, Wired | "database" | "mesh" | "rollouts">;
    /** GitOps mode; absent unless `gitops.enabled`. */
    gitops?: Omit<ArgoCdAppArgs, "manifests" | "dependsOn" | "provider">;
    /** The Trivy Operator; absent with `trivy.enabled: false`. */
    trivy?: Omit<TrivyOperatorArgs, "catalog" | "cluster">;
    /** Argo CD itself; absent unless GitOps mode installs it (`gitops.installArgoCd`). */
    argocd?: Omit<ArgoCdInstallArgs, "catalog" | "cluster">;
    /** Velero; absent with `backup.enabled: false`. */
    backup?: Omit<VeleroBackupArgs, "catalog" | "cluster">;
    /** Metrics, logs, traces (the app namespace's resource, Velero's namespace, backup alert rules and the snapshot store's cluster are wired). */
    observability: Omit<ObservabilityArgs, "catalog" | "cluster" | "appNamespaceRef" | "backupRules" | "snapshotStore" | "veleroNamespace">;
    /** Elasticsearch snapshots to the backup store; absent without backups. */
    esSnapshots?: Omit<EsSnapshotStoreArgs, "cluster">;
    /** Egress of the system namespaces (the API server's addresses come from the cluster layer). */
    systemEgress: Omit<SystemEgressInput, "apiServerCidrs">;
}

/** Who owns the app layer's objects: Argo CD in GitOps mode, else Pulumi. */
export function appLayerOwner(c: Pick<StackConfig, "gitops">): AppLayerOwner {
    return c.gitops.enabled ? "argocd" : "pulumi";
}

/** GitOps mode installs Argo CD unless the cluster already runs it (`gitops.installArgoCd: false`). */
export function installsArgoCd(c: Pick<StackConfig, "gitops">): boolean {
    return c.gitops.enabled && c.gitops.installArgoCd;
}

/** Services outside the cluster the mesh must let pods reach (it allows registered hosts only): the object store while anything backs up to it, an external Elasticsearch while logs go there. */
export function meshExternalDependencies(c: Pick<StackConfig, "objectStore" | "backup" | "postgres" | "observability">): ExternalDependency[] {
    const backsUp = c.backup.enabled || (c.postgres.enabled && c.postgres.backups);
    return [
        ...(c.objectStore.endpoint !== "" && backsUp ? [{ name: "object-store", url: c.objectStore.endpoint }] : []),
        ...(c.observability.logs && c.observability.elasticsearchUrl !== "" ? [{ name: "elasticsearch", url: c.observability.elasticsearchUrl }] : []),
    ];
}

/** The ports the ingress gateway may reach: those of the exposed services. */
export function gatewayBackendPorts(c: Pick<StackConfig, "services">): number[] {
    return Object.values(c.services).filter((s) => s.exposed).map((s) => s.port);
}

/** What Velero backs up: the app and the data namespaces. */
export function backupNamespaces(c: Pick<StackConfig, "app" | "postgres">): string[] {
    return [c.app.namespace, c.postgres.namespace];
}

/** Control-plane components are scraped only on-prem, where they exist and are reachable (EKS manages its own). */
export function scrapeControlPlane(c: Pick<StackConfig, "cluster" | "observability">): boolean {
    return c.cluster.kind === "onprem" && c.observability.controlPlaneMetrics;
}

/** The audit trail (Elasticsearch snapshots) survives cluster loss only with the backups on: it shares their store. */
export function snapshotsAuditTrail(c: Pick<StackConfig, "backup">): boolean {
    return c.backup.enabled;
}

/**
 * What the stack runs, as `systemEgressPolicies` needs it (pure): the namespaces and ports Prometheus
 * scrapes, where Elasticsearch and the object store are, which receivers Alertmanager notifies.
 * `apiServerCidrs` comes from the cluster layer (on EKS the VPC, which also holds the nodes).
 */
export function systemEgressArgs(c: StackConfig): Omit<SystemEgressInput, "apiServerCidrs"> {
    const ns = namespaceNames(c);
    const o = c.observability;
    const plan = observabilityPlan(o);
    const onPremStore = c.cluster.kind === "onprem" ? c.objectStore.endpoint : undefined;
    const store = () => backupStoreEgress(onPremStore, c.objectStore.cidrs);
    const es: ElasticsearchEgress = o.elasticsearchUrl === ""
        ? { inCluster: true }
        : { inCluster: false, rule: endpointEgress(o.elasticsearchUrl, o.elasticsearchCidrs, "observability.elasticsearchCidrs", "observability.elasticsearchUrl") };
    const scrapeTargets: ScrapeTarget[] = [
        { namespace: ns.app, ports: [...Object.values(c.services).map((s) => s.port), ...(c.mesh.enabled ? SIDECAR_METRICS_PORTS : [])] },
        // CoreDNS's metrics (the chart's coredns ServiceMonitor selects k8s-app=kube-dns).
        { namespace: ns.kubeSystem, ports: [SYSTEM_PORTS.coreDnsMetrics], podLabels: { "k8s-app": "kube-dns" } },
        ...(c.postgres.enabled ? [{ namespace: ns.data, ports: [EXPORTER_PORT, PATRONI_PORT] }] : []),
        ...(c.mesh.enabled ? [
            { namespace: ns.istioSystem, ports: [SYSTEM_PORTS.istiodMonitoring], podLabels: { app: "istiod" } },
            { namespace: ns.gateway, ports: [GATEWAY_PORTS.envoyMetrics, GATEWAY_PORTS.mergedMetrics] },
        ] : []),
        ...(c.backup.enabled ? [{ namespace: ns.velero, ports: [SYSTEM_PORTS.veleroMetrics] }] : []),
        ...(c.trivy.enabled ? [{ namespace: ns.trivy, ports: [TRIVY_METRICS_PORT], podLabels: { ...TRIVY_OPERATOR_LABELS } }] : []),
    ];
    return {
        namespaces: ns,
        nodeCidrs: c.cluster.kind === "eks" ? [c.eks.vpcCidr] : c.cluster.nodeCidrs,
        mesh: c.mesh.enabled,
        vpa: true,
        metrics: plan.metrics ? {
            scrapeTargets,
            controlPlaneMetrics: scrapeControlPlane(c),
            // Alertmanager runs in HA stacks only.
            receivers: ha(c).observability ? alertReceiverEgress(o.alerting) : [],
        } : undefined,
        // The Elasticsearch snapshots go to the backup object store when backups are on.
        logging: plan.elasticsearch ? { elasticsearch: es, snapshotStore: snapshotsAuditTrail(c) && es.inCluster ? store() : undefined } : undefined,
        tracing: plan.traces ? { elasticsearch: plan.tracesInEs ? es : undefined } : undefined,
        velero: c.backup.enabled ? { store: store() } : undefined,
        eksAddons: c.cluster.kind === "eks",
        argocd: installsArgoCd(c) ? { namespace: c.gitops.argocdNamespace, redisHa: ha(c).gitops, git: gitEgress(c.gitops.repoURL, c.gitops.repoCidrs) } : undefined,
        trivy: c.trivy.enabled ? { registries: registryEgress(c.trivy.registryCidrs, c.registry) } : undefined,
    };
}

export function platformArgs(c: StackConfig): PlatformArgs {
    const ns = namespaceNames(c);
    const serviceType = ingressServiceType(c.cluster);
    const store = { persistent: c.persistent, objectStore: c.objectStore, objectStoreCredentials: c.objectStoreCredentials };
    return {
        stack: c.stack,
        catalog: { registry: c.registry, chartRepository: c.chartRepository, chartValues: c.charts },
        namespaces: ns,
        cluster: c.cluster.kind === "eks"
            ? { kind: "eks", args: { eks: c.eks, persistent: c.persistent, storageClass: c.cluster.storageClass, ingressServiceType: serviceType } }
            : {
                kind: "onprem",
                args: {
                    kubeconfigPath: c.kubeconfig, kubeconfigContents: c.kubeconfigSecret, context: c.cluster.context, storageClass: c.cluster.storageClass,
                    ingressServiceType: serviceType, zones: c.cluster.zones, apiServerCidrs: c.cluster.apiServerCidrs,
                },
            },
        mesh: c.mesh.enabled ? {
            mesh: c.mesh, app: c.app, backendPorts: gatewayBackendPorts(c), externalDependencies: meshExternalDependencies(c),
            // Spans go to the collector the Tracing component publishes (created after the mesh, so by name).
            tracing: otlpGrpcEndpoint(ns.tracing),
        } : undefined,
        // A rolling update is plain Kubernetes; canary and blue/green need the controller.
        delivery: c.delivery.strategy !== "rolling" ? { replicas: replicasFor(ha(c).controllers) } : undefined,
        postgres: c.postgres.enabled ? { config: c.postgres, appNamespace: c.app.namespace, monitoringNamespace: ns.monitoring, ...store } : undefined,
        app: { app: c.app, services: c.services, delivery: c.delivery, owner: appLayerOwner(c) },
        gitops: c.gitops.enabled ? { gitops: c.gitops, stack: c.stack, appNamespace: c.app.namespace } : undefined,
        argocd: installsArgoCd(c) ? { namespace: c.gitops.argocdNamespace, ha: ha(c).gitops } : undefined,
        trivy: c.trivy.enabled ? { namespace: ns.trivy } : undefined,
        backup: c.backup.enabled ? { config: c.backup, namespace: ns.velero, includedNamespaces: backupNamespaces(c), ...store } : undefined,
        observability: {
            config: c.observability, ha: ha(c).observability,
            appNamespace: c.app.namespace, services: c.services, mesh: c.mesh.enabled,
            meshTargets: c.mesh.enabled ? { istioSystem: ns.istioSystem, gateway: ns.gateway } : undefined,
            controlPlaneMetrics: scrapeControlPlane(c),
            dataNamespace: c.postgres.enabled ? c.postgres.namespace : undefined,
            postgresSyncStandbys: c.postgres.enabled ? synchronousNodeCount(c.postgres) : undefined,
            namespaces: ns,
        },
        esSnapshots: snapshotsAuditTrail(c) ? { ...store, onPremBucket: c.postgres.backupBucket } : undefined,
        systemEgress: systemEgressArgs(c),
    };
}
