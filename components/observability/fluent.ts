/**
 * Log shipping (pure): Fluent Bit (DaemonSet) values and Fluentd (aggregator) configuration and values.
 */
import type * as k8s from "@pulumi/kubernetes";
import { Catalog } from "../catalog";
import { RELEASES, fullImage, fullImageDefaultTag, nonRootPod, resources, restrictedContainer } from "./common";
import { EsTarget, LOG_INDEX_PREFIX, LogClass } from "./elasticsearch";

/** ServiceAccount of the Fluentd pods (created in logging.ts, no automounted token). */
/**
 * Fluentd's own ServiceAccount (token off). Not the chart's name for it ("fluentd"): on an upgrade from a
 * release whose chart still owns that account, creating ours first would fail with "already exists"
 * (found by the upgrade check of `npm run test:apply`).
 */
export const FLUENTD_SERVICE_ACCOUNT = "kubechat-fluentd";
/** Fluentd's forward input, the target of every Fluent Bit. */
export const FLUENTD_FORWARD_PORT = 24224;
/** Secret in `logging` with the forward protocol's shared key (key `sharedKey`), read by Fluent Bit and Fluentd. */
export const FORWARD_KEY_SECRET = "fluent-forward-shared-key";
/**
 * Environment variable Fluent Bit reads the shared key from: Fluent Bit resolves `${VAR}` in its
 * configuration from the environment only (no file reference), the written exception in
 * policies/chart-exceptions.yaml. Fluentd reads the same key from a file.
 */
const FORWARD_KEY_ENV = "FORWARD_SHARED_KEY";
/** The shared key as an env var from its Secret (Fluent Bit). */
function forwardKeyEnv(): k8s.types.input.core.v1.EnvVar {
    return { name: FORWARD_KEY_ENV, valueFrom: { secretKeyRef: { name: FORWARD_KEY_SECRET, key: "sharedKey" } } };
}
/** Where Fluentd reads its secrets from: the log writer's Elasticsearch credentials and the forward key. */
const ES_CREDENTIALS_DIR = "/es-credentials";
const FORWARD_KEY_DIR = "/forward-key";
/** A Fluentd configuration value read from a mounted Secret file when the configuration is loaded (embedded Ruby). */
const fromFile = (file: string) => `"#{File.read('${file}').chomp}"`;
/** Secret in `logging` with the forward link's private CA (`ca.crt`, `ca.key`; forward-ca.ts): Fluentd signs with it, Fluent Bit trusts it. */
export const FORWARD_CA_SECRET = "fluent-forward-ca";
/** Where both ends mount it (Fluent Bit: `ca.crt` only). */
const FORWARD_CA_DIR = "/forward-ca";
/** Kubernetes audit log on control-plane nodes (kubeadm `--audit-log-path` convention). */
export const AUDIT_LOG_PATH = "/var/log/kubernetes/audit/*.log";

/** Escape a namespace for a Fluent Bit regex. */
const rx = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Fluent Bit (DaemonSet): tails container logs (CRI/Docker) and the API server audit log, enriches
 * with Kubernetes metadata, re-tags application namespaces `app.*`, forwards everything to Fluentd.
 */
export function fluentBitValues(catalog: Catalog, appNamespaces: string[], loggingNamespace: string): Record<string, unknown> {
    const service = [
        "[SERVICE]",
        "    Daemon Off",
        "    Flush 5",
        "    Log_Level info",
        "    Parsers_File /fluent-bit/etc/parsers.conf",
        "    HTTP_Server On",
        "    HTTP_Listen 0.0.0.0",
        "    HTTP_Port 2020",
        "    Health_Check On",
    ].join("\n");
    const inputs = [
        "[INPUT]",
        "    Name tail",
        "    Tag kube.*",
        "    Path /var/log/containers/*.log",
        "    multiline.parser cri, docker",
        "    DB /var/log/flb_kube.db",
        "    Mem_Buf_Limit 50MB",
        "    Skip_Long_Lines On",
        "    Refresh_Interval 10",
        "",
        "[INPUT]",
        "    Name tail",
        "    Tag audit.*",
        `    Path ${AUDIT_LOG_PATH}`,
        "    Parser json",
        "    DB /var/log/flb_audit.db",
        "    Mem_Buf_Limit 50MB",
        "    Skip_Long_Lines On",
    ].join("\n");
    const filters = [
        "[FILTER]",
        "    Name kubernetes",
        "    Match kube.*",
        "    Kube_Tag_Prefix kube.var.log.containers.",
        "    Merge_Log On",
        "    Keep_Log Off",
        "    K8S-Logging.Parser On",
        "    K8S-Logging.Exclude On",
        "",
        "[FILTER]",
        "    Name rewrite_tag",
        "    Match kube.*",
        `    Rule $kubernetes['namespace_name'] ^(${appNamespaces.map(rx).join("|")})$ app.$TAG false`,
    ].join("\n");
    // TLS verified against the forward CA, and the forward protocol's shared-key handshake (see fluentdConfig).
    const outputs = [
        "[OUTPUT]",
        "    Name forward",
        "    Match *",
        `    Host ${RELEASES.fluentd}.${loggingNamespace}.svc`,
        `    Port ${FLUENTD_FORWARD_PORT}`,
        "    Retry_Limit no_limits",
        "    tls On",
        "    tls.verify On",
        `    tls.ca_file ${FORWARD_CA_DIR}/ca.crt`,
        `    Self_Hostname ${RELEASES.fluentBit}`,
        `    Shared_Key \${${FORWARD_KEY_ENV}}`,
    ].join("\n");
    return {
        image: { ...fullImageDefaultTag(catalog, "fluent-bit"), pullPolicy: "IfNotPresent" },
        // Reads root-owned host log files: runs as root without extra capabilities (the namespace is privileged for the hostPath).
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
        resources: resources("50m", "64Mi", "500m", "256Mi"),
        env: [forwardKeyEnv()],
        extraVolumes: [{ name: "forward-ca", secret: { secretName: FORWARD_CA_SECRET, items: [{ key: "ca.crt", path: "ca.crt" }] } }],
        extraVolumeMounts: [{ name: "forward-ca", mountPath: FORWARD_CA_DIR, readOnly: true }],
        // Control-plane nodes hold the audit log.
        tolerations: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }],
        config: { service, inputs, filters, outputs },
    };
}

/**
 * Fluentd (aggregator Deployment): receives forward traffic and writes one daily index family per
 * class. TLS to Elasticsearch is verified against the ECK CA; credentials are read from Secret files.
 *
 * Forward input: TLS and the shared key. What each part gives (read in Fluentd's server plugin helper
 * and cert_option.rb, and Fluent Bit's forward output):
 * - `<transport tls>` with `ca_cert_path`/`ca_private_key_path`: at each start Fluentd signs a fresh
 *   RSA server certificate with the forward CA (`cert_option_generate_server_pair_by_ca`); Fluent Bit
 *   verifies the chain against the CA certificate (`tls.verify On`, `tls.ca_file`), so it talks only
 *   to a holder of the CA key. The host name is not checked (the generated certificate names
 *   `generate_cert_common_name` only; Fluent Bit checks the host name only with
 *   `tls.verify_hostname`, src/tls/openssl.c `tls_net_handshake`, which is not set).
 * - `<security> shared_key`: the forward protocol's handshake, in which each side proves knowledge of
 *   the key (SHA-512 digests over per-connection nonces): only holders of that Secret can send logs.
 */
export function fluentdConfig(es: EsTarget): { sources: string; outputs: string } {
    const sources = [
        "<source>",
        "  @type forward",
        "  @id in_forward",
        `  port ${FLUENTD_FORWARD_PORT}`,
        "  bind 0.0.0.0",
        "  <transport tls>",
        `    ca_cert_path ${FORWARD_CA_DIR}/ca.crt`,
        `    ca_private_key_path ${FORWARD_CA_DIR}/ca.key`,
        `    generate_cert_common_name ${RELEASES.fluentd}`,
        "  </transport>",
        "  <security>",
        `    self_hostname ${RELEASES.fluentd}`,
        `    shared_key ${fromFile(`${FORWARD_KEY_DIR}/sharedKey`)}`,
        "  </security>",
        "</source>",
        "",
        "<source>",
        "  @type prometheus",
        "  bind 0.0.0.0",
        "  port 24231",
        "  metrics_path /metrics",
        "</source>",
    ].join("\n");
    const match = (pattern: string, cls: LogClass) => [
        `<match ${pattern}>`,
        "  @type elasticsearch",
        `  @id out_es_${cls}`,
        `  hosts ${es.url}`,
        `  user ${fromFile(`${ES_CREDENTIALS_DIR}/username`)}`,
        `  password ${fromFile(`${ES_CREDENTIALS_DIR}/password`)}`,
        "  ssl_verify true",
        ...(es.caSecret ? ["  ca_file /es-ca/ca.crt"] : []),
        "  suppress_type_name true",
        "  default_elasticsearch_version 8",
        "  verify_es_version_at_startup false",
        "  logstash_format true",
        `  logstash_prefix ${LOG_INDEX_PREFIX[cls]}`,
        "  logstash_dateformat %Y.%m.%d",
        "  include_tag_key true",
        "  reconnect_on_error true",
        // Never reload the host list from the cluster: without a sniffer that keeps the configured
        // host, a reload swaps the Service name for pod IPs, which the certificate does not name.
        "  reload_on_failure false",
        "  reload_connections false",
        "  <buffer>",
        "    @type file",
        `    path /var/log/fluentd-buffers/${cls}`,
        "    flush_interval 5s",
        "    flush_thread_count 2",
        "    chunk_limit_size 8MB",
        "    total_limit_size 1GB",
        "    overflow_action block",
        "    retry_type exponential_backoff",
        "    retry_max_interval 60s",
        "    retry_forever true",
        "  </buffer>",
        "</match>",
    ].join("\n");
    // Order matters: the first match wins; everything not app or audit is system.
    const outputs = [match("app.**", "app"), match("audit.**", "audit"), match("**", "system")].join("\n\n");
    return { sources, outputs };
}

export function fluentdValues(catalog: Catalog, es: EsTarget, ha: boolean): Record<string, unknown> {
    const cfg = fluentdConfig(es);
    return {
        kind: "Deployment",
        replicaCount: ha ? 2 : 1,
        image: { ...fullImage(catalog, "fluentd"), pullPolicy: "IfNotPresent" },
        // An aggregator reads nothing from the host.
        mountVarLogDirectory: false,
        mountDockerContainersDirectory: false,
        rbac: { create: false },
        // Fluentd never calls the Kubernetes API: our ServiceAccount without a token (the chart's has no
        // automount setting), FLUENTD_SERVICE_ACCOUNT in logging.ts.
        serviceAccount: { create: false, name: FLUENTD_SERVICE_ACCOUNT },
        // A boolean: the chart tests `if .Values.dashboards.enabled`, where the string "false" is true.
        dashboards: { enabled: false },
        // The image's `fluent` user (uid 999) owns /fluentd.
        podSecurityContext: nonRootPod(999),
        securityContext: restrictedContainer(),
        resources: resources("100m", "256Mi", "1", "1Gi"),
        volumes: [
            { name: "es-credentials", secret: { secretName: es.secret, defaultMode: 0o440, items: [{ key: es.usernameKey, path: "username" }, { key: es.passwordKey, path: "password" }] } },
            { name: "forward-key", secret: { secretName: FORWARD_KEY_SECRET, defaultMode: 0o440, items: [{ key: "sharedKey", path: "sharedKey" }] } },
            { name: "buffers", emptyDir: {} },
            { name: "tmp", emptyDir: {} },
            ...(es.caSecret ? [{ name: "es-ca", secret: { secretName: es.caSecret, items: [{ key: "ca.crt", path: "ca.crt" }] } }] : []),
            // The CA key is readable by the fluent group only (fsGroup 999).
            { name: "forward-ca", secret: { secretName: FORWARD_CA_SECRET, defaultMode: 0o440 } },
        ],
        volumeMounts: [
            { name: "es-credentials", mountPath: ES_CREDENTIALS_DIR, readOnly: true },
            { name: "forward-key", mountPath: FORWARD_KEY_DIR, readOnly: true },
            { name: "buffers", mountPath: "/var/log/fluentd-buffers" },
            { name: "tmp", mountPath: "/tmp" },
            ...(es.caSecret ? [{ name: "es-ca", mountPath: "/es-ca", readOnly: true }] : []),
            { name: "forward-ca", mountPath: FORWARD_CA_DIR, readOnly: true },
        ],
        service: { type: "ClusterIP", ports: [{ name: "forwarder", protocol: "TCP", containerPort: FLUENTD_FORWARD_PORT }] },
        fileConfigs: {
            "01_sources.conf": cfg.sources,
            "02_filters.conf": "",
            "03_dispatch.conf": "",
            "04_outputs.conf": cfg.outputs,
        },
    };
}
