/**
 * TrivyOperator: the Trivy Operator (chart trivy-operator 0.34.0, operator 0.32.0, Trivy 0.72.0) scans
 * every running workload's images for vulnerabilities (and configurations, RBAC, exposed secrets) and
 * writes the findings as reports; its metrics are scraped and a fixable CRITICAL vulnerability in a
 * running image raises an alert (`trivyAlertRules`, routed like every other alert).
 *
 * Air-gap: every image (the operator, the scan jobs' Trivy, the node-collector) and the OCI artifacts
 * the scan jobs download (the vulnerability and Java DBs, the checks bundle) come from the catalog, so
 * `kubechat:registry` redirects all of them; `airgap.json` lists them (images and artifacts).
 *
 * The scan jobs run in the operator's namespace (`scanJobsInSameNamespace: false`), pulling the image
 * they scan and the DBs from the registries: their egress is `registryEgress` (system-egress/external.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { Catalog, ResolvedImage } from "../catalog";
import { ClusterLayer } from "../cluster/types";
import { addonNamespace, chartAddon } from "../release";
import type { AlertRule } from "../observability/prometheus";

/** Helm release name and the operator's name (Service, pod labels). */
export const TRIVY_RELEASE = "trivy-operator";
/** The operator's metrics port (chart 0.34.0: OPERATOR_METRICS_BIND_ADDRESS :8080, Service port `metrics`). */
export const TRIVY_METRICS_PORT = 8080;
/** Pod labels of the operator (chart 0.34.0). */
export const TRIVY_OPERATOR_LABELS = { "app.kubernetes.io/name": "trivy-operator", "app.kubernetes.io/instance": TRIVY_RELEASE } as const;

export interface TrivyOperatorArgs {
    /** Chart and image catalog (registry and chart-mirror overrides applied). */
    catalog: Catalog;
    /** Cluster layer: provider. */
    cluster: ClusterLayer;
    /** Namespace to create and install into (`trivy-system`). */
    namespace: string;
}

/** What the operator and its jobs pull, resolved against the registry override. */
export interface TrivyImages {
    operator: ResolvedImage;
    trivy: ResolvedImage;
    nodeCollector: ResolvedImage;
    db: ResolvedImage;
    javaDb: ResolvedImage;
    checks: ResolvedImage;
}

/** The catalog's Trivy images and artifacts. */
export function trivyImages(c: Catalog): TrivyImages {
    return {
        operator: c.image("trivy-operator"), trivy: c.image("trivy"), nodeCollector: c.image("trivy-node-collector"),
        db: c.image("trivy-db"), javaDb: c.image("trivy-java-db"), checks: c.image("trivy-checks"),
    };
}

/**
 * Pure chart values: every image and artifact from the catalog (registry and repository split as the
 * chart wants them), the operator's resources, and metrics by the platform's own ServiceMonitor
 * (`trivyServiceMonitor`: Prometheus's namespace, one scrape of the one operator pod).
 */
export function trivyValues(i: TrivyImages): Record<string, unknown> {
    return {
        // The operator's tag is the chart's appVersion (the catalog's pin): restating it would change nothing.
        image: { registry: i.operator.registry, repository: i.operator.repository },
        trivy: {
            image: { registry: i.trivy.registry, repository: i.trivy.repository, tag: i.trivy.tag },
            dbRegistry: i.db.registry, dbRepository: i.db.repository,
            javaDbRegistry: i.javaDb.registry, javaDbRepository: i.javaDb.repository,
        },
        nodeCollector: { registry: i.nodeCollector.registry, repository: i.nodeCollector.repository, tag: i.nodeCollector.tag },
        policiesBundle: { registry: i.checks.registry, repository: i.checks.repository, tag: Number(i.checks.tag) },
        // The per-vulnerability series (trivy_vulnerability_id) carry fixed_version, which the alert needs.
        // No workload here uses imagePullSecrets, so the scan jobs need none: without this the chart lets
        // the operator read Secrets in every namespace to copy them (rbac-cluster-secrets-read).
        operator: { metricsVulnIdEnabled: true, accessGlobalSecretsAndServiceAccount: false },
        serviceMonitor: { enabled: false },
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
        // The chart's container context is hardened but leaves these to the pod (the image runs as 10000).
        podSecurityContext: { runAsNonRoot: true, runAsUser: 10000, runAsGroup: 10000, seccompProfile: { type: "RuntimeDefault" } },
    };
}

/** The ServiceMonitor (in Prometheus's namespace) for the operator's metrics: its one Service, so each pod is scraped once. */
export function trivyServiceMonitor(monitoringNamespace: string, trivyNamespace: string): Record<string, unknown> {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: { name: "trivy-operator", namespace: monitoringNamespace, labels: { "app.kubernetes.io/name": "trivy-operator", "app.kubernetes.io/part-of": "kubechat" } },
        spec: {
            namespaceSelector: { matchNames: [trivyNamespace] },
            selector: { matchLabels: { ...TRIVY_OPERATOR_LABELS } },
            // The operator's labels win over the target's: namespace/name are the scanned workload's.
            endpoints: [{ port: "metrics", interval: "60s", honorLabels: true }],
        },
    };
}

/**
 * A fixable CRITICAL vulnerability in a running image: a `trivy_vulnerability_id` series (one per
 * vulnerability of each scanned container, reports existing only for workloads that exist) with
 * severity Critical and a fixed version. Critical: it pages where criticals page.
 */
export function trivyAlertRules(trivyNamespace: string): AlertRule[] {
    return [{
        alert: "KubeChatFixableCriticalVulnerability",
        expr: `count by (namespace, resource_kind, resource_name, container_name, image_repository, image_tag) (trivy_vulnerability_id{job="${TRIVY_RELEASE}", namespace!="", severity="Critical", fixed_version!=""}) > 0`,
        for: "0m",
        labels: { severity: "critical" },
        annotations: {
            summary: "A running image has a CRITICAL vulnerability with a fix available",
            description: `{{ $value }} fixable CRITICAL vulnerabilities in {{ $labels.image_repository }}:{{ $labels.image_tag }} (container {{ $labels.container_name }} of {{ $labels.resource_kind }} {{ $labels.namespace }}/{{ $labels.resource_name }}); see kubectl get vulnerabilityreports -n {{ $labels.namespace }} (operator in ${trivyNamespace}).`,
        },
    }];
}

export class TrivyOperator extends pulumi.ComponentResource {
    /** The chart release (CRDs included). */
    public readonly release: k8s.helm.v3.Release;
    public readonly namespace: pulumi.Output<string>;

    constructor(name: string, args: TrivyOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubechat:security:TrivyOperator", name, {}, opts);
        const k8sOpts = { parent: this, provider: args.cluster.provider };
        // The node-collector Jobs (infra assessment, CIS compliance) read the nodes' configuration through
        // hostPath volumes and the scan jobs run Trivy as the image's user: only `privileged` admits both;
        // audit and warn stay at restricted so every departure is visible.
        const ns = addonNamespace(`${name}-ns`, { name: args.namespace, owner: "trivy-operator", podSecurity: "privileged", reportPodSecurity: "restricted", system: true }, k8sOpts);
        this.namespace = ns.name;
        this.release = chartAddon(`${name}-release`, {
            release: TRIVY_RELEASE, namespace: ns, chart: "trivy-operator", catalog: args.catalog, values: trivyValues(trivyImages(args.catalog)),
        }, k8sOpts);
        this.registerOutputs({ release: this.release, namespace: this.namespace });
    }
}
