/**
 * Grafana (pure): the values of kube-prometheus-stack's Grafana subchart (grafana 12.10.0) that decide
 * what Grafana may read, and the Role its config sidecars read through.
 *
 * The chart's defaults (as kube-prometheus-stack 88 sets them) give the dashboard and datasource
 * sidecars a ClusterRole over every Secret and ConfigMap of the cluster (`searchNamespace: ALL`,
 * `resource: both`) and mount that token into the Grafana web container as well: one compromised pod would read every
 * password of the cluster. Here:
 * - the sidecars look for ConfigMaps only, in Grafana's own namespace (where the chart puts every
 *   dashboard and the datasource), through a namespaced Role of ours that grants get/list/watch on
 *   ConfigMaps alone (`rbac.namespaced` + `rbac.useExistingRole`: the chart then renders a RoleBinding
 *   to it and neither its ClusterRole nor its Role over Secrets);
 * - no token is automounted; the two sidecars, which call the API, get the same three files the
 *   kubelet would mount (token, CA, namespace) from a projected volume, the web container gets none;
 * - Grafana reads its admin user and password from files (`GF_SECURITY_ADMIN_*__FILE`, Grafana's own
 *   file convention) mounted from our Secret `GRAFANA_ADMIN_SECRET` (`extraSecretMounts`; the chart's
 *   `admin.existingSecret` would change nothing then): with a `__FILE` variable set the chart no
 *   longer generates its own (templates/secret.yaml), so the
 *   program generates the password once, secret in state like the Elasticsearch users' (metrics.ts);
 * - the dashboard sidecar does not call Grafana's reload API (the file provider rereads the folder
 *   every 30 s, `updateIntervalSeconds` in the chart's provider ConfigMap), so it holds no credential;
 *   the datasource sidecar must call it (datasources are read at start and on reload only) and
 *   k8s-sidecar reads the reload credentials from `REQ_USERNAME`/`REQ_PASSWORD` environment
 *   variables only (src/helpers.py `request`): those two stay env, the written exception in
 *   policies/chart-exceptions.yaml;
 * - the web container's root filesystem is read-only: every path the image points Grafana at is a
 *   mount (GF_PATHS_DATA and the plugins under it and the search index: the chart's emptyDirs;
 *   provisioning: ConfigMaps and the sidecars' emptyDirs; GF_PATHS_LOGS and /tmp: emptyDirs here,
 *   though the chart's grafana.ini logs to the console only).
 */

/** Our Role the Grafana sidecars read ConfigMaps through (in Grafana's namespace). */
export const GRAFANA_SIDECAR_ROLE = "kube-prometheus-stack-grafana-sidecar";
/** Our Secret with Grafana's admin credentials (keys `admin-user`, `admin-password`), in Grafana's namespace. */
export const GRAFANA_ADMIN_SECRET = "grafana-admin";
/** Grafana's admin user name (not a secret; the password is generated). */
export const GRAFANA_ADMIN_USER = "admin";
/** Where the Grafana container reads the admin credentials from. */
export const GRAFANA_ADMIN_DIR = "/etc/grafana-admin";
/** Where the API client of the sidecars (the Kubernetes Python client) looks for its token, CA and namespace. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
const TOKEN_VOLUME = "sidecar-api-token";

/** The three files of an automounted service-account token, as a projected volume (what the kubelet mounts). */
export function serviceAccountTokenVolume(name: string): Record<string, unknown> {
    return {
        name,
        projected: {
            defaultMode: 0o444,
            sources: [
                { serviceAccountToken: { path: "token", expirationSeconds: 3607 } },
                { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
                { downwardAPI: { items: [{ path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } }] } },
            ],
        },
    };
}

/** The Role of `GRAFANA_SIDECAR_ROLE`: ConfigMaps, read only. */
export function grafanaSidecarRole(namespace: string): Record<string, unknown> {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name: GRAFANA_SIDECAR_ROLE, namespace, labels: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/part-of": "kubechat", "app.kubernetes.io/component": "monitoring" } },
        rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }],
    };
}

/** The access-related values of the Grafana subchart (merged into kube-prometheus-stack's `grafana`). */
export function grafanaAccessValues(namespace: string): Record<string, unknown> {
    const tokenMount = [{ name: TOKEN_VOLUME, mountPath: SERVICE_ACCOUNT_DIR, readOnly: true }];
    const adminEnv = (name: string, key: string) => ({ [name]: { secretKeyRef: { name: GRAFANA_ADMIN_SECRET, key } } });
    return {
        rbac: { namespaced: true, useExistingRole: GRAFANA_SIDECAR_ROLE },
        automountServiceAccountToken: false,
        extraContainerVolumes: [serviceAccountTokenVolume(TOKEN_VOLUME)],
        env: {
            GF_SECURITY_ADMIN_USER__FILE: `${GRAFANA_ADMIN_DIR}/admin-user`,
            GF_SECURITY_ADMIN_PASSWORD__FILE: `${GRAFANA_ADMIN_DIR}/admin-password`,
        },
        containerSecurityContext: { readOnlyRootFilesystem: true },
        extraEmptyDirMounts: [{ name: "tmp", mountPath: "/tmp" }, { name: "logs", mountPath: "/var/log/grafana" }],
        extraSecretMounts: [{ name: "admin-credentials", secretName: GRAFANA_ADMIN_SECRET, mountPath: GRAFANA_ADMIN_DIR, readOnly: true, defaultMode: 0o440 }],
        sidecar: {
            dashboards: { searchNamespace: [namespace], resource: "configmap", skipReload: true, extraMounts: tokenMount },
            datasources: {
                searchNamespace: [namespace], resource: "configmap", extraMounts: tokenMount,
                // The chart leaves these out once GF_SECURITY_ADMIN_*__FILE is set; k8s-sidecar needs them as env.
                envValueFrom: { ...adminEnv("REQ_USERNAME", "admin-user"), ...adminEnv("REQ_PASSWORD", "admin-password") },
            },
        },
    };
}
