/**
 * The one stack-config loader. Everything a stack can set lives in the `kubechat:` namespace and is
 * described here once: type, range, default and description. `Pulumi.yaml` is generated from this
 * schema (`npm run gen:config`), so the declaration and the validation can never drift apart.
 *
 * Pulumi project config can only declare string, integer, boolean and array keys, so settings are
 * grouped as nested objects in the stack files (`kubechat:postgres: {instances: 3}`) and every leaf is
 * declared in Pulumi.yaml by its path (`postgres.instances`), which is how Pulumi validates nested
 * values. Maps keyed by name (`services`, `eks.nodeGroups`) declare the leaves of their default entries.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { subnetPlanProblems } from "./cluster/vpc";
import { kubechatProblems } from "./app/validate";
import { validatePostgres } from "./data/validate";
import { endpointProblem, gitEgressProblem, objectStoreProblem } from "./network";
import { alertingProblems } from "./observability/alerting";
import { CHARTS, ChartKey, SUPPORTED_EKS_VERSIONS } from "./catalog";
import { ConfigError } from "./errors";

export const CONFIG_NAMESPACE = "kubechat";

// The SDK's own test for "was this key set with --secret" (what Config.get uses to warn); it is
// marked internal in the typings, hence the typed require.
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

export { ConfigError };

const quantity = (what: string) =>
    z.string().regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G)?$/, `must be a Kubernetes ${what} quantity such as 100m or 128Mi`);
const cron = z.string().regex(/^(@(hourly|daily|weekly|monthly|yearly))|((\S+\s+){4}\S+)$/, "must be a 5-field cron expression");
const dnsLabel = z.string().regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a DNS-1123 label (lower-case letters, digits, '-')");
const cidr = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, "must be an IPv4 CIDR such as 10.0.0.0/16");
const int = (min: number, max: number) => z.number().int().min(min).max(max);
/** A config section: unknown keys rejected; absent = all defaults (every leaf has one, which TS cannot see). */
const obj = <T extends z.ZodRawShape>(shape: T) => {
    const section = z.strictObject(shape);
    return section.prefault({} as z.input<typeof section>);
};

const serviceSchema = z.strictObject({
    image: z.string().default("").describe("Image repository without tag; empty = the catalog image kubechat/<name>"),
    tag: z.string().default("").describe("Image tag; empty = the catalog's pinned tag"),
    port: int(1, 65535).default(8080).describe("Container port, exposed as the Service port named http"),
    minReplicas: int(1, 1000).default(3).describe("Replica floor; with maxReplicas > minReplicas an HPA scales between them"),
    maxReplicas: int(1, 1000).default(20).describe("Replica ceiling for the HPA"),
    cpuTargetPercent: int(1, 100).default(70).describe("HPA target average CPU utilisation"),
    memoryTargetPercent: int(1, 100).default(80).describe("HPA target average memory utilisation"),
    requestsPerSecond: int(0, 1000000).default(1000).describe("HPA target http_requests_per_second per pod (0 = no Pods metric)"),
    cpuRequest: quantity("CPU").default("100m").describe("Container CPU request"),
    memoryRequest: quantity("memory").default("128Mi").describe("Container memory request"),
    cpuLimit: quantity("CPU").default("500m").describe("Container CPU limit"),
    memoryLimit: quantity("memory").default("256Mi").describe("Container memory limit"),
    pdbMinAvailable: int(0, 1000).default(2).describe("PDB minAvailable; lowered automatically so it never blocks every drain"),
    vpaMode: z.enum(["Off", "Initial", "Recreate", "InPlaceOrRecreate"]).default("Off").describe("VPA updateMode (never Auto); non-Off modes only control resources the HPA does not scale on"),
    vpaMinCpu: quantity("CPU").default("100m").describe("VPA minAllowed CPU"),
    vpaMinMemory: quantity("memory").default("128Mi").describe("VPA minAllowed memory"),
    vpaMaxCpu: quantity("CPU").default("2").describe("VPA maxAllowed CPU"),
    vpaMaxMemory: quantity("memory").default("4Gi").describe("VPA maxAllowed memory"),
    readinessPath: z.string().default("/health/ready").describe("HTTP readiness probe path"),
    livenessPath: z.string().default("/health/live").describe("HTTP liveness probe path"),
    metricsPath: z.string().default("/metrics").describe("Prometheus metrics path on the service port"),
    // Least privilege: a new service gets no API access, no database credentials and no exposure
    // unless it asks; api-gateway's default entry asks for all three.
    readsKubernetesApi: z.boolean().default(false).describe("Bind the read-only ClusterRole and allow egress to the API server"),
    usesDatabase: z.boolean().default(false).describe("Inject the Postgres connection (pooler host, port, database, credentials Secret)"),
    exposed: z.boolean().default(false).describe("Route external traffic to it through the ingress gateway / Ingress"),
    terminationGraceSeconds: int(1, 3600).default(60).describe("terminationGracePeriodSeconds for connection draining"),
    preStopSleepSeconds: int(0, 600).default(15).describe("preStop pause so endpoints drop the pod before it stops"),
});
export type ServiceConfig = z.infer<typeof serviceSchema>;

const nodeGroupSchema = z.strictObject({
    instanceTypes: z.array(z.string()).min(1).default(["m5.large", "m5.xlarge"]).describe("EC2 instance types of the managed node group"),
    minSize: int(0, 1000).default(3).describe("Node group minimum size"),
    maxSize: int(1, 1000).default(20).describe("Node group maximum size"),
    desiredSize: int(0, 1000).default(3).describe("Initial desired size (ignored after creation: the autoscaler owns it)"),
    diskSizeGiB: int(20, 16384).default(50).describe("Encrypted gp3 root volume size"),
    taints: z.array(z.string().regex(/^[^=:\s]+=[^=:\s]*:(NoSchedule|PreferNoSchedule|NoExecute)$/, "must look like key=value:NoSchedule")).default([]).describe("Taints as key=value:Effect"),
    labels: z.array(z.string().regex(/^[^=\s]+=[^=\s]*$/, "must look like key=value")).default([]).describe("Node labels as key=value"),
});
export type NodeGroupConfig = z.infer<typeof nodeGroupSchema>;

/** What api-gateway needs beyond a new service's least-privilege defaults: it is the API, reads the API, uses the database. */
export const API_GATEWAY_DEFAULTS = { readsKubernetesApi: true, usesDatabase: true, exposed: true };

const DEFAULT_NODE_GROUPS = {
    "general-purpose": { instanceTypes: ["m5.large", "m5.xlarge"], minSize: 3, maxSize: 20, desiredSize: 3 },
    "compute-optimized": {
        instanceTypes: ["c5.large", "c5.xlarge"], minSize: 0, maxSize: 10, desiredSize: 0,
        taints: ["workload-type=compute-intensive:NoSchedule"], labels: ["workload-type=compute-intensive"],
    },
};

/**
 * A map keyed by DNS-label names whose default entries are always present, each merged over its own
 * defaults — as Pulumi applies the leaf defaults declared for them in Pulumi.yaml.
 */
function namedMap<T extends z.ZodType>(value: T, defaults: Record<string, Record<string, unknown>>, description: string) {
    const merge = (v: unknown) => {
        if (v === undefined || v === null) return defaults;
        if (typeof v !== "object" || Array.isArray(v)) return v;
        const given = v as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        // Default entries first (api-gateway is the first service), then the others in given order.
        for (const [k, d] of Object.entries(defaults)) {
            const entry = given[k];
            out[k] = entry === undefined ? d : entry !== null && typeof entry === "object" && !Array.isArray(entry) ? { ...d, ...entry } : entry;
        }
        for (const [k, entry] of Object.entries(given)) if (!(k in defaults)) out[k] = entry;
        return out;
    };
    // The default entries travel with the schema so Pulumi.yaml can declare their leaves.
    return Object.assign(z.preprocess(merge, z.record(dnsLabel, value)).describe(description), { entryDefaults: defaults });
}

/** A registry reference `host[:port][/path]` — no scheme (images are named `host/path:tag`). */
export const REGISTRY_PATTERN = /^[a-zA-Z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)*$/;

const severities = (def: ("critical" | "warning")[]) =>
    z.array(z.enum(["critical", "warning"])).min(1, "must name at least one severity").default(def).describe("Alert severities routed to this receiver (critical, warning)");
const receiverSecret = (key: string, what: string) => ({
    secretName: z.string().regex(/^$|^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/, "must be a Secret name").default("")
        .describe(`Secret in the monitoring namespace holding ${what} (created by the operator; mounted into Alertmanager, never read by Pulumi)`),
    secretKey: z.string().regex(/^[-._a-zA-Z0-9]+$/, "must be a Secret key").default(key).describe(`Key of ${what} in secretName`),
});
const alertingSchema = obj({
    groupBy: z.array(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "must be a label name")).min(1).default(["namespace", "alertname"]).describe("Labels alerts are grouped by into one notification"),
    repeatHours: int(1, 168).default(4).describe("Hours before a still-firing alert is notified again"),
    webhook: obj({
        enabled: z.boolean().default(false).describe("Send alerts to a webhook"),
        severities: severities(["critical", "warning"]),
        ...receiverSecret("url", "the webhook URL"),
    }),
    slack: obj({
        enabled: z.boolean().default(false).describe("Send alerts to Slack"),
        severities: severities(["critical", "warning"]),
        channel: z.string().default("").describe("Slack channel (empty = the incoming webhook's default)"),
        ...receiverSecret("api-url", "the Slack incoming-webhook URL"),
    }),
    pagerduty: obj({
        enabled: z.boolean().default(false).describe("Page through PagerDuty (Events API v2)"),
        severities: severities(["critical"]),
        ...receiverSecret("routing-key", "the PagerDuty integration (routing) key"),
    }),
    email: obj({
        enabled: z.boolean().default(false).describe("Send alerts by e-mail"),
        severities: severities(["critical", "warning"]),
        to: z.string().default("").describe("Recipient address(es), comma-separated"),
        from: z.string().default("").describe("Sender address"),
        smarthost: z.string().regex(/^$|^\S+:\d+$/, "must be host:port").default("").describe("SMTP server as host:port"),
        username: z.string().default("").describe("SMTP user (empty = no authentication)"),
        ...receiverSecret("smtp-password", "the SMTP password"),
    }),
    egressCidrs: z.array(cidr).default([]).describe("Addresses (CIDRs) Alertmanager may reach for the enabled receivers (their published ranges or an egress proxy); empty = any public address on the receivers' ports (HTTPS 443, the SMTP port)"),
});

export const configSchema = z.strictObject({
    registry: z.string().regex(new RegExp(`^$|${REGISTRY_PATTERN.source}`), "must be host[:port][/path] without a scheme").default("")
        .describe("Air-gap: registry host[:port][/path] that every image is pulled from (empty = upstream registries)"),
    chartRepository: z.string().regex(/^$|^(https?:\/\/|oci:\/\/|\/|\.\.?\/)\S+$/, "must be an http(s):// or oci:// URL or a local directory path").default("")
        .describe("Air-gap: chart mirror (http(s) repository, oci:// registry path or local directory of <chart>-<version>.tgz)"),
    persistent: z.boolean().default(false).describe("Persistent stack: protect stateful resources and retain volumes"),
    kubeconfig: z.string().default("").describe("On-prem: kubeconfig path or contents (set contents with --secret); empty = the default kubeconfig"),
    objectStoreAccessKeyId: z.string().default("").describe("On-prem: S3-compatible access key id (set with --secret)"),
    objectStoreSecretAccessKey: z.string().default("").describe("On-prem: S3-compatible secret access key (set with --secret)"),
    cluster: obj({
        kind: z.enum(["onprem", "eks"]).default("onprem").describe("Cluster layer: onprem (existing cluster) or eks (built here)"),
        context: z.string().default("").describe("On-prem: kubeconfig context (dev: rancher-desktop)"),
        storageClass: z.string().default("").describe("StorageClass for volumes (empty = gp3 on EKS, the cluster default on-prem)"),
        ingressServiceType: z.enum(["auto", "LoadBalancer", "NodePort", "ClusterIP"]).default("auto").describe("Service type of the ingress gateway; auto = LoadBalancer on EKS, NodePort on-prem (on-prem LoadBalancer needs cluster.loadBalancer)"),
        loadBalancer: z.boolean().default(false).describe("On-prem: the cluster gives LoadBalancer Services an address (MetalLB, kube-vip, k3s ServiceLB, an appliance controller); otherwise use NodePort or ClusterIP behind an existing load balancer"),
        zones: int(1, 16).default(3).describe("Failure zones the nodes span (EKS: the number of availability zones)"),
        kubernetesVersion: z.string().regex(/^1\.\d{2}$/, "must be a Kubernetes minor version such as 1.33").default("1.33").describe("On-prem: the cluster's Kubernetes minor version, which the charts are rendered for (EKS: eks.version)"),
        apiServerCidrs: z.array(cidr).default([]).describe("On-prem: Kubernetes API server addresses (CIDRs) for NetworkPolicy egress on 443/6443; required on-prem, where the VPA controllers always read the API (EKS: the VPC CIDR)"),
        nodeCidrs: z.array(cidr).default([]).describe("On-prem: the nodes' addresses (CIDRs), where Prometheus scrapes the kubelets (10250) and node-exporter (9100); required when observability.metrics is on (EKS: the VPC CIDR)"),
    }),
    eks: obj({
        clusterName: z.string().regex(/^[a-z][a-z0-9-]{0,61}[a-z0-9]$/, "must be lower-case letters, digits and '-' (2-63 characters)").default("kubechat").describe("EKS cluster name (also in subnet, ASG and IAM condition tags; unique per account and region)"),
        region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "must be an AWS region such as us-east-1").default("us-east-1").describe("AWS region"),
        accountId: z.string().regex(/^$|^\d{12}$/, "must be a 12-digit AWS account id").default("").describe("AWS account the stack deploys into (required on EKS): the AWS provider refuses any other account, and default bucket names include it so they are globally unique"),
        version: z.string().regex(/^1\.\d{2}$/, "must be a Kubernetes minor version such as 1.33").default("1.33").describe("EKS Kubernetes version: 1.32, 1.33 or 1.34 (node groups and the pinned add-on versions follow it)"),
        vpcCidr: cidr.default("10.0.0.0/16").describe("VPC CIDR; split into a public and a private subnet per AZ"),
        availabilityZones: z.array(z.string()).default(["us-east-1a", "us-east-1b", "us-east-1c"]).describe("Availability zones (one public and one private subnet each)"),
        singleNatGateway: z.boolean().default(false).describe("One NAT gateway for all AZs (cheaper, not zone-redundant)"),
        interfaceEndpoints: z.boolean().default(false).describe("ECR api/dkr and STS interface endpoints so private nodes pull from ECR without NAT"),
        publicAccessCidrs: z.array(cidr).default([]).describe("CIDRs allowed to the public API endpoint (empty = private endpoint only)"),
        privateAccessCidrs: z.array(cidr).default([]).describe("Networks outside the nodes (a peered ops VPC, a VPN, the deploy runner's subnet) allowed to the private API endpoint on 443"),
        adminRoleArns: z.array(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, "must be an IAM role ARN")).default([]).describe("IAM roles granted cluster admin through access entries"),
        minNodes: int(0, 5000).default(3).describe("Lower bound of the sum of node group minimum sizes"),
        maxNodes: int(1, 5000).default(50).describe("Upper bound of the sum of node group maximum sizes"),
        nodeGroups: namedMap(nodeGroupSchema, DEFAULT_NODE_GROUPS, "Managed node groups keyed by name"),
    }),
    app: obj({
        namespace: dnsLabel.default("kubechat-system").describe("Application namespace"),
        host: z.string().default("kubechat.local").describe("External host name of the API"),
        tlsSecretName: z.string().default("kubechat-tls").describe("TLS Secret for the host (gateway namespace with the mesh, app namespace for the Ingress)"),
    }),
    services: namedMap(serviceSchema, { "api-gateway": API_GATEWAY_DEFAULTS }, "KubeChat workloads keyed by name; api-gateway is the first"),
    postgres: obj({
        enabled: z.boolean().default(true).describe("Deploy the Postgres HA cluster"),
        namespace: dnsLabel.default("kubechat-data").describe("Data namespace (operator and cluster)"),
        teamId: dnsLabel.default("kubechat").describe("Zalando teamId; the cluster is named <teamId>-<clusterName>"),
        clusterName: dnsLabel.default("db").describe("Cluster name suffix"),
        version: z.enum(["15", "16", "17"]).default("17").describe("PostgreSQL major version"),
        instances: int(1, 9).default(3).describe("Patroni members (primary + replicas)"),
        synchronousReplicas: int(0, 8).default(2).describe("Patroni synchronous_node_count (capped at instances - 1)"),
        volumeSize: quantity("storage").default("50Gi").describe("Volume size per member"),
        cpuRequest: quantity("CPU").default("500m").describe("Postgres container CPU request"),
        memoryRequest: quantity("memory").default("1Gi").describe("Postgres container memory request"),
        cpuLimit: quantity("CPU").default("2").describe("Postgres container CPU limit"),
        memoryLimit: quantity("memory").default("4Gi").describe("Postgres container memory limit"),
        database: dnsLabel.default("kubechat").describe("Application database"),
        user: dnsLabel.default("kubechat").describe("Application user (credentials generated by the operator)"),
        poolerInstances: int(1, 10).default(2).describe("PgBouncer pods"),
        poolerMode: z.enum(["transaction", "session"]).default("transaction").describe("PgBouncer pool mode"),
        poolerMaxDbConnections: int(1, 10000).default(100).describe("Server connections available to the app in total across the pooler pods (the operator value and max_connections are derived)"),
        tls: z.boolean().default(false).describe("Serve TLS from a cert-manager or customer Secret"),
        tlsSecretName: z.string().default("").describe("Secret with tls.crt/tls.key/ca.crt when tls is on"),
        backups: z.boolean().default(true).describe("WAL-G archiving and logical backups"),
        backupBucket: z.string().default("").describe("Backup bucket (EKS: created here when empty; on-prem: bucket on the object store)"),
        baseBackupSchedule: cron.default("0 1 * * *").describe("Daily base backup (UTC)"),
        pitrDays: int(1, 3650).default(30).describe("Days of point-in-time recovery kept"),
        archiveTimeoutSeconds: int(60, 3600).default(900).describe("archive_timeout: WAL is switched at least this often (RPO)"),
        logicalBackupSchedule: cron.default("30 2 * * *").describe("Daily pg_dump CronJob (UTC)"),
        cloneFromCluster: z.string().default("").describe("Restore: bootstrap the cluster as a WAL-G point-in-time clone of this cluster (see docs/restore.md); empty = a new, empty database"),
        cloneFromUid: z.string().default("").describe("Restore: metadata.uid of the source cluster (the stack output postgresClone.uid)"),
        cloneTimestamp: z.string().default("").describe("Restore: recover up to this time, RFC 3339 with a UTC offset (2026-11-29T10:00:00+00:00)"),
    }),
    objectStore: obj({
        endpoint: z.string().regex(/^$|^https?:\/\/\S+$/, "must be an http(s) URL").default("").describe("On-prem: S3-compatible endpoint URL for backups"),
        region: z.string().default("us-east-1").describe("On-prem: region name the object store expects"),
        forcePathStyle: z.boolean().default(true).describe("On-prem: path-style bucket addressing"),
        credentialsSecret: z.string().default("").describe("On-prem: existing Secret with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (used when the secret keys are not set)"),
        cidrs: z.array(cidr).default([]).describe("On-prem: addresses (CIDRs) of the object store when its endpoint is a host name outside the cluster; backup egress goes there only"),
    }),
    mesh: obj({
        enabled: z.boolean().default(true).describe("Install Istio and route through it (off = plain Service + Ingress)"),
        ha: z.boolean().default(true).describe("istiod HA: replicas, PDB and autoscaling"),
        istiodReplicas: int(1, 10).default(2).describe("istiod replicas when HA"),
        istiodMaxReplicas: int(1, 50).default(5).describe("istiod autoscaling ceiling when HA"),
        gatewayNamespace: dnsLabel.default("istio-ingress").describe("Namespace of the ingress gateway"),
        gatewayReplicas: int(1, 50).default(2).describe("Ingress gateway replica floor"),
        gatewayMaxReplicas: int(1, 100).default(5).describe("Ingress gateway autoscaling ceiling when HA (>= gatewayReplicas)"),
        traceSamplingPercent: int(0, 100).default(10).describe("Share of requests traced"),
        cniBinDir: z.string().default("").describe("Istio CNI: node directory of CNI binaries (empty = chart default /opt/cni/bin; k3s/Rancher Desktop: /var/lib/rancher/k3s/data/current/bin/)"),
        cniConfDir: z.string().default("").describe("Istio CNI: node directory of CNI network configs (empty = chart default /etc/cni/net.d; k3s/Rancher Desktop: /var/lib/rancher/k3s/agent/etc/cni/net.d)"),
    }),
    delivery: obj({
        strategy: z.enum(["rolling", "canary", "blueGreen"]).default("canary").describe("Progressive delivery strategy"),
        canarySteps: z.array(int(1, 100)).default([5, 25, 50, 100]).describe("Canary traffic weights in percent, ending at 100"),
        pauseMinutes: int(0, 1440).default(30).describe("Pause between canary steps"),
        maxErrorBasisPoints: int(1, 10000).default(10).describe("Abort when the 5xx ratio reaches this many basis points (10 = 0.1 %)"),
        autoPromote: z.boolean().default(false).describe("Blue/green: promote automatically"),
        scaleDownDelaySeconds: int(30, 86400).default(30).describe("Blue/green: keep the old ReplicaSet this long for instant rollback"),
    }),
    observability: obj({
        metrics: z.boolean().default(true).describe("kube-prometheus-stack, prometheus-adapter, ServiceMonitors and alerts"),
        metricsRetentionDays: int(1, 3650).default(15).describe("Prometheus retention"),
        metricsStorage: quantity("storage").default("50Gi").describe("Prometheus volume size"),
        errorRateAlertPercent: int(1, 100).default(5).describe("KubeChatHighErrorRate threshold (5xx share of requests)"),
        logs: z.boolean().default(true).describe("Fluent Bit -> Fluentd -> Elasticsearch -> Kibana"),
        elasticsearchUrl: z.string().regex(/^$|^https?:\/\/\S+$/, "must be an http(s) URL").default("").describe("External Elasticsearch (empty = ECK in-cluster)"),
        elasticsearchCidrs: z.array(cidr).default([]).describe("Addresses (CIDRs) of the external Elasticsearch when elasticsearchUrl names a host outside the cluster; log and trace egress goes there only"),
        elasticsearchNodes: int(1, 99).default(3).describe("ECK Elasticsearch nodes"),
        elasticsearchStorage: quantity("storage").default("100Gi").describe("ECK volume per node"),
        appLogRetentionDays: int(1, 3650).default(30).describe("Application log retention"),
        systemLogRetentionDays: int(1, 3650).default(90).describe("System log retention"),
        auditLogRetentionDays: int(1, 36500).default(2555).describe("Audit log retention (7 years)"),
        traces: z.boolean().default(true).describe("Jaeger receiving OTLP from the mesh"),
        traceStorage: z.enum(["memory", "elasticsearch"]).default("elasticsearch").describe("Jaeger storage"),
        traceRetentionDays: int(1, 365).default(7).describe("Trace retention"),
        controlPlaneMetrics: z.boolean().default(false).describe("On-prem: scrape kube-controller-manager, kube-scheduler, etcd and kube-proxy (only where they listen beyond 127.0.0.1; kubeadm binds them to localhost); off on EKS, whose control plane is managed"),
        alerting: alertingSchema,
    }),
    backup: obj({
        enabled: z.boolean().default(true).describe("Velero with scheduled backups"),
        bucket: z.string().default("").describe("Velero bucket (EKS: created here when empty; on-prem: bucket on the object store)"),
        snapshotVolumes: z.boolean().default(true).describe("Volume snapshots (EKS) — otherwise file-system backup"),
    }),
    gitops: obj({
        enabled: z.boolean().default(false).describe("GitOps mode: Argo CD syncs the app layer from Git (written by npm run gitops:render); Pulumi keeps the platform and creates the AppProject and Application"),
        argocdNamespace: dnsLabel.default("argocd").describe("Namespace of Argo CD (created and installed here unless gitops.installArgoCd is false)"),
        installArgoCd: z.boolean().default(true).describe("Install Argo CD (argo-cd chart; HA layout in persistent stacks) before the AppProject and Application; false on a cluster that already runs Argo CD 3.x in gitops.argocdNamespace"),
        repoCidrs: z.array(cidr).default([]).describe("Addresses (CIDRs) of the Git server when repoURL names a host outside the cluster: the only place Argo CD's repo-server may reach (its port from repoURL)"),
        repoURL: z.string().regex(/^$|^(https?:\/\/|ssh:\/\/)\S+$|^[\w.-]+@[\w.-]+:\S+$/, "must be an https://, http://, ssh:// or user@host:path Git URL").default("")
            .describe("Git repository Argo CD syncs from (an internal Git server when air-gapped)"),
        path: z.string().regex(/^$|^[\w.-]+(\/[\w.-]+)*$/, "must be a relative directory inside the repository").default("")
            .describe("Directory in the repository holding this stack's app layer (what gitops:render writes)"),
        targetRevision: z.string().regex(/^\S+$/, "must be a branch, tag or commit").default("HEAD").describe("Branch, tag or commit to sync"),
        repoCredentialsSecret: z.string().regex(/^$|^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "must be a Secret name").default("")
            .describe("Existing Secret in the Argo CD namespace with url and username/password or sshPrivateKey; labelled for Argo CD here, its values never pass through Pulumi (empty = public repository)"),
    }),
    trivy: obj({
        enabled: z.boolean().default(true).describe("Trivy Operator: scans every running workload's images (vulnerabilities, configuration, RBAC, secrets); its metrics are scraped and a fixable CRITICAL vulnerability alerts (dev: off)"),
        registryCidrs: z.array(cidr).default([]).describe("Addresses (CIDRs) of the registries the scan jobs pull images and vulnerability DBs from (kubechat:registry when air-gapped); empty = any public address on HTTPS 443 (and kubechat:registry's port)"),
    }),
    policy: obj({
        enforcement: z.enum(["advisory", "mandatory"]).default("mandatory").describe("Default enforcement of the policy pack"),
        overrides: z.array(z.string().regex(/^[a-z0-9-]+=(advisory|mandatory|disabled)$/, "must look like policy-name=advisory|mandatory|disabled")).default([]).describe("Per-policy enforcement as name=level"),
        approvedRegistries: z.array(z.string()).default([]).describe("Registries images may come from (empty = the configured registry, or the catalog's upstreams)"),
    }),
    // Escape hatch, as cdk-eks-blueprints' add-on `values`: not declared leaf by leaf (any chart value may be set).
    charts: z.partialRecord(z.enum(Object.keys(CHARTS) as [ChartKey, ...ChartKey[]]), z.strictObject({
        values: z.record(z.string(), z.unknown()).default({}).describe("Helm values deep-merged over the platform's values for this chart, last (docs/addons.md)"),
    })).default({}).describe("Per-chart overrides keyed by catalog chart key (docs/addons.md)"),
});

export type PlatformConfig = z.infer<typeof configSchema>;

/** Validated config plus the values that must stay secret. */
export interface StackConfig extends PlatformConfig {
    project: string;
    stack: string;
    /** Kubeconfig contents (secret) or undefined for a path / the default kubeconfig. */
    kubeconfigSecret?: pulumi.Output<string>;
    objectStoreCredentials?: { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> };
}

function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
    switch (issue.code) {
        case "invalid_type":
            return `must be ${issue.expected === "int" ? "an integer" : `a ${issue.expected}`}${typeNote(value)}`;
        case "too_small":
            return issue.origin === "array" ? `must have at least ${issue.minimum} item(s)` : `must be >= ${issue.minimum}`;
        case "too_big":
            return issue.origin === "array" ? `must have at most ${issue.maximum} item(s)` : `must be <= ${issue.maximum}`;
        case "invalid_value":
            return `must be one of: ${issue.values.map((v) => String(v)).join(", ")}`;
        case "invalid_format":
            return issue.message;
        case "invalid_key":
            return `key ${issue.issues[0]?.message ?? "is invalid"}`;
        default:
            return issue.message;
    }
}

/** What a value of the wrong type is, e.g. `, not the string "3" (write it without quotes)`. */
function typeNote(value: unknown): string {
    if (value === undefined) return "";
    if (typeof value === "string") {
        const quoted = /^(-?\d+(\.\d+)?|true|false)$/.test(value.trim()) ? " (write it without quotes)" : "";
        return `, not the string ${JSON.stringify(value)}${quoted}`;
    }
    return `, not ${value === null ? "null" : Array.isArray(value) ? "a list" : typeof value === "object" ? "a mapping" : `the ${typeof value} ${JSON.stringify(value)}`}`;
}

/** The value at a path of the raw input, for messages about it. */
function valueAt(v: unknown, at: PropertyKey[]): unknown {
    for (const k of at) v = v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined;
    return v;
}

/**
 * The hint after "unknown key": the nearest known key, or, for a dotted top-level key whose first
 * part is a known section (`kubechat:postgres.instances`, what `pulumi config set` writes without
 * --path), the --path form that sets the nested value.
 */
function unknownKeyHint(at: PropertyKey[], key: string): string {
    const section = key.split(".")[0];
    if (at.length === 0 && key.includes(".") && keysAt([]).includes(section)) {
        return ` (a dotted key is not a path: set it with \`pulumi config set --path ${CONFIG_NAMESPACE}:${key} <value>\`, which writes ${key.split(".").slice(1).join(".")} under ${CONFIG_NAMESPACE}:${section})`;
    }
    const near = nearestKey(key, keysAt(at));
    return near ? ` (did you mean ${keyOf([...at, near])}?)` : "";
}

/** The keys the schema accepts at a path (below objects and named maps), for "did you mean". */
export function keysAt(path: PropertyKey[]): string[] {
    let cur: any = configSchema;
    const unwrap = () => {
        for (;;) {
            const t = cur?.def?.type;
            if (t === "default" || t === "prefault" || t === "optional" || t === "nullable") cur = cur.def.innerType;
            else if (t === "pipe") cur = cur.def.out;
            else return;
        }
    };
    unwrap();
    for (const p of path) {
        if (cur?.def?.type === "object") cur = cur.def.shape[String(p)];
        else if (cur?.def?.type === "record") cur = cur.def.valueType;
        else return [];
        unwrap();
    }
    return cur?.def?.type === "object" ? Object.keys(cur.def.shape) : [];
}

/** Edit distance (insert, delete, substitute, swap of neighbours). */
function distance(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.length][b.length];
}

/** The valid key closest to a mistyped one (case-insensitive; within a third of its length), if any. */
export function nearestKey(key: string, valid: string[]): string | undefined {
    let best: { k: string; d: number } | undefined;
    for (const k of valid) {
        const d = distance(key.toLowerCase(), k.toLowerCase());
        if (d <= Math.max(2, Math.floor(k.length / 3)) && (!best || d < best.d)) best = { k, d };
    }
    return best?.k;
}

function keyOf(path: PropertyKey[]): string {
    let out = `${CONFIG_NAMESPACE}:`;
    path.forEach((p, i) => {
        out += typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`;
    });
    return out;
}

/**
 * The ingress gateway's Service type: `auto` is LoadBalancer on EKS (the AWS load-balancer integration
 * assigns an address) and NodePort on-prem, where a LoadBalancer Service gets an address only from an
 * implementation the cluster may not run (and the gateway release would wait for it into its timeout).
 */
export function ingressServiceType(c: PlatformConfig["cluster"]): "LoadBalancer" | "NodePort" | "ClusterIP" {
    if (c.ingressServiceType !== "auto") return c.ingressServiceType;
    return c.kind === "eks" ? "LoadBalancer" : "NodePort";
}

/** Rules that span several keys. Pure; returns `path: reason` problems. */
export function crossChecks(c: PlatformConfig): string[] {
    const p: string[] = [];
    const k = (path: string, reason: string) => p.push(`${CONFIG_NAMESPACE}:${path}: ${reason}`);
    for (const [name, s] of Object.entries(c.services)) {
        if (s.maxReplicas < s.minReplicas) k(`services.${name}.maxReplicas`, `must be >= minReplicas (${s.minReplicas})`);
        if (name !== "api-gateway" && s.image === "") k(`services.${name}.image`, "is required for services other than api-gateway");
    }
    const steps = c.delivery.canarySteps;
    if (steps.some((w, i) => i > 0 && w <= steps[i - 1])) k("delivery.canarySteps", "weights must increase");
    if (steps.length > 0 && steps[steps.length - 1] !== 100) k("delivery.canarySteps", "must end at 100");
    if (c.cluster.kind === "eks") {
        const e = c.eks;
        if (e.accountId === "") k("eks.accountId", "is required on EKS: the account the stack deploys into (aws sts get-caller-identity); default bucket names include it");
        if (!SUPPORTED_EKS_VERSIONS.includes(e.version)) k("eks.version", `${e.version} is not supported: add-on versions are pinned for ${SUPPORTED_EKS_VERSIONS.join(", ")}`);
        if (e.availabilityZones.length < 2) k("eks.availabilityZones", "EKS needs at least 2 availability zones");
        if (e.availabilityZones.some((z) => !z.startsWith(e.region))) k("eks.availabilityZones", `every zone must be in ${e.region}`);
        if (c.cluster.zones !== e.availabilityZones.length) k("cluster.zones", `must equal the number of eks.availabilityZones (${e.availabilityZones.length})`);
        if (e.publicAccessCidrs.includes("0.0.0.0/0")) k("eks.publicAccessCidrs", "0.0.0.0/0 is not an allowlist");
        // A private endpoint nobody outside the nodes may reach: `pulumi up` would create the cluster,
        // then fail on every Kubernetes object.
        if (e.publicAccessCidrs.length === 0 && e.privateAccessCidrs.length === 0) {
            k("eks.privateAccessCidrs", "is required while eks.publicAccessCidrs is empty: list the network pulumi up runs from (the self-hosted deploy runner's), or open the public endpoint to its egress CIDRs with eks.publicAccessCidrs");
        }
        for (const reason of subnetPlanProblems(e.vpcCidr, e.availabilityZones)) k("eks.vpcCidr", reason);
        let min = 0, max = 0;
        for (const [name, g] of Object.entries(e.nodeGroups)) {
            if (g.maxSize < g.minSize) k(`eks.nodeGroups.${name}.maxSize`, `must be >= minSize (${g.minSize})`);
            if (g.desiredSize < g.minSize || g.desiredSize > g.maxSize) k(`eks.nodeGroups.${name}.desiredSize`, `must be between minSize and maxSize (${g.minSize}..${g.maxSize})`);
            min += g.minSize;
            max += g.maxSize;
        }
        if (min < e.minNodes) k("eks.nodeGroups", `minimum sizes add up to ${min}, below eks.minNodes (${e.minNodes})`);
        if (max > e.maxNodes) k("eks.nodeGroups", `maximum sizes add up to ${max}, above eks.maxNodes (${e.maxNodes})`);
        if (e.maxNodes < e.minNodes) k("eks.maxNodes", `must be >= eks.minNodes (${e.minNodes})`);
    } else {
        // Egress stays closed on-prem: whatever reads the Kubernetes API reaches it at known addresses only.
        const o = c.observability;
        const apiReaders = [
            "the VPA controllers",
            ...(c.mesh.enabled ? ["istiod"] : []),
            ...(o.metrics ? ["Prometheus"] : []),
            ...(o.logs ? ["Fluent Bit"] : []),
            ...((o.logs || (o.traces && o.traceStorage === "elasticsearch")) && o.elasticsearchUrl === "" ? ["the ECK operator"] : []),
            ...(c.backup.enabled ? ["Velero"] : []),
            ...(c.postgres.enabled ? ["Postgres (Patroni)"] : []),
            ...(c.delivery.strategy !== "rolling" ? ["Argo Rollouts"] : []),
            ...(c.gitops.enabled && c.gitops.installArgoCd ? ["Argo CD"] : []),
            ...(c.trivy.enabled ? ["the Trivy Operator"] : []),
            ...Object.entries(c.services).filter(([, s]) => s.readsKubernetesApi).map(([n]) => `services.${n}`),
        ];
        if (apiReaders.length > 0 && c.cluster.apiServerCidrs.length === 0) {
            k("cluster.apiServerCidrs", `is required on-prem: ${apiReaders.join(", ")} reach the Kubernetes API, and NetworkPolicies allow it only at its addresses (kubectl get endpoints kubernetes -n default)`);
        }
        if (o.metrics && c.cluster.nodeCidrs.length === 0) {
            k("cluster.nodeCidrs", "is required on-prem when observability.metrics is on: Prometheus scrapes the kubelets (10250) and node-exporter (9100) at the nodes' addresses, and NetworkPolicies allow it only there (kubectl get nodes -o wide)");
        }
        const needsStore = (c.postgres.enabled && c.postgres.backups) || c.backup.enabled;
        if (needsStore) {
            if (c.objectStore.endpoint === "") k("objectStore.endpoint", "is required on-prem when postgres.backups or backup.enabled is on");
            else {
                let problem: string | undefined;
                try {
                    problem = objectStoreProblem(c.objectStore.endpoint, c.objectStore.cidrs);
                } catch {
                    problem = undefined; // not a URL: reported by the endpoint's own rule
                }
                if (problem) k("objectStore.cidrs", problem);
            }
            if (c.postgres.enabled && c.postgres.backups && c.postgres.backupBucket === "") k("postgres.backupBucket", "is required on-prem when postgres.backups is on");
            if (c.backup.enabled && c.backup.bucket === "") k("backup.bucket", "is required on-prem when backup.enabled is on");
            const keys = c.objectStoreAccessKeyId !== "" && c.objectStoreSecretAccessKey !== "";
            if (!keys && c.objectStore.credentialsSecret === "") {
                k("objectStore.credentialsSecret", "is required unless kubechat:objectStoreAccessKeyId and kubechat:objectStoreSecretAccessKey are set (as secrets)");
            }
        }
    }
    if (c.cluster.kind === "onprem" && c.mesh.enabled && ingressServiceType(c.cluster) === "LoadBalancer" && !c.cluster.loadBalancer) {
        k("cluster.ingressServiceType", "LoadBalancer on-prem needs a load-balancer implementation: set cluster.loadBalancer: true if the cluster runs one (MetalLB, kube-vip, k3s ServiceLB, an appliance controller), or use NodePort (or ClusterIP behind an existing load balancer); without one the gateway Service never gets an address and its release waits into its timeout");
    }
    const obs = c.observability;
    if (obs.elasticsearchUrl !== "" && (obs.logs || (obs.traces && obs.traceStorage === "elasticsearch"))) {
        let problem: string | undefined;
        try {
            problem = endpointProblem(obs.elasticsearchUrl, obs.elasticsearchCidrs, "observability.elasticsearchUrl");
        } catch {
            problem = undefined; // not a URL: reported by the URL's own rule
        }
        if (problem) k("observability.elasticsearchCidrs", problem);
    }
    if (c.cluster.kind === "eks" && c.observability.controlPlaneMetrics) k("observability.controlPlaneMetrics", "must be false on EKS (a managed control plane is not scrapable)");
    const m = c.mesh;
    if (m.enabled && m.ha && m.istiodReplicas < 2) k("mesh.istiodReplicas", "must be >= 2 when mesh.ha is on (the istiod PDB keeps 1 available)");
    if (m.enabled && m.ha && m.istiodMaxReplicas < m.istiodReplicas) k("mesh.istiodMaxReplicas", `must be >= mesh.istiodReplicas (${m.istiodReplicas})`);
    if (m.enabled && m.ha && m.gatewayMaxReplicas < m.gatewayReplicas) k("mesh.gatewayMaxReplicas", `must be >= mesh.gatewayReplicas (${m.gatewayReplicas})`);
    const g = c.gitops;
    if (g.enabled) {
        if (g.repoURL === "") k("gitops.repoURL", "is required when gitops.enabled is on");
        if (g.path === "") k("gitops.path", "is required when gitops.enabled is on");
        else if (g.path.split("/").some((seg) => seg === "." || seg === "..")) k("gitops.path", "must not contain . or .. segments");
        // A project that may deploy into Argo CD's own namespace grants admin over Argo CD.
        if (g.argocdNamespace === c.app.namespace) k("gitops.argocdNamespace", `must differ from app.namespace (${c.app.namespace})`);
        if (g.installArgoCd && g.repoURL !== "") {
            let problem: string | undefined;
            try {
                problem = gitEgressProblem(g.repoURL, g.repoCidrs);
            } catch {
                problem = undefined; // not a URL: reported by the URL's own rule
            }
            if (problem) k("gitops.repoCidrs", problem);
        }
    }
    // The platform installs Argo Rollouts whenever the strategy is not rolling.
    p.push(...kubechatProblems(c.services, c.delivery, c.mesh.enabled, c.delivery.strategy !== "rolling"));
    p.push(...alertingProblems(c.observability.alerting).map((reason) => `${CONFIG_NAMESPACE}:observability.alerting.${reason}`));
    p.push(...validatePostgres(c.postgres).map((reason) => `${CONFIG_NAMESPACE}:${reason}`));
    return p;
}

/**
 * Strings that arrive as numbers or booleans become strings again where the schema wants a string.
 * Pulumi does this to values set by path: a declared default "17" (postgres.version) or "2"
 * (postgres.cpuLimit) is stored as the integer 17 or 2 when the CLI applies it under
 * `kubechat:postgres`, and so is `pulumi config set --path kubechat:postgres.cpuLimit 2`.
 */
export function coerceScalars(schema: z.ZodType, value: unknown): unknown {
    const def = (schema as unknown as { def: any }).def;
    switch (def.type) {
        case "default":
        case "prefault":
        case "optional":
        case "nullable":
            return coerceScalars(def.innerType, value);
        case "pipe":
            return coerceScalars(def.out, value);
        case "object":
            if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
            return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, def.shape[k] ? coerceScalars(def.shape[k], v) : v]));
        case "record":
            if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
            return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, coerceScalars(def.valueType, v)]));
        case "array":
            return Array.isArray(value) ? value.map((v) => coerceScalars(def.element, v)) : value;
        case "string":
        case "enum":
            return typeof value === "number" || typeof value === "boolean" ? String(value) : value;
        default:
            return value;
    }
}

/**
 * Validate raw `kubechat:*` values (already JSON-decoded) and return the typed config, or throw one
 * ConfigError listing every problem. `secretKeys` are the fully-qualified keys Pulumi marks secret;
 * `providers` the stack's settings of other namespaces (`aws:region`), checked against ours.
 */
export function parseConfig(raw: Record<string, unknown>, project: string, stack: string, secretKeys: string[] = [], providers: Record<string, string> = {}): StackConfig {
    const problems: string[] = [];
    const input = coerceScalars(configSchema, raw);
    const result = configSchema.safeParse(input);
    if (!result.success) {
        for (const issue of result.error.issues) {
            if (issue.code === "unrecognized_keys") {
                for (const key of issue.keys) problems.push(`${keyOf([...issue.path, key])}: unknown key${unknownKeyHint(issue.path, key)}`);
            } else {
                problems.push(`${keyOf(issue.path)}: ${describeIssue(issue, valueAt(input, issue.path))}`);
            }
        }
        throw new ConfigError(problems);
    }
    const c = result.data;
    problems.push(...crossChecks(c), ...providerProblems(c, providers));
    const isSecret = (key: string) => secretKeys.includes(`${CONFIG_NAMESPACE}:${key}`);
    const kubeconfigIsContents = c.kubeconfig.includes("\n") || c.kubeconfig.trimStart().startsWith("apiVersion");
    if (kubeconfigIsContents && !isSecret("kubeconfig")) problems.push(`${CONFIG_NAMESPACE}:kubeconfig: kubeconfig contents must be set as a secret (pulumi config set --secret)`);
    for (const key of ["objectStoreAccessKeyId", "objectStoreSecretAccessKey"] as const) {
        if (c[key] !== "" && !isSecret(key)) problems.push(`${CONFIG_NAMESPACE}:${key}: must be set as a secret (pulumi config set --secret)`);
    }
    if (problems.length > 0) throw new ConfigError(problems);

    const out: StackConfig = { ...c, project, stack };
    if (kubeconfigIsContents) out.kubeconfigSecret = pulumi.secret(c.kubeconfig);
    if (c.objectStoreAccessKeyId !== "" && c.objectStoreSecretAccessKey !== "") {
        out.objectStoreCredentials = { accessKeyId: pulumi.secret(c.objectStoreAccessKeyId), secretAccessKey: pulumi.secret(c.objectStoreSecretAccessKey) };
    }
    // Secret values never travel further in plain form.
    out.kubeconfig = kubeconfigIsContents ? "" : c.kubeconfig;
    out.objectStoreAccessKeyId = "";
    out.objectStoreSecretAccessKey = "";
    return out;
}

/**
 * The program's AWS provider is explicit and takes its region from eks.region; `aws:region` only
 * configures Pulumi's default provider, which the program never uses. A stack that sets both must
 * say the same region, so no reader takes the other for the one in effect.
 */
export function providerProblems(c: z.infer<typeof configSchema>, providers: Record<string, string>): string[] {
    const awsRegion = providers["aws:region"];
    if (c.cluster.kind !== "eks" || awsRegion === undefined || awsRegion === c.eks.region) return [];
    return [`aws:region: ${awsRegion} differs from ${CONFIG_NAMESPACE}:eks.region ${c.eks.region}, the region the program deploys to; remove aws:region or set it to ${c.eks.region}`];
}

/** Decode one config value as Pulumi hands it to the program (JSON for objects, arrays, numbers, booleans). */
function decode(value: string): unknown {
    try {
        return JSON.parse(value);
    } catch {
        return value;
    }
}

/** Read the whole `kubechat:` namespace from the running Pulumi program and validate it. */
export function loadStackConfig(): StackConfig {
    const all = pulumi.runtime.allConfig();
    const raw: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(all)) {
        const [ns, ...rest] = key.split(":");
        if (ns !== CONFIG_NAMESPACE) continue;
        const name = rest.join(":");
        // Stringly-typed keys stay strings even when they look like JSON numbers.
        const stringKeys = ["registry", "chartRepository", "kubeconfig", "objectStoreAccessKeyId", "objectStoreSecretAccessKey"];
        raw[name] = stringKeys.includes(name) ? value : decode(value);
    }
    const secretKeys = Object.keys(all).filter((k) => isConfigSecret(k));
    // Pulumi applies Pulumi.yaml's declared types and defaults to the project's own namespace only.
    if (pulumi.getProject() !== CONFIG_NAMESPACE) {
        throw new ConfigError([`Pulumi.yaml: the project must be named ${CONFIG_NAMESPACE} (not ${pulumi.getProject()}): its declared config schema applies to ${CONFIG_NAMESPACE}:* keys only then`]);
    }
    const providers = Object.fromEntries(Object.entries(all).filter(([k]) => k === "aws:region"));
    return parseConfig(raw, pulumi.getProject(), pulumi.getStack(), secretKeys, providers);
}
