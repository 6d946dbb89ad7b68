/**
 * KubeChatPlatform: composes the whole platform from `PlatformArgs` (what `platformArgs(config)` maps
 * the validated stack config to). The cluster layer differs (on-prem or EKS); everything above it is
 * identical and only sees `ClusterLayer`. Here components are wired to each other's resources
 * (providers, the database host, the mesh's readiness); every setting comes from the args.
 */
import * as pulumi from "@pulumi/pulumi";
import { Catalog } from "./catalog";
import { ClusterLayer } from "./cluster/types";
import { OnPremCluster } from "./cluster/onprem";
import { EksCluster } from "./cluster/eks";
import { IstioMesh } from "./mesh/istio";
import { ArgoRollouts } from "./delivery/argo-rollouts";
import { KUBECHAT_TYPE, KubeChat } from "./app/kubechat";
import { PostgresHA } from "./data/postgres";
import { VELERO_RELEASE, VeleroBackup } from "./backup/velero";
import { backupAlertRules } from "./backup/alerts";
import { Observability } from "./observability";
import { ArgoCdApp } from "./gitops/argocd";
import { ArgoCdInstall } from "./gitops/install";
import { TrivyOperator, trivyAlertRules, trivyServiceMonitor } from "./security/trivy";
import { PlatformArgs } from "./platform-args";
import { SystemEgress, systemEgressPolicies } from "./system-egress";

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
    /** The Trivy Operator (absent with `trivy.enabled: false`). */
    public readonly trivy?: TrivyOperator;
    /** Argo CD itself (GitOps mode, unless the cluster already runs it). */
    public readonly argocd?: ArgoCdInstall;
    /** Postgres HA cluster (absent with `postgres.enabled: false`). */
    public readonly postgres?: PostgresHA;
    /** Velero (absent with `backup.enabled: false`). */
    public readonly backup?: VeleroBackup;
    /** Metrics, logs and traces (each part switchable). */
    public readonly observability: Observability;
    /** Default-deny egress and explicit allows in the system namespaces (vpa, istio-system, monitoring, logging, tracing, velero). */
    public readonly systemEgress: SystemEgress;

    constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubechat:platform:KubeChatPlatform", name, {}, opts);
        const ns = args.namespaces;
        this.clusterKind = args.cluster.kind;
        this.catalog = new Catalog(args.catalog);

        // The VPA chart is a cluster-wide add-on; the alias keeps the URN it has in stacks that created it under the app layer.
        const vpa = { namespace: ns.vpa, formerly: { name: `${name}-app-vpa`, type: "kubechat:app:VpaChart", parentUrn: pulumi.createUrn(`${name}-app`, KUBECHAT_TYPE, this) } };
        this.cluster = args.cluster.kind === "eks"
            ? new EksCluster(`${name}-cluster`, { ...args.cluster.args, catalog: this.catalog, vpa }, { parent: this })
            : new OnPremCluster(`${name}-cluster`, { ...args.cluster.args, catalog: this.catalog, vpa }, { parent: this });
        const wired = { catalog: this.catalog, cluster: this.cluster, namespaces: ns };

        if (args.mesh) {
            this.mesh = new IstioMesh(`${name}-mesh`, { ...args.mesh, ...wired }, { parent: this });
            this.namespaces.gateway = this.mesh.gatewayNamespace;
        }
        if (args.delivery) {
            this.delivery = new ArgoRollouts(`${name}-delivery`, { ...args.delivery, ...wired }, { parent: this });
            this.namespaces.delivery = this.delivery.namespace;
        }

        if (args.postgres) {
            this.postgres = new PostgresHA(`${name}-postgres`, { ...args.postgres, catalog: this.catalog, cluster: this.cluster }, { parent: this });
            this.namespaces.data = pulumi.output(this.postgres.namespace);
        }

        // The app namespace (with its Pod Security and injection labels) belongs to the app layer.
        // The app reaches Postgres through the pooler with the operator-generated credentials Secret.
        const pg = this.postgres;
        this.app = new KubeChat(`${name}-app`, {
            ...args.app, ...wired,
            database: pg ? { host: pg.host, port: pg.port, database: pg.database, credentialsSecretName: pg.credentialsSecretName } : undefined,
            mesh: this.mesh ? { readiness: this.mesh.readiness, ingressPrincipal: this.mesh.ingressPrincipal, publicGateway: this.mesh.publicGateway } : undefined,
            rollouts: this.delivery ? [this.delivery] : undefined,
        }, { parent: this });
        this.namespaces.app = this.app.namespace;
        if (args.argocd) {
            this.argocd = new ArgoCdInstall(`${name}-argocd`, { ...args.argocd, catalog: this.catalog, cluster: this.cluster }, { parent: this });
            this.namespaces.argocd = this.argocd.namespace;
        }
        if (args.gitops) {
            // The chart installs the AppProject and Application CRDs: both wait for the release.
            this.gitops = new ArgoCdApp(`${name}-gitops`, {
                ...args.gitops, manifests: this.app.manifests, dependsOn: this.app.manifestDependencies, argocd: this.argocd?.release, provider: this.cluster.provider,
            }, { parent: this });
        }

        if (args.backup) {
            this.backup = new VeleroBackup(`${name}-backup`, { ...args.backup, catalog: this.catalog, cluster: this.cluster }, { parent: this });
            this.namespaces.velero = pulumi.output(this.backup.namespace);
        }

        if (args.trivy) {
            this.trivy = new TrivyOperator(`${name}-trivy`, { ...args.trivy, catalog: this.catalog, cluster: this.cluster }, { parent: this });
            this.namespaces.trivy = this.trivy.namespace;
        }
        const trivyNs = args.trivy?.namespace;

        this.observability = new Observability(`${name}-observability`, {
            ...args.observability, catalog: this.catalog, cluster: this.cluster,
            appNamespaceRef: this.app.namespace, veleroNamespace: this.backup?.namespace,
            snapshotStore: args.esSnapshots ? { ...args.esSnapshots, cluster: this.cluster } : undefined,
            backupRules: backupAlertRules({
                postgres: pg && args.postgres && pg.backupBucket !== "" ? {
                    namespace: pg.namespace, cluster: pg.clusterName,
                    archiveTimeoutSeconds: args.postgres.config.archiveTimeoutSeconds, logicalBackups: true,
                } : undefined,
                velero: this.backup && this.backup.bucketName !== "" ? { namespace: this.backup.namespace, release: VELERO_RELEASE } : undefined,
            }),
            platformSignals: trivyNs ? { rules: trivyAlertRules(trivyNs), monitors: (monitoring) => [trivyServiceMonitor(monitoring, trivyNs)] } : undefined,
        }, { parent: this });

        // Each namespace's policies wait for the component that creates the namespace.
        const obs = this.observability;
        this.systemEgress = new SystemEgress(`${name}-system-egress`, {
            plans: systemEgressPolicies({ ...args.systemEgress, apiServerCidrs: this.cluster.apiServerCidrs }),
            provider: this.cluster.provider,
            after: {
                [ns.vpa]: this.cluster.vpaReady,
                ...(this.mesh ? { [ns.istioSystem]: [this.mesh] } : {}),
                ...(obs.metrics ? { [ns.monitoring]: [obs.metrics] } : {}),
                ...(obs.logging ? { [ns.logging]: [obs.logging] } : {}),
                ...(obs.tracing ? { [ns.tracing]: [obs.tracing] } : {}),
                ...(this.backup ? { [ns.velero]: [this.backup] } : {}),
                ...(this.argocd && args.argocd ? { [args.argocd.namespace]: [this.argocd] } : {}),
                ...(this.trivy ? { [ns.trivy]: [this.trivy] } : {}),
            },
        }, { parent: this });

        this.registerOutputs({ clusterKind: this.clusterKind, namespaces: this.namespaces });
    }
}
