/** Observability under the mock runtime: releases and their values, app-namespace CRs, Elastic CRs, Jaeger, dev footprint, variants. */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { Plan, PlanResource, object, objects, planStack, release, schemaCheck } from "../harness";
import { strings } from "../strings";

const UPSTREAM = /(docker\.io|quay\.io|ghcr\.io|registry\.k8s\.io|docker\.elastic\.co|cr\.fluentbit\.io|registry\.opensource\.zalan\.do)/;
const OBS_CHARTS = ["kube-prometheus-stack", "prometheus-adapter", "fluent-bit", "fluentd", "eck-operator", "jaeger"];
const obs = (plan: Plan) => plan.resources.filter((r) => r.urn.includes("kubechat:observability:"));
const has = (plan: Plan, chart: string) => plan.resources.some((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === chart);
const values = (r: PlanResource) => r.inputs.values;
const byName = (plan: Plan, kind: string, name: string) => plan.resources.find((r) => r.inputs?.kind === kind && r.inputs?.metadata?.name === name)!;



describe("Observability (component)", () => {
    let dev: Plan, staging: Plan, prod: Plan, mirrored: Plan, external: Plan, planNoMesh: Plan;
    before(async () => {
        [dev, staging, prod] = await Promise.all([planStack("dev"), planStack("staging"), planStack("prod")]);
        const stagingDoc = YAML.parse(fs.readFileSync(path.resolve(__dirname, "..", "..", "Pulumi.staging.yaml"), "utf8"));
        mirrored = await planStack("staging", { registry: "mirror.local:5000/kubechat" });
        planNoMesh = await planStack("dev", { mesh: { enabled: false } });
        external = await planStack("staging", {
            observability: { ...stagingDoc.config["kubechat:observability"], elasticsearchUrl: "https://es.corp.example:9200", elasticsearchCidrs: ["10.40.0.0/24"] },
        });
    });

    it("installs kube-prometheus-stack and prometheus-adapter in monitoring with the contracted names", () => {
        for (const plan of [dev, staging, prod]) {
            const kps = release(plan, "kube-prometheus-stack");
            assert.strictEqual(kps.inputs.name, "kube-prometheus-stack");
            assert.strictEqual(kps.inputs.namespace, "monitoring");
            assert.strictEqual(kps.inputs.version, "88.0.0");
            assert.ok(kps.provider, "explicit provider");
            const p = values(kps).prometheus.prometheusSpec;
            assert.strictEqual(p.serviceMonitorSelectorNilUsesHelmValues, false);
            assert.strictEqual(p.ruleSelectorNilUsesHelmValues, false);
            assert.strictEqual(p.podMonitorSelectorNilUsesHelmValues, false);
            const adapter = release(plan, "prometheus-adapter");
            assert.strictEqual(adapter.inputs.namespace, "monitoring");
            assert.strictEqual(values(adapter).prometheus.url, "http://kube-prometheus-stack-prometheus.monitoring.svc");
            assert.strictEqual(values(adapter).rules.custom[0].name.as, "${1}_per_second");
        }
        const devP = values(release(dev, "kube-prometheus-stack")).prometheus.prometheusSpec;
        assert.strictEqual(devP.retention, "2d");
        assert.deepStrictEqual(devP.storageSpec.volumeClaimTemplate.spec.resources.requests, { storage: "5Gi" });
        assert.strictEqual(devP.storageSpec.volumeClaimTemplate.spec.storageClassName, "local-path");
        assert.strictEqual(values(release(dev, "kube-prometheus-stack")).alertmanager.enabled, false);
        const prodV = values(release(prod, "kube-prometheus-stack"));
        assert.strictEqual(prodV.prometheus.prometheusSpec.retention, "30d");
        assert.deepStrictEqual(prodV.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests, { storage: "100Gi" });
        assert.strictEqual(prodV.alertmanager.enabled, true);
        assert.strictEqual(values(release(staging, "kube-prometheus-stack")).prometheus.prometheusSpec.retention, "7d");
    });

    it("creates one ServiceMonitor per service and the alert rules in the app namespace, after the CRDs", () => {
        for (const plan of [dev, prod]) {
            const sm = object(plan, "ServiceMonitor", "api-gateway");
            assert.strictEqual(sm.apiVersion, "monitoring.coreos.com/v1");
            assert.strictEqual(sm.metadata.namespace, "kubechat-system");
            assert.strictEqual(sm.spec.selector.matchLabels["app.kubernetes.io/name"], "api-gateway");
            assert.deepStrictEqual(sm.spec.podTargetLabels, ["rollouts-pod-template-hash"]);
            assert.strictEqual(sm.spec.endpoints[0].port, "http");
            assert.strictEqual(sm.spec.endpoints[0].interval, "30s");
            const rule = object(plan, "PrometheusRule", "kubechat-alerts");
            assert.strictEqual(rule.metadata.namespace, "kubechat-system");
            const err = rule.spec.groups[0].rules[0];
            assert.deepStrictEqual([err.alert, err.for, err.labels.severity], ["KubeChatHighErrorRate", "2m", "warning"]);
            assert.match(err.expr, /status=~"5\.\."\}\[5m\]\)\) \/ sum\(rate\(http_requests_total\{namespace="kubechat-system"\}\[5m\]\)\) > 0\.05$/);
            const stack = release(plan, "kube-prometheus-stack");
            for (const kind of ["ServiceMonitor", "PrometheusRule"]) {
                const r = plan.resources.find((x) => x.inputs?.kind === kind)!;
                assert.ok(r.dependencies.includes(stack.urn), `${kind} waits for the CRDs`);
            }
        }
        // The mesh is on in every stack file: scraping goes through Istio's merged metrics.
        assert.strictEqual(object(prod, "ServiceMonitor", "api-gateway").spec.endpoints[0].path, "/stats/prometheus");
        const prodAlerts = object(prod, "PrometheusRule", "kubechat-alerts").spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert));
        assert.ok(prodAlerts.includes("KubeChatPostgresReplicationLag") && prodAlerts.includes("KubeChatVeleroBackupFailed"));
        const devAlerts = object(dev, "PrometheusRule", "kubechat-alerts").spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert));
        assert.ok(!devAlerts.includes("KubeChatVeleroBackupFailed"), "no backup alerts without Velero");
    });

    it("scrapes each app pod once: every ServiceMonitor matches exactly one Service per workload (canary Services included)", () => {
        const matches = (sel: Record<string, string>, labels: Record<string, string> = {}) => Object.entries(sel).every(([k, v]) => labels[k] === v);
        for (const plan of [dev, staging, prod]) {
            for (const sm of objects(plan, "ServiceMonitor").filter((o) => o.metadata.namespace === "kubechat-system")) {
                const services = objects(plan, "Service").filter((s) => sm.spec.namespaceSelector.matchNames.includes(s.metadata.namespace)
                    && matches(sm.spec.selector.matchLabels, s.metadata.labels));
                // Services selecting the same pods (same pod selector) must not both be matched.
                const podSelectors = services.map((s) => JSON.stringify(s.spec.selector));
                assert.strictEqual(services.length, 1, `${plan.stack} ${sm.metadata.name}: ${services.map((s) => s.metadata.name)}`);
                assert.strictEqual(new Set(podSelectors).size, podSelectors.length);
            }
        }
        // prod runs the canary: three Services over the same pods exist, one is scraped.
        assert.strictEqual(objects(prod, "Service").filter((s) => s.metadata.labels["app.kubernetes.io/name"] === "api-gateway").length, 3);
    });

    it("scrapes the mesh: istiod's monitoring port and the ingress gateway's Envoy, and alerts when no istiod is up", () => {
        for (const plan of [dev, staging, prod]) {
            const istiod = object(plan, "ServiceMonitor", "istiod");
            assert.deepStrictEqual(istiod.spec.namespaceSelector.matchNames, ["istio-system"]);
            assert.deepStrictEqual(istiod.spec.endpoints.map((e: any) => e.port), ["http-monitoring"]);
            const gw = object(plan, "PodMonitor", "istio-ingressgateway");
            assert.deepStrictEqual(gw.spec.podMetricsEndpoints.map((e: any) => [e.port, e.path]), [["http-envoy-prom", "/stats/prometheus"]]);
            // The gateway pods are labelled `istio: ingressgateway` by the gateway chart; its namespace admits monitoring on 15090.
            const gwNs = gw.spec.namespaceSelector.matchNames[0];
            const np = objects(plan, "NetworkPolicy").find((o) => o.metadata.namespace === gwNs && o.metadata.name === "istio-ingressgateway");
            assert.deepStrictEqual(np.spec.podSelector.matchLabels, gw.spec.selector.matchLabels);
            assert.ok(np.spec.ingress.some((r: any) => r.from?.[0]?.namespaceSelector && r.ports.some((p: any) => p.port === 15090)));
            const alerts = object(plan, "PrometheusRule", "kubechat-alerts").spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert));
            assert.ok(alerts.includes("KubeChatMeshControlPlaneDown"));
        }
        const noMesh = objects(planNoMesh, "ServiceMonitor").concat(objects(planNoMesh, "PodMonitor")).map((o) => o.metadata.name);
        assert.ok(!noMesh.includes("istiod") && !noMesh.includes("istio-ingressgateway"), String(noMesh));
    });

    it("routes alerts to receivers by Secret reference (prod: PagerDuty + Slack); control-plane monitors off unless reachable", () => {
        const prodV = values(release(prod, "kube-prometheus-stack"));
        const cfg = prodV.alertmanager.config;
        assert.deepStrictEqual(cfg.receivers.map((r: any) => r.name), ["null", "slack", "pagerduty"]);
        assert.deepStrictEqual(cfg.route.routes.filter((r: any) => r.receiver !== "null").map((r: any) => [r.receiver, r.matchers[0]]),
            [["slack", 'severity =~ "critical|warning"'], ["pagerduty", 'severity =~ "critical"']]);
        assert.deepStrictEqual(prodV.alertmanager.alertmanagerSpec.secrets, ["alertmanager-receivers"]);
        assert.ok(strings(cfg).every((v) => !/hooks\.slack\.com|events\.pagerduty\.com/.test(v)), "no receiver URL or key in the plan");
        for (const k of ["kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy"]) {
            assert.strictEqual(prodV[k]?.enabled, false, `${k} off on EKS`);
            assert.strictEqual(values(release(staging, "kube-prometheus-stack"))[k]?.enabled, false, `${k} off on-prem by default`);
        }
    });

    it("log writers wait for the Ready Elasticsearch (ECK Secrets exist); Fluentd keeps the Service host; dashboards off as a boolean", () => {
        for (const plan of [staging, prod]) {
            const es = byName(plan, "Elasticsearch", "kubechat");
            assert.strictEqual(es.inputs.metadata.annotations["pulumi.com/waitFor"], "jsonpath={.status.phase}=Ready");
            const fluentd = release(plan, "fluentd");
            assert.ok(fluentd.dependencies.includes(es.urn), "Fluentd waits for Elasticsearch");
            assert.strictEqual(values(fluentd).dashboards.enabled, false);
            const out = values(fluentd).fileConfigs["04_outputs.conf"];
            assert.ok(out.includes("reload_on_failure false") && !out.includes("reload_on_failure true"));
        }
    });

    it("scrapes the Postgres exporter sidecars (the replication-lag alert's source) with a PodMonitor", () => {
        for (const plan of [dev, prod]) {
            const pm = object(plan, "PodMonitor", "postgres");
            assert.strictEqual(pm.metadata.namespace, "monitoring");
            assert.deepStrictEqual(pm.spec.namespaceSelector, { matchNames: ["kubechat-data"] });
            assert.deepStrictEqual(pm.spec.selector, { matchLabels: { application: "spilo" } });
            assert.deepStrictEqual(pm.spec.podMetricsEndpoints, [{ port: "exporter", interval: "30s" }, { portNumber: 8008, path: "/metrics", interval: "30s" }]);
            const sidecar = object(plan, "postgresql", "kubechat-db").spec.sidecars[0];
            assert.ok(sidecar.ports.some((p: any) => p.name === "exporter"), "the port the PodMonitor names exists");
        }
    });

    it("scrapes Velero (the backup alerts' source) where Velero runs", () => {
        const sm = object(prod, "ServiceMonitor", "velero");
        assert.deepStrictEqual([sm.metadata.namespace, sm.spec.namespaceSelector.matchNames], ["monitoring", ["velero"]]);
        assert.deepStrictEqual(sm.spec.endpoints, [{ port: "http-monitoring", interval: "30s" }]);
        assert.deepStrictEqual(objects(dev, "ServiceMonitor", "velero"), [], "dev has no Velero");
    });

    it("keeps every observability object schema-valid", async () => {
        for (const plan of [dev, staging, prod]) {
            const res = await schemaCheck(plan);
            const mine = res.errors.filter((e) => /^(ServiceMonitor|PrometheusRule) /.test(e) || / (monitoring|logging|tracing)\//.test(e)
                || /^Namespace \/(monitoring|logging|tracing):/.test(e));
            assert.ok(!res.unvalidatedKinds.some((k) => k.startsWith("monitoring.coreos.com/")), "Prometheus Operator kinds are validated");
            assert.deepStrictEqual(mine, []);
        }
    });

    it("creates monitoring/logging/tracing with Pod Security privileged only where host access is needed", () => {
        const level = (plan: Plan, ns: string) => object(plan, "Namespace", ns).metadata.labels["pod-security.kubernetes.io/enforce"];
        assert.strictEqual(level(prod, "monitoring"), "privileged");
        assert.strictEqual(level(prod, "logging"), "privileged");
        assert.strictEqual(level(prod, "tracing"), "restricted");
        assert.strictEqual(objects(dev, "Namespace", "logging").length, 0, "no logging in dev");
    });

    it("runs ECK with Elasticsearch and Kibana from the catalog, protected in persistent stacks", () => {
        const op = release(staging, "eck-operator");
        assert.strictEqual(op.inputs.namespace, "logging");
        assert.strictEqual(values(op).config.containerRegistry, "docker.elastic.co");
        const es = byName(staging, "Elasticsearch", "kubechat");
        assert.strictEqual(es.inputs.apiVersion, "elasticsearch.k8s.elastic.co/v1");
        assert.strictEqual(es.inputs.spec.version, "8.19.6");
        assert.strictEqual(es.inputs.spec.nodeSets[0].count, 3);
        assert.strictEqual(es.inputs.spec.nodeSets[0].config["node.store.allow_mmap"], false);
        assert.deepStrictEqual(es.inputs.spec.nodeSets[0].volumeClaimTemplates[0].spec.resources.requests, { storage: "50Gi" });
        assert.strictEqual(es.inputs.spec.nodeSets[0].volumeClaimTemplates[0].spec.storageClassName, "standard");
        assert.strictEqual(es.protect, true);
        assert.ok(es.dependencies.includes(op.urn));
        const kb = byName(staging, "Kibana", "kubechat");
        assert.deepStrictEqual(kb.inputs.spec.elasticsearchRef, { name: "kubechat" });
        assert.ok(kb.dependencies.includes(op.urn));
        assert.strictEqual(byName(prod, "Elasticsearch", "kubechat").inputs.spec.nodeSets[0].volumeClaimTemplates[0].spec.resources.requests.storage, "200Gi");
    });

    it("ships logs Fluent Bit -> Fluentd -> Elasticsearch with TLS and Secret-held credentials", () => {
        const fb = values(release(staging, "fluent-bit"));
        assert.match(fb.config.outputs, /Host fluentd\.logging\.svc\n\s+Port 24224/);
        assert.match(fb.config.filters, /\^\(kubechat-system\|kubechat-data\)\$/);
        const fd = values(release(staging, "fluentd"));
        assert.match(fd.fileConfigs["04_outputs.conf"], /hosts https:\/\/kubechat-es-http\.logging\.svc:9200/);
        assert.match(fd.fileConfigs["04_outputs.conf"], /suppress_type_name true/);
        // The writer's credentials as files of its Secret, not env.
        assert.deepStrictEqual(fd.volumes.find((v: any) => v.name === "es-credentials").secret.secretName, "kubechat-es-log-writer");
        assert.strictEqual(fd.env, undefined);
        assert.strictEqual(release(staging, "fluentd").inputs.namespace, "logging");
        // Fluent Bit -> Fluentd: TLS plus the shared key from a generated Secret both releases wait for.
        assert.match(fd.fileConfigs["01_sources.conf"], /<transport tls>/);
        assert.match(fb.config.outputs, /tls On/);
        const key = byName(staging, "Secret", "fluent-forward-shared-key");
        assert.deepStrictEqual(key.inputs.stringData, { sharedKey: "[secret]" });
        assert.deepStrictEqual(key.ignoreChanges, ["stringData", "data"]);
        const ca = byName(staging, "Secret", "fluent-forward-ca");
        assert.deepStrictEqual(ca.inputs.stringData, { "ca.crt": "[secret]", "ca.key": "[secret]" });
        assert.deepStrictEqual(ca.ignoreChanges, ["stringData", "data"]);
        for (const chart of ["fluentd", "fluent-bit"]) {
            assert.ok(release(staging, chart).dependencies.includes(key.urn), chart);
            assert.ok(release(staging, chart).dependencies.includes(ca.urn), chart);
        }
        const job = object(staging, "Job", "es-setup");
        const c = job.spec.template.spec.containers[0];
        assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
        assert.match(c.command[2], /_ilm\/policy\/kubechat-audit/);
        assert.match(c.command[2], /"min_age":"2555d"/);
        assert.ok(byName(staging, "Job", "es-setup").dependencies.includes(byName(staging, "Elasticsearch", "kubechat").urn));
        assert.strictEqual(object(staging, "CronJob", "es-maintenance").spec.schedule, "15 0 * * *");
    });

    it("declares the writers' users and roles through ECK: no superuser for Fluentd, no script for Jaeger's user", () => {
        for (const plan of [staging, prod]) {
            const es = byName(plan, "Elasticsearch", "kubechat");
            assert.deepStrictEqual(es.inputs.spec.auth, {
                roles: [{ secretName: "kubechat-es-roles" }],
                fileRealm: [{ secretName: "kubechat-es-log-writer" }, { secretName: "kubechat-es-jaeger" }],
            });
            // The SDK marks all Secret data secret, roles included (their content: test/unit/elasticsearch-auth.test.ts).
            assert.deepStrictEqual(byName(plan, "Secret", "kubechat-es-roles").inputs.stringData, { "roles.yml": "[secret]" });
            assert.ok(es.dependencies.includes(byName(plan, "Secret", "kubechat-es-roles").urn));
            for (const [secret, ns] of [["kubechat-es-log-writer", "logging"], ["kubechat-es-jaeger", "logging"], ["jaeger-elasticsearch", "tracing"]]) {
                const r = byName(plan, "Secret", secret);
                assert.strictEqual(r.inputs.type, "kubernetes.io/basic-auth", secret);
                assert.strictEqual(r.inputs.metadata.namespace, ns, secret);
                // Generated, secret in the plan and state, and never regenerated.
                assert.deepStrictEqual(Object.keys(r.inputs.stringData), ns === "logging" ? ["password", "roles", "username"] : ["password", "username"], secret);
                assert.ok(Object.values(r.inputs.stringData).every((v) => v === "[secret]"), secret);
                assert.deepStrictEqual(r.ignoreChanges, ["stringData.password", "data.password"], secret);
                if (ns === "logging") assert.ok(es.dependencies.includes(r.urn), `Elasticsearch waits for ${secret}`);
            }
            // Fluentd writes as its own user and starts after the Ready Elasticsearch and that user's Secret.
            const fd = release(plan, "fluentd");
            assert.ok(!JSON.stringify(values(fd)).includes("kubechat-es-elastic-user"));
            assert.ok(fd.dependencies.includes(es.urn) && fd.dependencies.includes(byName(plan, "Secret", "kubechat-es-log-writer").urn));
            // es-setup no longer manages users or holds Jaeger's password.
            const script = object(plan, "Job", "es-setup").spec.template.spec.containers[0].command[2];
            assert.doesNotMatch(script, /_security\//);
            assert.ok(release(plan, "jaeger").dependencies.includes(byName(plan, "Secret", "jaeger-elasticsearch").urn));
        }
        assert.strictEqual(objects(external, "Secret", "kubechat-es-log-writer").length, 0, "external Elasticsearch: the operator's credentials");
        assert.strictEqual(objects(external, "Secret", "jaeger-elasticsearch").length, 0);
    });

    it("runs Jaeger v2: memory in dev, Elasticsearch with its own credentials in HA stacks", () => {
        const devJ = release(dev, "jaeger");
        assert.deepStrictEqual([devJ.inputs.name, devJ.inputs.namespace], ["jaeger", "tracing"]);
        assert.ok("memory" in values(devJ).userconfig.extensions.jaeger_storage.backends.primary_store);
        assert.strictEqual(values(devJ).jaeger.replicas, 1);
        const j = release(prod, "jaeger");
        const b = values(j).userconfig.extensions.jaeger_storage.backends.primary_store.elasticsearch;
        assert.deepStrictEqual(b.server_urls, ["https://kubechat-es-http.logging.svc:9200"]);
        assert.strictEqual(b.max_span_age, "168h");
        // Jaeger starts after the Ready Elasticsearch and the Job that writes its credentials Secret,
        // not inside its own timeout.
        const es = byName(prod, "Elasticsearch", "kubechat");
        assert.ok(j.dependencies.includes(byName(prod, "Job", "es-setup").urn));
        assert.ok(j.dependencies.includes(es.urn));
        assert.strictEqual(j.inputs.timeout, 600);
        assert.strictEqual(release(dev, "jaeger").inputs.timeout, 600);
        const svc = object(prod, "Service", "jaeger-collector");
        assert.strictEqual(svc.metadata.namespace, "tracing");
        assert.deepStrictEqual(svc.spec.ports.map((p: any) => p.port), [4317, 4318]);
        // es-setup may write the public CA into tracing and touch no other Secret there (no credentials).
        assert.deepStrictEqual(object(prod, "Role", "es-setup-jaeger-credentials").rules, [
            { apiGroups: [""], resources: ["secrets"], verbs: ["create"] },
            { apiGroups: [""], resources: ["secrets"], resourceNames: ["jaeger-elasticsearch-ca"], verbs: ["get", "update"] },
        ]);
        const binding = object(prod, "RoleBinding", "es-setup-jaeger-credentials");
        assert.deepStrictEqual(binding.subjects, [{ kind: "ServiceAccount", name: "es-setup", namespace: "logging" }]);
    });

    it("keeps the dev plan small: metrics and in-memory traces only", () => {
        for (const chart of ["fluent-bit", "fluentd", "eck-operator"]) assert.ok(!has(dev, chart), `${chart} off in dev`);
        assert.strictEqual(objects(dev, "Elasticsearch").length, 0);
        // 12, the two mesh scrape objects (istiod, ingress gateway), Grafana's sidecar Role and admin Secret.
        assert.ok(obs(dev).length <= 16, `dev observability resources: ${obs(dev).length}`);
    });

    it("rewrites every image of every observability release with the registry override", () => {
        for (const chart of OBS_CHARTS) {
            const v = values(release(mirrored, chart));
            assert.deepStrictEqual(strings(v).filter((s) => UPSTREAM.test(s)), [], chart);
        }
        assert.strictEqual(values(release(mirrored, "kube-prometheus-stack")).global.imageRegistry, "mirror.local:5000/kubechat");
        assert.strictEqual(byName(mirrored, "Elasticsearch", "kubechat").inputs.spec.image, "mirror.local:5000/kubechat/elasticsearch/elasticsearch:8.19.6");
    });

    it("points logs and traces at an external Elasticsearch without ECK", () => {
        assert.ok(!has(external, "eck-operator"));
        assert.strictEqual(objects(external, "Elasticsearch").length, 0);
        assert.strictEqual(objects(external, "RoleBinding", "es-setup-jaeger-credentials").length, 0);
        assert.match(values(release(external, "fluentd")).fileConfigs["04_outputs.conf"], /hosts https:\/\/es\.corp\.example:9200/);
        const b = values(release(external, "jaeger")).userconfig.extensions.jaeger_storage.backends.primary_store.elasticsearch;
        assert.deepStrictEqual(b.server_urls, ["https://es.corp.example:9200"]);
        assert.strictEqual(b.tls, undefined);
    });
});
