/**
 * The Elasticsearch setup Job (pure): retention as ILM policies and the index templates binding each
 * log class to its policy, the snapshot repository and SLM policy, and the CA copy for Jaeger — what
 * ECK cannot declare on a basic licence (see `esSetupScript`).
 */
import type * as k8s from "@pulumi/kubernetes";
import { ES_SNAPSHOT_REPOSITORY, EsSnapshotTarget, esSlmPolicy, esSnapshotRepository } from "./es-snapshots";
import { Catalog } from "../catalog";
import { recommendedLabels } from "../labels";
import { nonRootPod, resources, restrictedContainer } from "./common";
import { ES_CREDENTIALS_DIR, EsTarget, LOG_INDEX_PREFIX, esAdminCredentials } from "./elasticsearch";
import { JAEGER_ES_CA_SECRET } from "./jaeger";

type Container = k8s.types.input.core.v1.Container;
type PodSpec = k8s.types.input.core.v1.PodSpec;

/** ServiceAccount of the Elasticsearch setup Job/CronJob in `logging`. */
export const ES_SETUP_SA = "es-setup";
/** Index patterns of Jaeger's daily indices (no index prefix). */
export const JAEGER_INDEX_PATTERNS = ["jaeger-span-*", "jaeger-service-*", "jaeger-dependencies-*", "jaeger-sampling-*"];

/** Retention per class in days (and traces). */
export interface Retention {
    appDays: number;
    systemDays: number;
    auditDays: number;
    traceDays: number;
}

/** ILM policies: a hot phase, then delete at the class's retention (age counted from index creation). */
export function ilmPolicies(r: Retention): Record<string, unknown> {
    const policy = (days: number) => ({
        policy: {
            phases: {
                hot: { min_age: "0ms", actions: { set_priority: { priority: 100 } } },
                delete: { min_age: `${days}d`, actions: { delete: {} } },
            },
        },
    });
    return {
        [LOG_INDEX_PREFIX.app]: policy(r.appDays),
        [LOG_INDEX_PREFIX.system]: policy(r.systemDays),
        [LOG_INDEX_PREFIX.audit]: policy(r.auditDays),
        "kubechat-traces": policy(r.traceDays),
    };
}

/** Composable index templates binding each log class's daily indices to its ILM policy. */
export function indexTemplates(replicas: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const prefix of Object.values(LOG_INDEX_PREFIX)) {
        out[prefix] = {
            index_patterns: [`${prefix}-*`],
            priority: 200,
            template: { settings: { "index.lifecycle.name": prefix, "index.number_of_replicas": replicas } },
        };
    }
    return out;
}

export interface EsSetupArgs {
    /** Snapshot repository to register, with the daily SLM policy (es-snapshots.ts). */
    snapshots?: EsSnapshotTarget;
    retention: Retention;
    replicas: number;
    /** Copy ECK's HTTP CA into Secret `JAEGER_ES_CA_SECRET` in this namespace (in-cluster ES with Jaeger on it). */
    jaegerCaNamespace?: string;
}

/**
 * The idempotent setup script run by the `es-setup` Job and, daily, by its CronJob. Users and roles are
 * not here (ECK declares them, elasticsearch-auth.ts); what stays is what neither ECK nor the writers
 * can declare without more privilege than they should have:
 * 1. ILM policies and index templates per log class — ECK declares these only through
 *    StackConfigPolicy, an Enterprise-licence feature; Fluentd could install them at start only with
 *    `manage_ilm` and `manage_index_templates`, which the log writer deliberately lacks;
 * 2. the traces policy attached to Jaeger's daily indices (Jaeger owns their templates and has no
 *    ILM setting without its alias/rollover mode, so the daily run attaches it to each new index);
 * 3. the snapshot repository and SLM policy (same licence limit as 1.);
 * 4. in-cluster with Jaeger: ECK's public HTTP CA copied into the tracing namespace (Secrets cannot be
 *    mounted across namespaces), refreshed daily because ECK rotates its CA. Only the public
 *    certificate moves: the Job's API access is to create and update that one Secret.
 */
export function esSetupScript(a: EsSetupArgs): string {
    const put = (path: string, body: unknown) => `es -X PUT "$ES_URL/${path}" -d '${JSON.stringify(body)}' >/dev/null`;
    const lines = [
        "set -euo pipefail",
        'CA_ARGS=(); if [ -f /es-ca/ca.crt ]; then CA_ARGS=(--cacert /es-ca/ca.crt); fi',
        // The credentials reach curl as a config file on a pipe (-K, printf is a shell builtin): never on a
        // command line, which any process of the node can read in /proc.
        `ES_USER="\${ES_USERNAME:-$(cat ${ES_CREDENTIALS_DIR}/username)}"`,
        'esc() { local v="${1//\\\\/\\\\\\\\}"; printf "%s" "${v//\\"/\\\\\\"}"; }',
        `es() { curl -sSf "\${CA_ARGS[@]}" -K <(printf 'user = "%s:%s"\\n' "$(esc "$ES_USER")" "$(esc "$(cat ${ES_CREDENTIALS_DIR}/password)")") -H "Content-Type: application/json" "$@"; }`,
        'until es "$ES_URL/_cluster/health?wait_for_status=yellow&timeout=30s" >/dev/null; do echo "waiting for Elasticsearch"; sleep 10; done',
        ...Object.entries(ilmPolicies(a.retention)).map(([name, body]) => put(`_ilm/policy/${name}`, body)),
        ...Object.entries(indexTemplates(a.replicas)).map(([name, body]) => put(`_index_template/${name}`, body)),
        put(`${JAEGER_INDEX_PATTERNS.join(",")}/_settings?allow_no_indices=true&expand_wildcards=open`, { "index.lifecycle.name": "kubechat-traces" }),
        ...(a.snapshots ? [
            put(`_snapshot/${ES_SNAPSHOT_REPOSITORY}`, esSnapshotRepository(a.snapshots)),
            put("_slm/policy/daily-snapshots", esSlmPolicy()),
        ] : []),
    ];
    if (a.jaegerCaNamespace) {
        const labels = JSON.stringify(recommendedLabels("jaeger", "tracing", { "app.kubernetes.io/managed-by": "es-setup" }));
        lines.push(
            "SA=/var/run/secrets/kubernetes.io/serviceaccount",
            `API="https://kubernetes.default.svc/api/v1/namespaces/${a.jaegerCaNamespace}/secrets"`,
            'kube() { curl -sSf --cacert "$SA/ca.crt" -H "Authorization: Bearer $(cat "$SA/token")" -H "Content-Type: application/json" "$@"; }',
            `BODY="{\\"apiVersion\\":\\"v1\\",\\"kind\\":\\"Secret\\",\\"metadata\\":{\\"name\\":\\"${JAEGER_ES_CA_SECRET}\\",\\"labels\\":${labels.replace(/"/g, '\\"')}},\\"type\\":\\"Opaque\\",\\"data\\":{\\"ca.crt\\":\\"$(base64 -w0 < /es-ca/ca.crt)\\"}}"`,
            // The tracing namespace and its Role may still be on their way: retry until the Secret is written.
            `until kube -X PUT "$API/${JAEGER_ES_CA_SECRET}" -d "$BODY" >/dev/null 2>&1 || kube -X POST "$API" -d "$BODY" >/dev/null; do echo "waiting to write the Elasticsearch CA for Jaeger"; sleep 10; done`,
        );
    }
    lines.push('echo "Elasticsearch setup done"');
    return lines.join("\n") + "\n";
}

/**
 * Pod spec of the setup Job/CronJob: the Elasticsearch image (it ships bash and curl), hardened, with the
 * admin credentials and the ECK CA mounted read-only from Secrets.
 */
export function esSetupPodSpec(catalog: Catalog, es: EsTarget, a: EsSetupArgs): PodSpec {
    const creds = esAdminCredentials(es);
    const container: Container = {
        name: "es-setup",
        image: catalog.image("elasticsearch").ref,
        command: ["/bin/bash", "-c", esSetupScript(a)],
        env: [{ name: "ES_URL", value: es.url }, ...(creds.username ? [{ name: "ES_USERNAME", value: creds.username }] : [])],
        resources: resources("50m", "64Mi", "200m", "128Mi"),
        securityContext: restrictedContainer() as Container["securityContext"],
        volumeMounts: [
            { name: "tmp", mountPath: "/tmp" },
            { name: "es-credentials", mountPath: ES_CREDENTIALS_DIR, readOnly: true },
            ...(es.caSecret ? [{ name: "es-ca", mountPath: "/es-ca", readOnly: true }] : []),
        ],
    };
    return {
        serviceAccountName: ES_SETUP_SA,
        automountServiceAccountToken: a.jaegerCaNamespace !== undefined,
        restartPolicy: "OnFailure",
        securityContext: nonRootPod(1000) as PodSpec["securityContext"],
        containers: [container],
        volumes: [
            { name: "tmp", emptyDir: {} },
            creds.volume,
            ...(es.caSecret ? [{ name: "es-ca", secret: { secretName: es.caSecret, items: [{ key: "ca.crt", path: "ca.crt" }] } }] : []),
        ],
    };
}
