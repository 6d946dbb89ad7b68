/**
 * KubeChatPlatform: composes the whole platform from the validated stack config. The cluster layer
 * differs (on-prem or EKS); everything above it is identical and only sees `ClusterLayer`.
 */
import * as pulumi from "@pulumi/pulumi";
import { StackConfig, ingressServiceType } from "./config";
import { Catalog } from "./catalog";
import { ha, replicasFor } from "./decisions";
import { ClusterLayer } from "./cluster/types";
import { OnPremCluster } from "./cluster/onprem";
import { EksCluster } from "./cluster/eks";
import { namespaceNames } from "./namespaces";
import { IstioMesh } from "./mesh/istio";
import { ArgoRollouts } from "./delivery/argo-rollouts";
import { KUBECHAT_TYPE, KubeChat } from "./app/kubechat";
import { PostgresHA } from "./data/postgres";
import { VELERO_RELEASE, VeleroBackup } from "./backup/velero";
import { backupAlertRules } from "./backup/alerts";
import { synchronousNodeCount } from "./data/patroni";
import { Observability } from "./observability";
import { ArgoCdApp } from "./gitops/argocd";

export interface KubeChatPlatformArgs {
    /** The validated stack config (from `loadStackConfig`). */
    config: StackConfig;
}

export class KubeChatPlatform extends pulumi.ComponentResource {
    public readonly clusterKind: string;
    public readonly catalog: Catalog;
    public readonly cluster: ClusterLayer;
    /** Namespaces by role (app, data, mesh, ...). */
    public readonly namespaces: Record<string, pulumi.Output<string>> = {};
    /** Istio (absent with `mesh.enabled: false`). */
    public readonly mesh?: IstioMesh;
    /** Argo Rollouts controller (absent with `delivery.strategy: rolling`). */
    public readonly delivery?: ArgoRollouts;
    /** The KubeChat application layer (its objects owned by Argo CD in GitOps mode). */
    public readonly app: KubeChat;
    /** GitOps mode (`gitops.enabled`): the AppProject and Application through which Argo CD owns the app layer. */
    public readonly gitops?: ArgoCdApp;
    /** Postgres HA cluster (absent with `postgres.enabled: false`). */
    public readonly postgres?: PostgresHA;
    /** Velero (absent with `backup.enabled: false`). */
    public readonly backup?: VeleroBackup;
    /** Metrics, logs and traces (each part switchable). */
    public readonly observability: Observability;

    constructor(name: string, args: KubeChatPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubechat:platform:KubeChatPlatform", name, {}, opts);
        const c = args.config;
        const ns = namespaceNames(c);
        this.clusterKind = c.cluster.kind;
        this.catalog = new Catalog({ registry: c.registry, chartRepository: c.chartRepository, chartValues: c.charts });

        // The VPA chart is a cluster-wide engine; it was created inside the app layer before it moved here.
        const vpa = { namespace: ns.vpa, formerly: { name: `${name}-app-vpa`, type: "kubechat:app:VpaChart", parentUrn: pulumi.createUrn(`${name}-app`, KUBECHAT_TYPE, this) } };
        this.cluster = c.cluster.kind === "eks"
            ? new EksCluster(`${name}-cluster`, {
                eks: c.eks, persistent: c.persistent, storageClass: c.cluster.storageClass,
                ingressServiceType: ingressServiceType(c.cluster), catalog: this.catalog, vpa,
            }, { parent: this })
            : new OnPremCluster(`${name}-cluster`, {
                kubeconfigPath: c.kubeconfig,
                kubeconfigContents: c.kubeconfigSecret,
                context: c.cluster.context,
                storageClass: c.cluster.storageClass,
                ingressServiceType: ingressServiceType(c.cluster),
                zones: c.cluster.zones,
                apiServerCidrs: c.cluster.apiServerCidrs,
                catalog: this.catalog, vpa,
            }, { parent: this });

        if (c.mesh.enabled) {
            this.mesh = new IstioMesh(`${name}-mesh`, {
                mesh: c.mesh, app: c.app, catalog: this.catalog, cluster: this.cluster, namespaces: ns,
                backendPorts: Object.values(c.services).filter((s) => s.exposed).map((s) => s.port),
                externalDependencies: [
                    ...(c.objectStore.endpoint !== "" && (c.backup.enabled || (c.postgres.enabled && c.postgres.backups)) ? [{ name: "object-store", url: c.objectStore.endpoint }] : []),
                    ...(c.observability.logs && c.observability.elasticsearchUrl !== "" ? [{ name: "elasticsearch", url: c.observability.elasticsearchUrl }] : []),
                ],
            }, { parent: this });
            this.namespaces.gateway = this.mesh.gatewayNamespace;
        }
        // A rolling update is plain Kubernetes; canary and blue/green need the controller.
        if (c.delivery.strategy !== "rolling") {
            this.delivery = new ArgoRollouts(`${name}-delivery`, {
                catalog: this.catalog, cluster: this.cluster, namespaces: ns, replicas: replicasFor(ha(c).controllers),
            }, { parent: this });
            this.namespaces.delivery = this.delivery.namespace;
        }

        if (c.postgres.enabled) {
            this.postgres = new PostgresHA(`${name}-postgres`, {
                config: c.postgres, appNamespace: c.app.namespace, monitoringNamespace: ns.monitoring, persistent: c.persistent, objectStore: c.objectStore,
                objectStoreCredentials: c.objectStoreCredentials, catalog: this.catalog, cluster: this.cluster,
            }, { parent: this });
            this.namespaces.data = pulumi.output(this.postgres.namespace);
        }

        // The app namespace (with its Pod Security and injection labels) belongs to the app layer.
        // The app reaches Postgres through the pooler with the operator-generated credentials Secret.
        const pg = this.postgres;
        this.app = new KubeChat(`${name}-app`, {
            app: c.app, services: c.services, delivery: c.delivery, namespaces: ns, catalog: this.catalog, cluster: this.cluster,
            database: pg ? { host: pg.host, port: pg.port, database: pg.database, credentialsSecretName: pg.credentialsSecretName } : undefined,
            mesh: this.mesh ? { readiness: this.mesh.readiness, ingressPrincipal: this.mesh.ingressPrincipal, publicGateway: this.mesh.publicGateway } : undefined,
            rollouts: this.delivery ? [this.delivery] : undefined,
            owner: c.gitops.enabled ? "argocd" : "pulumi",
        }, { parent: this });
        this.namespaces.app = this.app.namespace;
        if (c.gitops.enabled) {
            this.gitops = new ArgoCdApp(`${name}-gitops`, {
                gitops: c.gitops, stack: c.stack, appNamespace: c.app.namespace, manifests: this.app.manifests,
                dependsOn: this.app.manifestDependencies, provider: this.cluster.provider,
            }, { parent: this });
        }

        if (c.backup.enabled) {
            this.backup = new VeleroBackup(`${name}-backup`, {
                config: c.backup, includedNamespaces: [c.app.namespace, c.postgres.namespace], persistent: c.persistent,
                objectStore: c.objectStore, objectStoreCredentials: c.objectStoreCredentials, catalog: this.catalog, cluster: this.cluster,
            }, { parent: this });
            this.namespaces.velero = pulumi.output(this.backup.namespace);
        }

        this.observability = new Observability(`${name}-observability`, {
            config: c.observability, catalog: this.catalog, cluster: this.cluster, ha: ha(c).observability,
            appNamespace: c.app.namespace, appNamespaceRef: this.app.namespace, services: c.services, mesh: c.mesh.enabled,
            meshTargets: c.mesh.enabled ? { istioSystem: ns.istioSystem, gateway: ns.gateway } : undefined,
            controlPlaneMetrics: c.cluster.kind === "onprem" && c.observability.controlPlaneMetrics,
            dataNamespace: c.postgres.enabled ? c.postgres.namespace : undefined, veleroNamespace: this.backup?.namespace,
            // The audit trail survives cluster loss only with the backups on.
            snapshotStore: c.backup.enabled ? {
                cluster: this.cluster, persistent: c.persistent, objectStore: c.objectStore,
                objectStoreCredentials: c.objectStoreCredentials, onPremBucket: c.postgres.backupBucket,
            } : undefined,
            backupRules: backupAlertRules({
                postgres: this.postgres && this.postgres.backupBucket !== "" ? {
                    namespace: this.postgres.namespace, cluster: this.postgres.clusterName,
                    archiveTimeoutSeconds: c.postgres.archiveTimeoutSeconds, logicalBackups: true,
                } : undefined,
                velero: this.backup && this.backup.bucketName !== "" ? { namespace: this.backup.namespace, release: VELERO_RELEASE } : undefined,
            }),
            postgresSyncStandbys: c.postgres.enabled ? synchronousNodeCount(c.postgres) : undefined,
            namespaces: ns,
        }, { parent: this });

        this.registerOutputs({ clusterKind: this.clusterKind, namespaces: this.namespaces });
    }
}
