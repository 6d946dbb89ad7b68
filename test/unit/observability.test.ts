/** Pure observability planning: chart values, Prometheus Operator objects, alert rules, Elastic objects, Jaeger. */
import * as assert from "assert";
import { Catalog, IMAGES } from "../../components/catalog";
import { strings } from "../strings";
import { observabilityPlan } from "../../components/observability";
import { namespaceLabels } from "../../components/release";
import { observabilityNamespace } from "../../components/observability/common";
import { eckOperatorValues, elasticsearch, esTarget, indexReplicas, kibana } from "../../components/observability/elasticsearch";
import { esSetupPodSpec, esSetupScript, ilmPolicies, indexTemplates } from "../../components/observability/elasticsearch-setup";
import { fluentBitValues, fluentdConfig, fluentdValues } from "../../components/observability/fluent";
import { JAEGER_ES_SECRET, jaegerCollectorService, jaegerConfig, jaegerValues } from "../../components/observability/jaeger";
import { PROMETHEUS_URL, adapterRules, alertRules, kubePrometheusStackValues, prometheusAdapterValues, prometheusRule, ratio, serviceMonitor } from "../../components/observability/prometheus";

const UPSTREAM = /(docker\.io|quay\.io|ghcr\.io|registry\.k8s\.io|docker\.elastic\.co|cr\.fluentbit\.io|registry\.opensource\.zalan\.do)/;
const catalog = () => new Catalog();
const mirror = () => new Catalog({ registry: "mirror.local:5000/kubechat" });
const sizing = { retentionDays: 30, storage: "100Gi", storageClass: "gp3", ha: true };
const retention = { appDays: 30, systemDays: 90, auditDays: 2555, traceDays: 7 };


describe("observability values (unit)", () => {
    describe("kube-prometheus-stack", () => {
        it("sets every image from the catalog and global.imageRegistry from the override", () => {
            const v: any = kubePrometheusStackValues(catalog(), sizing);
            assert.strictEqual(v.global.imageRegistry, "");
            assert.deepStrictEqual(v.prometheus.prometheusSpec.image, { registry: "quay.io", repository: "prometheus/prometheus", tag: IMAGES.prometheus.tag });
            // Images the chart renders with the catalog's tag by itself carry no tag (it would change nothing).
            assert.deepStrictEqual(v.prometheusOperator.image, { registry: "quay.io", repository: "prometheus-operator/prometheus-operator" });
            assert.strictEqual(v.prometheusOperator.prometheusConfigReloader.image.repository, "prometheus-operator/prometheus-config-reloader");
            assert.strictEqual(v.prometheusOperator.admissionWebhooks.patch.image.registry, "ghcr.io");
            assert.strictEqual(v.alertmanager.alertmanagerSpec.image.repository, "prometheus/alertmanager");
            assert.deepStrictEqual(v.grafana.image, { registry: "docker.io", repository: "grafana/grafana" });
            for (const img of [v.prometheusOperator.prometheusConfigReloader.image, v["kube-state-metrics"].image, v["prometheus-node-exporter"].image]) assert.strictEqual(img.tag, undefined);
            assert.strictEqual(v.grafana.sidecar.image.repository, "kiwigrid/k8s-sidecar");
            assert.strictEqual(v["kube-state-metrics"].image.repository, "kube-state-metrics/kube-state-metrics");
            assert.strictEqual(v["prometheus-node-exporter"].image.repository, "prometheus/node-exporter");

            const m: any = kubePrometheusStackValues(mirror(), sizing);
            assert.strictEqual(m.global.imageRegistry, "mirror.local:5000/kubechat");
            assert.strictEqual(m.grafana.image.registry, "mirror.local:5000/kubechat");
            assert.deepStrictEqual(strings(m).filter((s) => UPSTREAM.test(s)), []);
        });

        it("selects every ServiceMonitor/PodMonitor/PrometheusRule, keeps retention and storage, no admin password", () => {
            const p: any = (kubePrometheusStackValues(catalog(), sizing) as any).prometheus.prometheusSpec;
            assert.strictEqual(p.serviceMonitorSelectorNilUsesHelmValues, false);
            assert.strictEqual(p.ruleSelectorNilUsesHelmValues, false);
            assert.strictEqual(p.podMonitorSelectorNilUsesHelmValues, false);
            assert.strictEqual(p.retention, "30d");
            assert.deepStrictEqual(p.storageSpec.volumeClaimTemplate.spec, {
                accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "100Gi" } }, storageClassName: "gp3",
            });
            assert.ok(p.resources.requests.cpu && p.resources.limits.memory);
            const dev: any = kubePrometheusStackValues(catalog(), { retentionDays: 2, storage: "5Gi", storageClass: "", ha: false });
            assert.strictEqual(dev.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName, undefined);
            assert.strictEqual(dev.prometheus.prometheusSpec.retention, "2d");
            assert.strictEqual(dev.alertmanager.enabled, false);
            assert.strictEqual((kubePrometheusStackValues(catalog(), sizing) as any).alertmanager.enabled, true);
            // No admin password in the values: Grafana reads it from our generated Secret (grafana.ts, metrics.ts).
            assert.strictEqual(dev.grafana.adminPassword, undefined);
            // The admin credentials are files from our Secret; the chart's admin.existingSecret would be ignored.
            assert.strictEqual(dev.grafana.admin, undefined);
            assert.deepStrictEqual(dev.grafana.extraSecretMounts.map((m: any) => m.secretName), ["grafana-admin"]);
        });
    });

    describe("prometheus-adapter", () => {
        it("exposes http_requests_per_second exactly as the HPA expects, custom metrics only", () => {
            assert.deepStrictEqual(adapterRules(), [{
                seriesQuery: 'http_requests_total{namespace!="",pod!=""}',
                resources: { overrides: { namespace: { resource: "namespace" }, pod: { resource: "pod" } } },
                name: { matches: "^(.*)_total", as: "${1}_per_second" },
                metricsQuery: "sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)",
            }]);
            const v: any = prometheusAdapterValues(catalog(), false);
            assert.deepStrictEqual(v.prometheus, { url: "http://kube-prometheus-stack-prometheus.monitoring.svc", port: 9090 });
            assert.strictEqual(`${v.prometheus.url}:${v.prometheus.port}`, PROMETHEUS_URL);
            assert.strictEqual(v.rules.default, false);
            assert.strictEqual(v.rules.resource, undefined, "metrics.k8s.io stays with metrics-server");
            assert.deepStrictEqual(v.image, { repository: "registry.k8s.io/prometheus-adapter/prometheus-adapter" });
        });
    });

    describe("ServiceMonitor", () => {
        it("scrapes the http port at the metrics path every 30s without the mesh", () => {
            const sm: any = serviceMonitor({ name: "api-gateway", metricsPath: "/metrics" }, "kubechat-system", false);
            assert.strictEqual(sm.apiVersion, "monitoring.coreos.com/v1");
            assert.deepStrictEqual(sm.spec.selector, { matchLabels: { "app.kubernetes.io/name": "api-gateway", "kubechat.ai/scrape": "true" } });
            assert.deepStrictEqual(sm.spec.podTargetLabels, ["rollouts-pod-template-hash"]);
            assert.deepStrictEqual(sm.spec.namespaceSelector, { matchNames: ["kubechat-system"] });
            assert.deepStrictEqual(sm.spec.endpoints, [{ port: "http", scheme: "http", interval: "30s", path: "/metrics" }]);
        });

        it("scrapes Istio's merged metrics (15020 /stats/prometheus) with the mesh", () => {
            const ep: any = (serviceMonitor({ name: "api-gateway", metricsPath: "/metrics" }, "kubechat-system", true) as any).spec.endpoints[0];
            assert.strictEqual(ep.port, "http");
            assert.strictEqual(ep.interval, "30s");
            assert.strictEqual(ep.path, "/stats/prometheus");
            assert.deepStrictEqual(ep.relabelings[0], {
                action: "replace", sourceLabels: ["__meta_kubernetes_pod_ip"], targetLabel: "__address__", regex: "(.+)", replacement: "$1:15020",
            });
        });
    });

    describe("alert rules", () => {
        it("alerts on the 5xx ratio, for 2m, severity warning", () => {
            const rule = alertRules({ namespace: "kubechat-system", errorRatePercent: 5 })[0].rules.find((r) => r.alert === "KubeChatHighErrorRate")!;
            assert.strictEqual(rule.expr,
                'sum(rate(http_requests_total{namespace="kubechat-system",status=~"5.."}[5m])) / sum(rate(http_requests_total{namespace="kubechat-system"}[5m])) > 0.05');
            assert.strictEqual(rule.for, "2m");
            assert.strictEqual(rule.labels.severity, "warning");
            assert.strictEqual(ratio(12), "0.12");
            assert.strictEqual(ratio(7), "0.07");
        });

        it("covers target down, p99, restarts, and Postgres/Velero only when deployed; every rule documented", () => {
            const base = alertRules({ namespace: "ns", errorRatePercent: 5 });
            assert.deepStrictEqual(base.flatMap((g) => g.rules.map((r) => r.alert)),
                ["KubeChatHighErrorRate", "KubeChatTargetDown", "KubeChatHighLatencyP99", "KubeChatPodRestarting"]);
            const backupRules = [{ alert: "KubeChatBackupX", expr: "vector(1)", for: "0m", labels: { severity: "critical" as const }, annotations: { summary: "s", description: "d" } }];
            const full = alertRules({ namespace: "ns", errorRatePercent: 5, dataNamespace: "data", veleroNamespace: "velero", backupRules });
            const all = full.flatMap((g) => g.rules);
            // Backup rules are planned by the backup layer (test/unit/backup-alerts.test.ts) and passed through.
            assert.deepStrictEqual(all.map((r) => r.alert).slice(4),
                ["KubeChatPostgresReplicationLag", "KubeChatPostgresFailsafeActive", "KubeChatPostgresNoPrimary", "KubeChatBackupX"]);
            assert.match(all.find((r) => r.alert === "KubeChatTargetDown")!.expr, /^up\{namespace="ns"\} == 0$/);
            assert.match(all.find((r) => r.alert === "KubeChatHighLatencyP99")!.expr, /^histogram_quantile\(0\.99, sum by \(le, service\) \(rate\(http_request_duration_seconds_bucket\{namespace="ns"\}\[5m\]\)\)\) > 1$/);
            assert.match(all.find((r) => r.alert === "KubeChatPodRestarting")!.expr, /kube_pod_container_status_restarts_total\{namespace="ns"\}/);
            assert.match(all.find((r) => r.alert === "KubeChatPostgresReplicationLag")!.expr, /pg_replication_lag_seconds\{namespace="data"\}/);
            for (const r of all) {
                assert.ok(r.annotations.summary && r.annotations.description, `${r.alert} annotations`);
                assert.ok(["warning", "critical"].includes(r.labels.severity), `${r.alert} severity`);
            }
            const pr: any = prometheusRule({ namespace: "ns", errorRatePercent: 5 });
            assert.strictEqual(pr.kind, "PrometheusRule");
            assert.strictEqual(pr.metadata.namespace, "ns");
        });
    });

    describe("Elasticsearch", () => {
        it("targets ECK in-cluster or an external URL, credentials only by Secret reference", () => {
            // The writer is the log writer's file-realm user; `elastic` is only the setup Job's admin.
            assert.deepStrictEqual(esTarget("", "logging"), {
                url: "https://kubechat-es-http.logging.svc:9200", inCluster: true, secret: "kubechat-es-log-writer",
                usernameKey: "username", passwordKey: "password", adminSecret: "kubechat-es-elastic-user", caSecret: "kubechat-es-http-certs-public",
            });
            const ext = esTarget("https://es.corp:9200/", "logging");
            assert.strictEqual(ext.url, "https://es.corp:9200");
            assert.strictEqual(ext.inCluster, false);
            assert.strictEqual(ext.caSecret, undefined);
            assert.strictEqual(indexReplicas(true, 1), 0);
            assert.strictEqual(indexReplicas(true, 3), 1);
            assert.strictEqual(indexReplicas(false, 1), 1);
        });

        it("builds the Elasticsearch and Kibana CRs from the catalog, without the privileged sysctl init", () => {
            const es: any = elasticsearch(catalog(), "logging", { nodes: 3, storage: "50Gi", storageClass: "standard", persistent: true });
            assert.strictEqual(es.apiVersion, "elasticsearch.k8s.elastic.co/v1");
            assert.strictEqual(es.spec.version, "8.19.6");
            assert.strictEqual(es.spec.image, "docker.elastic.co/elasticsearch/elasticsearch:8.19.6");
            assert.strictEqual(es.spec.volumeClaimDeletePolicy, "DeleteOnScaledownOnly");
            const ns = es.spec.nodeSets[0];
            assert.strictEqual(ns.count, 3);
            assert.strictEqual(ns.config["node.store.allow_mmap"], false);
            assert.strictEqual(ns.podTemplate.spec.securityContext.runAsNonRoot, true);
            assert.strictEqual(ns.podTemplate.spec.containers[0].securityContext.allowPrivilegeEscalation, false);
            assert.deepStrictEqual(ns.volumeClaimTemplates[0].spec.resources.requests, { storage: "50Gi" });
            assert.strictEqual(ns.volumeClaimTemplates[0].spec.storageClassName, "standard");
            const kb: any = kibana(catalog(), "logging");
            assert.strictEqual(kb.apiVersion, "kibana.k8s.elastic.co/v1");
            assert.deepStrictEqual(kb.spec.elasticsearchRef, { name: "kubechat" });
            assert.strictEqual(kb.spec.image, "docker.elastic.co/kibana/kibana:8.19.6");
            const op: any = eckOperatorValues(mirror(), "logging");
            assert.strictEqual(op.config.containerRegistry, "mirror.local:5000/kubechat");
            assert.deepStrictEqual(op.image, { repository: "mirror.local:5000/kubechat/eck/eck-operator" });
        });

        it("keeps logs 30/90/2555 days and traces 7 days through ILM policies bound by index templates", () => {
            const p: any = ilmPolicies(retention);
            assert.strictEqual(p["kubechat-app"].policy.phases.delete.min_age, "30d");
            assert.strictEqual(p["kubechat-system"].policy.phases.delete.min_age, "90d");
            assert.strictEqual(p["kubechat-audit"].policy.phases.delete.min_age, "2555d");
            assert.strictEqual(p["kubechat-traces"].policy.phases.delete.min_age, "7d");
            const t: any = indexTemplates(1);
            assert.deepStrictEqual(t["kubechat-app"].index_patterns, ["kubechat-app-*"]);
            assert.strictEqual(t["kubechat-audit"].template.settings["index.lifecycle.name"], "kubechat-audit");
            const script = esSetupScript({ retention, replicas: 1 });
            assert.match(script, /_ilm\/policy\/kubechat-app/);
            assert.match(script, /_index_template\/kubechat-system/);
            assert.match(script, /jaeger-span-\*.*_settings/);
            assert.doesNotMatch(script, /_security\/user\/jaeger/);
            // Users and roles are declared through ECK: the script never touches the security API, with or without Jaeger.
            const withJaeger = esSetupScript({ retention, replicas: 1, jaegerCaNamespace: "tracing" });
            assert.doesNotMatch(withJaeger, /_security\//);
            assert.match(withJaeger, /namespaces\/tracing\/secrets/);
            assert.match(withJaeger, /jaeger-elasticsearch-ca/);
            // Credentials reach curl from the Secret files through a pipe (-K), never on its command line (-u).
            assert.doesNotMatch(withJaeger, /PW=| -u |ES_PASSWORD/);
            assert.match(withJaeger, /curl -sSf "\$\{CA_ARGS\[@\]\}" -K <\(printf 'user = "%s:%s"\\n' .*\$\(cat \/es-credentials\/password\)/);
        });

        it("runs the setup pod hardened, with credentials from Secrets only", () => {
            const spec: any = esSetupPodSpec(catalog(), esTarget("", "logging"), { retention, replicas: 1, jaegerCaNamespace: "tracing" });
            const c = spec.containers[0];
            assert.strictEqual(c.image, "docker.elastic.co/elasticsearch/elasticsearch:8.19.6");
            assert.deepStrictEqual(c.securityContext.capabilities, { drop: ["ALL"] });
            assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
            assert.strictEqual(spec.securityContext.runAsNonRoot, true);
            assert.ok(c.resources.requests.cpu && c.resources.limits.memory);
            assert.deepStrictEqual(c.env.filter((e: any) => e.valueFrom), []);
            assert.deepStrictEqual(spec.volumes.find((v: any) => v.name === "es-credentials").secret,
                { secretName: "kubechat-es-elastic-user", defaultMode: 0o440, items: [{ key: "elastic", path: "password" }] });
            assert.ok(c.volumeMounts.some((m: any) => m.name === "es-credentials" && m.mountPath === "/es-credentials" && m.readOnly));
            // External Elasticsearch: the operator's user name and password, both files.
            const ext: any = esSetupPodSpec(catalog(), esTarget("https://es.corp:9200", "logging"), { retention, replicas: 1 });
            assert.deepStrictEqual(ext.volumes.find((v: any) => v.name === "es-credentials").secret.items.map((i: any) => i.path), ["username", "password"]);
            assert.deepStrictEqual(ext.containers[0].env.map((e: any) => e.name), ["ES_URL"]);
            assert.ok(spec.volumes.some((v: any) => v.secret?.secretName === "kubechat-es-http-certs-public"));
            assert.ok(c.volumeMounts.some((m: any) => m.mountPath === "/tmp"));
            assert.strictEqual(spec.automountServiceAccountToken, true);
        });
    });

    describe("log shipping", () => {
        it("Fluent Bit tails containers and the audit log, re-tags app namespaces, forwards to fluentd:24224", () => {
            const v: any = fluentBitValues(catalog(), ["kubechat-system", "kubechat-data"], "logging");
            assert.deepStrictEqual(v.image, { repository: "cr.fluentbit.io/fluent/fluent-bit", pullPolicy: "IfNotPresent" });
            assert.match(v.config.inputs, /Path \/var\/log\/containers\/\*\.log/);
            assert.match(v.config.inputs, /Path \/var\/log\/kubernetes\/audit\/\*\.log/);
            assert.match(v.config.filters, /Name kubernetes/);
            assert.match(v.config.filters, /\^\(kubechat-system\|kubechat-data\)\$ app\.\$TAG false/);
            assert.match(v.config.outputs, /Name forward\n\s+Match \*\n\s+Host fluentd\.logging\.svc\n\s+Port 24224/);
            // TLS and the shared key, read from the Secret through the environment.
            assert.match(v.config.outputs, /\n\s+tls On\n\s+tls\.verify On\n\s+tls\.ca_file \/forward-ca\/ca\.crt\n/);
            // Only the CA certificate is mounted into Fluent Bit, never the CA key.
            assert.deepStrictEqual(v.extraVolumes, [{ name: "forward-ca", secret: { secretName: "fluent-forward-ca", items: [{ key: "ca.crt", path: "ca.crt" }] } }]);
            assert.deepStrictEqual(v.extraVolumeMounts, [{ name: "forward-ca", mountPath: "/forward-ca", readOnly: true }]);
            assert.match(v.config.outputs, /\n\s+Shared_Key \$\{FORWARD_SHARED_KEY\}/);
            assert.deepStrictEqual(v.env, [{ name: "FORWARD_SHARED_KEY", valueFrom: { secretKeyRef: { name: "fluent-forward-shared-key", key: "sharedKey" } } }]);
        });

        it("Fluentd writes app/audit/system indices over verified TLS, secrets from files", () => {
            const { sources, outputs } = fluentdConfig(esTarget("", "logging"));
            assert.match(sources, /@type forward[\s\S]*port 24224/);
            // The forward input takes TLS only, and only from holders of the shared key.
            assert.match(sources, /<transport tls>\n\s+ca_cert_path \/forward-ca\/ca\.crt\n\s+ca_private_key_path \/forward-ca\/ca\.key\n[\s\S]*<\/transport>/);
            assert.doesNotMatch(sources, /insecure/);
            assert.match(sources, /<security>\n\s+self_hostname fluentd\n\s+shared_key "#\{File\.read\('\/forward-key\/sharedKey'\)\.chomp\}"\n\s+<\/security>/);
            for (const cls of ["app", "audit", "system"]) assert.match(outputs, new RegExp(`logstash_prefix kubechat-${cls}\\n`));
            assert.match(outputs, /hosts https:\/\/kubechat-es-http\.logging\.svc:9200/);
            assert.match(outputs, /suppress_type_name true/);
            assert.match(outputs, /ssl_verify true/);
            assert.match(outputs, /ca_file \/es-ca\/ca\.crt/);
            assert.match(outputs, /password "#\{File\.read\('\/es-credentials\/password'\)\.chomp\}"/);
            assert.ok(outputs.indexOf("<match app.**>") < outputs.indexOf("<match **>"), "catch-all last");
            const v: any = fluentdValues(catalog(), esTarget("", "logging"), true);
            assert.strictEqual(v.kind, "Deployment");
            assert.deepStrictEqual(v.image, { repository: "docker.io/fluent/fluentd-kubernetes-daemonset", tag: "v1.19.0-debian-elasticsearch8-1.0", pullPolicy: "IfNotPresent" });
            // Fluentd is the log writer, never `elastic`; its secrets are files, its account has no token.
            assert.strictEqual(v.env, undefined);
            assert.deepStrictEqual(v.volumes.find((x: any) => x.name === "es-credentials").secret.secretName, "kubechat-es-log-writer");
            assert.ok(!JSON.stringify(v).includes("elastic-user"));
            assert.deepStrictEqual(v.volumes.find((x: any) => x.name === "forward-key").secret.secretName, "fluent-forward-shared-key");
            assert.deepStrictEqual(v.serviceAccount, { create: false, name: "kubechat-fluentd" });
            assert.deepStrictEqual(v.service.ports, [{ name: "forwarder", protocol: "TCP", containerPort: 24224 }]);
            const ext = fluentdConfig(esTarget("https://es.corp:9200", "logging")).outputs;
            assert.match(ext, /hosts https:\/\/es\.corp:9200/);
            assert.doesNotMatch(ext, /ca_file/);
            const extVol: any = (fluentdValues(catalog(), esTarget("https://es.corp:9200", "logging"), false) as any).volumes.find((x: any) => x.name === "es-credentials");
            assert.strictEqual(extVol.secret.secretName, "elasticsearch-credentials");
        });
    });

    describe("Jaeger", () => {
        it("receives OTLP 4317/4318 and serves the UI on 16686, in memory", () => {
            const cfg: any = jaegerConfig({ kind: "memory", retentionDays: 7 });
            assert.deepStrictEqual(cfg.receivers.otlp.protocols, { grpc: { endpoint: "0.0.0.0:4317" }, http: { endpoint: "0.0.0.0:4318" } });
            assert.strictEqual(cfg.extensions.jaeger_query.http.endpoint, "0.0.0.0:16686");
            assert.deepStrictEqual(cfg.extensions.jaeger_storage.backends.primary_store, { memory: { max_traces: 100000 } });
            const v: any = jaegerValues(catalog(), { kind: "memory", retentionDays: 7 });
            assert.strictEqual(v.jaeger.replicas, 1);
            assert.deepStrictEqual(v.jaeger.image, { registry: "docker.io", repository: "jaegertracing/jaeger" });
            assert.deepStrictEqual(v.jaeger.extraVolumes, []);
            // Jaeger never calls the Kubernetes API.
            assert.deepStrictEqual(v.jaeger.serviceAccount, { automountServiceAccountToken: false });
        });

        it("stores in Elasticsearch with 7-day lookback and credentials from the Jaeger Secret", () => {
            const s = { kind: "elasticsearch" as const, esUrl: "https://kubechat-es-http.logging.svc:9200", esCa: true, retentionDays: 7, replicas: 1 };
            const es: any = jaegerConfig(s).extensions;
            const b = es.jaeger_storage.backends.primary_store.elasticsearch;
            assert.deepStrictEqual(b.server_urls, ["https://kubechat-es-http.logging.svc:9200"]);
            assert.strictEqual(b.max_span_age, "168h");
            assert.deepStrictEqual(b.tls, { ca_file: "/es-ca/ca.crt" });
            // Files of the Jaeger Secret: the collector's file provider and the extension's password_file.
            assert.deepStrictEqual(b.auth.basic, { username: "${file:/es-credentials/username}", password_file: "/es-credentials/password" });
            assert.strictEqual(b.indices.spans.rollover_frequency, "day");
            const v: any = jaegerValues(catalog(), s);
            assert.strictEqual(v.jaeger.replicas, 2);
            assert.strictEqual(v.jaeger.extraEnv, undefined);
            assert.strictEqual(v.jaeger.extraVolumes.find((x: any) => x.name === "es-credentials").secret.secretName, JAEGER_ES_SECRET);
            assert.ok(v.jaeger.extraVolumeMounts.some((m: any) => m.name === "es-credentials" && m.mountPath === "/es-credentials" && m.readOnly));
            assert.strictEqual(v.jaeger.securityContext.readOnlyRootFilesystem, true);
        });

        it("exposes the collector as jaeger-collector on the chart's pods", () => {
            const svc: any = jaegerCollectorService("tracing");
            assert.strictEqual(svc.metadata.name, "jaeger-collector");
            assert.deepStrictEqual(svc.spec.selector, { "app.kubernetes.io/name": "jaeger", "app.kubernetes.io/instance": "jaeger", "app.kubernetes.io/component": "all-in-one" });
            assert.deepStrictEqual(svc.spec.ports.map((p: any) => p.port), [4317, 4318]);
        });
    });

    it("labels namespaces with Pod Security levels and as platform namespaces", () => {
        const l = namespaceLabels(observabilityNamespace("monitoring", "privileged"));
        assert.strictEqual(l["pod-security.kubernetes.io/enforce"], "privileged");
        assert.strictEqual(l["pod-security.kubernetes.io/warn"], "restricted");
        assert.strictEqual(l["kubechat.ai/system"], "true");
    });

    it("never names an upstream registry in any chart value when the registry is overridden", () => {
        const m = mirror();
        const es = esTarget("", "logging");
        const all = [
            kubePrometheusStackValues(m, sizing), prometheusAdapterValues(m, true), fluentBitValues(m, ["a"], "logging"),
            fluentdValues(m, es, true), eckOperatorValues(m, "logging"), jaegerValues(m, { kind: "memory", retentionDays: 7 }),
            elasticsearch(m, "logging", { nodes: 1, storage: "1Gi", storageClass: "", persistent: false }), kibana(m, "logging"),
        ];
        assert.deepStrictEqual(strings(all).filter((s) => UPSTREAM.test(s)), []);
    });

    it("plans which parts run: Elasticsearch for logs or for traces stored in it", () => {
        const base = { metrics: true, logs: false, traces: true, traceStorage: "memory" } as any;
        assert.deepStrictEqual(observabilityPlan(base), { metrics: true, logs: false, traces: true, elasticsearch: false, tracesInEs: false });
        assert.strictEqual(observabilityPlan({ ...base, traceStorage: "elasticsearch" }).elasticsearch, true);
        assert.strictEqual(observabilityPlan({ ...base, logs: true }).elasticsearch, true);
    });
});
