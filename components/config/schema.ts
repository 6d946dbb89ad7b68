/**
 * The stack-config schema: everything a stack can set lives in the `kubechat:` namespace and is
 * described here once: type, range, default and description. `Pulumi.yaml` is generated from this
 * schema (`npm run gen:config`), so the declaration and the validation can never drift apart.
 *
 * Pulumi project config can only declare string, integer, boolean and array keys, so settings are
 * grouped as nested objects in the stack files (`kubechat:postgres: {instances: 3}`) and every leaf is
 * declared in Pulumi.yaml by its path (`postgres.instances`), which is how Pulumi validates nested
 * values. Maps keyed by name (`services`, `eks.nodeGroups`) declare the leaves of their default entries.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { CHARTS, ChartKey, KUBERNETES_MINOR, SUPPORTED_EKS_VERSIONS } from "../catalog";

export const CONFIG_NAMESPACE = "kubechat";

const quantity = (what: string) =>
    z.string().regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G)?$/, `must be a Kubernetes ${what} quantity such as 100m or 128Mi`);
const cron = z.string().regex(/^(@(hourly|daily|weekly|monthly|yearly))|((\S+\s+){4}\S+)$/, "must be a 5-field cron expression");
const dnsLabel = z.string().regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a DNS-1123 label (lower-case letters, digits, '-')");
const cidr = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, "must be an IPv4 CIDR such as 10.0.0.0/16");
const kubernetesMinor = z.string().regex(/^1\.\d{2}$/, `must be a Kubernetes minor version such as ${KUBERNETES_MINOR}`);
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
        kubernetesVersion: kubernetesMinor.default(KUBERNETES_MINOR).describe("On-prem: the cluster's Kubernetes minor version, which the charts are rendered for (EKS: eks.version)"),
        apiServerCidrs: z.array(cidr).default([]).describe("On-prem: Kubernetes API server addresses (CIDRs) for NetworkPolicy egress on 443/6443; required on-prem, where the VPA controllers always read the API (EKS: the VPC CIDR)"),
        nodeCidrs: z.array(cidr).default([]).describe("On-prem: the nodes' addresses (CIDRs), where Prometheus scrapes the kubelets (10250) and node-exporter (9100); required when observability.metrics is on (EKS: the VPC CIDR)"),
    }),
    eks: obj({
        clusterName: z.string().regex(/^[a-z][a-z0-9-]{0,61}[a-z0-9]$/, "must be lower-case letters, digits and '-' (2-63 characters)").default("kubechat").describe("EKS cluster name (also in subnet, ASG and IAM condition tags; unique per account and region)"),
        region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "must be an AWS region such as us-east-1").default("us-east-1").describe("AWS region"),
        accountId: z.string().regex(/^$|^\d{12}$/, "must be a 12-digit AWS account id").default("").describe("AWS account the stack deploys into (required on EKS): the AWS provider refuses any other account, and default bucket names include it so they are globally unique"),
        version: kubernetesMinor.default(KUBERNETES_MINOR).describe(`EKS Kubernetes version: ${SUPPORTED_EKS_VERSIONS.slice(0, -1).join(", ")} or ${SUPPORTED_EKS_VERSIONS[SUPPORTED_EKS_VERSIONS.length - 1]} (node groups, the pinned add-on versions and the cluster-autoscaler follow it)`),
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
        pauseMinutes: int(0, 1440).default(30).describe("Minutes at each canary weight below 100: its error-rate analysis, which must succeed before the next weight (at least 3)"),
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
