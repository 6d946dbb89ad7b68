/**
 * Logging: Fluent Bit (DaemonSet) -> Fluentd (aggregator) -> Elasticsearch -> Kibana in `logging`.
 * Elasticsearch and Kibana are ECK resources in-cluster, or an external endpoint from config.
 *
 * Writers authenticate as their own least-privilege users, declared through ECK (roles and file-realm
 * Secrets, elasticsearch-auth.ts): Fluentd as `kubechat-log-writer`, Jaeger as `jaeger`. Fluent Bit
 * forwards to Fluentd over TLS with the forward protocol's shared key.
 *
 * Retention (application 30 d, system 90 d, audit 7 y, traces 7 d by default) is enforced by ILM
 * policies. ECK declares ILM policies only through an Enterprise-licence StackConfigPolicy, so the
 * `es-setup` Job applies them (with the index templates that bind each class's daily indices to its
 * policy) once Elasticsearch is up, and its CronJob re-applies them daily (idempotent) and attaches the
 * traces policy to Jaeger's new daily indices (see `esSetupScript` for what else it does and why).
 *
 * Audit logs: Fluent Bit tails `AUDIT_LOG_PATH` on control-plane nodes where the API server writes its
 * audit log (kubeadm convention; an operator sets `--audit-log-path` there, k3s/RKE2 need the path
 * mapped). On EKS the control plane is managed: audit logs go to CloudWatch via the cluster's control
 * plane logging, not through this pipeline.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { Catalog } from "../catalog";
import { ClusterLayer } from "../cluster/types";
import { recommendedLabels } from "../labels";
import { RELEASES, observabilityNamespace } from "./common";
import { ES_NAME, LOG_INDEX_PREFIX, awaitingReady, EsSizing, EsTarget, eckOperatorValues, elasticsearch, esTarget, indexReplicas, kibana } from "./elasticsearch";
import { ES_SETUP_SA, Retention, esSetupPodSpec } from "./elasticsearch-setup";
import { FLUENTD_SERVICE_ACCOUNT, FORWARD_CA_SECRET, FORWARD_KEY_SECRET, fluentBitValues, fluentdValues } from "./fluent";
import { addonNamespace, chartAddon } from "../release";
import { newForwardCa } from "./forward-ca";
import { JAEGER_USER, KEEP_PASSWORD, LOG_WRITER, basicAuthSecret, esRolesSecret, keepGenerated, newPassword } from "./elasticsearch-auth";
import { EsSnapshotStoreArgs, EsSnapshotTarget, esSnapshotStore } from "./es-snapshots";

export interface LoggingArgs {
    catalog: Catalog;
    cluster: ClusterLayer;
    /** Namespace created here. Default `logging`. */
    namespace?: string;
    /** Run Fluent Bit and Fluentd. false = only the Elasticsearch backend (for traces). */
    shipLogs: boolean;
    /** Namespaces whose logs are "application" (30 d); every other namespace is "system". */
    appNamespaces: string[];
    /** External Elasticsearch URL; "" = ECK in-cluster. External credentials: Secret `elasticsearch-credentials` (username, password) in this namespace, created by the operator. */
    externalUrl: string;
    /** ECK node count, volume size and class, persistence (keep volumes on delete). */
    sizing: EsSizing;
    retention: Retention;
    /** HA stack: two Fluentd replicas. */
    ha: boolean;
    /**
     * In-cluster ES with Jaeger on it: the `jaeger` user's password (a secret Output, also given to the
     * tracing component for its copy) and the namespace es-setup copies ECK's CA into.
     */
    jaeger?: { password: pulumi.Input<string>; caNamespace: string };
    /** Snapshots of the in-cluster Elasticsearch to the backup object store (absent: none). */
    snapshotStore?: EsSnapshotStoreArgs;
}

export class Logging extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    /** Elasticsearch URL logs and traces are written to. */
    public readonly elasticsearchUrl: string;
    /** The setup Job: Jaeger waits for it (ILM policies, Jaeger credentials). */
    public readonly setupJob: k8s.batch.v1.Job;
    /** What a writer to Elasticsearch waits for: the Ready Elasticsearch (in-cluster) and the setup Job. */
    public readonly ready: pulumi.Resource[];
    /** Where the Elasticsearch credentials live. */
    public readonly es: EsTarget;

    constructor(name: string, args: LoggingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubechat:observability:Logging", name, {}, opts);
        const nsName = args.namespace ?? "logging";
        const { catalog, cluster } = args;
        const child = { parent: this, provider: cluster.provider };
        this.es = esTarget(args.externalUrl, nsName);
        this.elasticsearchUrl = this.es.url;

        // Fluent Bit mounts host log directories (hostPath): `privileged` only while it runs here.
        const ns = addonNamespace(`${name}-ns`, observabilityNamespace(nsName, args.shipLogs ? "privileged" : "restricted"), child);
        this.namespace = ns.name;
        const inNs = { namespace: ns.name };

        const backend: pulumi.Resource[] = [];
        // What Fluentd needs besides a Ready Elasticsearch: its user's Secret (in-cluster) and the forward key.
        const writerReady: pulumi.Resource[] = [];
        let snapshots: EsSnapshotTarget | undefined;
        if (this.es.inCluster) {
            // Roles and users first: ECK reads them when it builds the nodes' file realm.
            const jaeger = args.jaeger;
            const users = [LOG_WRITER, ...(jaeger ? [JAEGER_USER] : [])];
            const roles = new k8s.core.v1.Secret(`${name}-es-roles`,
                esRolesSecret(ns.name, Object.values(LOG_INDEX_PREFIX).map((p) => `${p}-*`)) as k8s.core.v1.SecretArgs, child);
            const writer = new k8s.core.v1.Secret(`${name}-es-log-writer`,
                basicAuthSecret(LOG_WRITER, LOG_WRITER.secret, ns.name, newPassword(), true, "logging") as k8s.core.v1.SecretArgs,
                { ...child, ...KEEP_PASSWORD });
            const auth: pulumi.Resource[] = [roles, writer, ...(jaeger ? [new k8s.core.v1.Secret(`${name}-es-jaeger`,
                basicAuthSecret(JAEGER_USER, JAEGER_USER.secret, ns.name, jaeger.password, true, "logging") as k8s.core.v1.SecretArgs,
                { ...child, ...KEEP_PASSWORD })] : [])];
            writerReady.push(writer);
            const operator = chartAddon(`${name}-eck-operator`, {
                release: RELEASES.eckOperator,
                namespace: ns,
                chart: "eck-operator", catalog,
                values: eckOperatorValues(catalog, nsName),
            }, child);
            const store = args.snapshotStore ? esSnapshotStore(`${name}-es-snapshots`, args.snapshotStore, ns.name, nsName, this) : undefined;
            snapshots = store?.target;
            // Elastic CRs need the operator's CRDs; the data volumes are kept in persistent stacks.
            const es = new k8s.apiextensions.CustomResource(`${name}-elasticsearch`,
                awaitingReady(elasticsearch(catalog, nsName, { ...args.sizing, zoneAware: cluster.eks !== undefined && cluster.zones > 1 }, snapshots, users)) as k8s.apiextensions.CustomResourceArgs,
                { ...child, dependsOn: [operator, ...auth, ...(store?.ready ?? []), ...args.cluster.storageReady], protect: args.sizing.persistent, customTimeouts: { create: "30m", update: "30m" } });
            new k8s.apiextensions.CustomResource(`${name}-kibana`,
                kibana(catalog, nsName) as k8s.apiextensions.CustomResourceArgs, { ...child, dependsOn: [operator] });
            backend.push(es);
        }

        const setup = {
            retention: args.retention,
            replicas: indexReplicas(this.es.inCluster, args.sizing.nodes),
            jaegerCaNamespace: this.es.inCluster ? args.jaeger?.caNamespace : undefined,
            snapshots,
        };
        const labels = recommendedLabels("es-setup", "logging");
        new k8s.core.v1.ServiceAccount(`${name}-es-setup-sa`, {
            metadata: { name: ES_SETUP_SA, ...inNs, labels },
            automountServiceAccountToken: false,
        }, child);
        const pod = { metadata: { labels }, spec: esSetupPodSpec(catalog, this.es, setup) };
        this.setupJob = new k8s.batch.v1.Job(`${name}-es-setup`, {
            metadata: { name: "es-setup", ...inNs, labels },
            spec: { backoffLimit: 6, activeDeadlineSeconds: 1800, template: pod },
        }, { ...child, dependsOn: backend, customTimeouts: { create: "35m", update: "35m" } });
        new k8s.batch.v1.CronJob(`${name}-es-maintenance`, {
            metadata: { name: "es-maintenance", ...inNs, labels },
            spec: {
                schedule: "15 0 * * *",
                concurrencyPolicy: "Forbid",
                successfulJobsHistoryLimit: 1,
                failedJobsHistoryLimit: 3,
                jobTemplate: { spec: { backoffLimit: 3, activeDeadlineSeconds: 1800, template: pod } },
            },
        }, child);

        this.ready = [...backend, this.setupJob];

        if (args.shipLogs) {
            // The forward protocol's shared key, generated once (see elasticsearch-auth.ts for the trade-off).
            const forwardKey = new k8s.core.v1.Secret(`${name}-forward-key`, {
                metadata: { name: FORWARD_KEY_SECRET, namespace: ns.name, labels: recommendedLabels("fluentd", "logging") },
                type: "Opaque",
                stringData: { sharedKey: newPassword() },
            }, { ...child, ...keepGenerated() });
            // The forward link's CA, generated once like the passwords (its key: secret in state and here).
            const ca = pulumi.output(newForwardCa(`${RELEASES.fluentd}-forward-ca`));
            const forwardCa = new k8s.core.v1.Secret(`${name}-forward-ca`, {
                metadata: { name: FORWARD_CA_SECRET, namespace: ns.name, labels: recommendedLabels("fluentd", "logging") },
                type: "Opaque",
                stringData: { "ca.crt": ca.cert, "ca.key": pulumi.secret(ca.key) },
            }, { ...child, ...keepGenerated() });
            // Fluentd never calls the API: its ServiceAccount mounts no token (the chart has no such setting).
            const fluentdSa = new k8s.core.v1.ServiceAccount(`${name}-fluentd-sa`, {
                metadata: { name: FLUENTD_SERVICE_ACCOUNT, namespace: ns.name, labels: recommendedLabels("fluentd", "logging") },
                automountServiceAccountToken: false,
            }, child);
            // Fluentd mounts its user's Secret and the ECK CA: it starts once Elasticsearch is Ready.
            chartAddon(`${name}-fluentd`, {
                release: RELEASES.fluentd,
                namespace: ns,
                chart: "fluentd", catalog,
                values: fluentdValues(catalog, this.es, args.ha),
            }, { ...child, dependsOn: [...backend, ...writerReady, forwardKey, forwardCa, fluentdSa] });
            chartAddon(`${name}-fluent-bit`, {
                release: RELEASES.fluentBit,
                namespace: ns,
                chart: "fluent-bit", catalog,
                values: fluentBitValues(catalog, args.appNamespaces, nsName),
            }, { ...child, dependsOn: [forwardKey, forwardCa] });
        }

        this.registerOutputs({ namespace: this.namespace, elasticsearchUrl: this.elasticsearchUrl, kibana: `${ES_NAME}-kb-http.${nsName}.svc:5601` });
    }
}
