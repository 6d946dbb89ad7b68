import * as assert from "assert";
import * as YAML from "yaml";
import { ApiTarget, documentedAlerts, localPrometheusConfig, ruleContents, scrapedEndpoints, targetsPerPool } from "../operators/prometheus-config";

const GENERATED = `global:
  external_labels:
    prometheus_replica: $(POD_NAME)
rule_files:
- /etc/prometheus/rules/prometheus-p-rulefiles-0/*.yaml
scrape_configs:
- job_name: serviceMonitor/kubechat/api-gateway/0
  kubernetes_sd_configs:
  - role: endpoints
    namespaces:
      names: [kubechat]
  relabel_configs:
  - source_labels: [__meta_kubernetes_pod_ip]
    regex: (.+)
    target_label: __address__
    replacement: $1:15020
- job_name: serviceMonitor/monitoring/kubelet/0
  authorization:
    credentials_file: /var/run/secrets/kubernetes.io/serviceaccount/token
  tls_config:
    ca_file: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt
  kubernetes_sd_configs:
  - role: endpoints
alerting:
  alertmanagers:
  - kubernetes_sd_configs:
    - role: endpoints
`;

describe("test:operators prometheus: reading the operator's output", () => {
    const opts = { kubeconfig: "/t/kc", rulesDir: "/t/rules", filesRoot: "/t/pod", env: { POD_NAME: "prometheus-p-0", SHARD: "0" } };

    it("points discovery, rule globs and mounted files at local copies and changes no relabeling", () => {
        const l = localPrometheusConfig(GENERATED, opts);
        const before = YAML.parse(GENERATED.replace("$(POD_NAME)", "prometheus-p-0"));
        const after = YAML.parse(l.text);
        assert.strictEqual(after.global.external_labels.prometheus_replica, "prometheus-p-0");
        assert.deepStrictEqual(after.rule_files, ["/t/rules/prometheus-p-rulefiles-0/*.yaml"]);
        assert.deepStrictEqual(after.scrape_configs.map((j: { relabel_configs?: unknown }) => j.relabel_configs), before.scrape_configs.map((j: { relabel_configs?: unknown }) => j.relabel_configs));
        assert.strictEqual(after.scrape_configs[0].kubernetes_sd_configs[0].kubeconfig_file, "/t/kc");
        assert.deepStrictEqual(after.scrape_configs[0].kubernetes_sd_configs[0].namespaces, { names: ["kubechat"] });
        assert.strictEqual(after.alerting.alertmanagers[0].kubernetes_sd_configs[0].kubeconfig_file, "/t/kc");
        assert.strictEqual(after.scrape_configs[1].tls_config.ca_file, "/t/pod/var/run/secrets/kubernetes.io/serviceaccount/ca.crt");
        assert.deepStrictEqual(l.podFiles, ["/var/run/secrets/kubernetes.io/serviceaccount/ca.crt", "/var/run/secrets/kubernetes.io/serviceaccount/token"]);
        assert.strictEqual(l.rewrites.length, 4);
    });

    it("refuses a configuration it cannot make local", () => {
        assert.throws(() => localPrometheusConfig(GENERATED.replace("$(POD_NAME)", "$(NODE)"), opts), /\$\(NODE\)/);
        assert.throws(() => localPrometheusConfig(GENERATED.replace("- role: endpoints\n    namespaces", "- role: endpoints\n    api_server: https://x\n    namespaces"), opts), /already names an API server/);
        assert.throws(() => localPrometheusConfig(GENERATED.replace("/etc/prometheus/rules/", "/rules/"), opts), /not under/);
    });

    it("counts targets per pod and port: the same pod port in two jobs is a duplicate, two ports of a pod are not", () => {
        const t = (pool: string, pod: string | undefined, url: string): ApiTarget => ({
            scrapePool: pool, scrapeUrl: url,
            discoveredLabels: pod ? { __meta_kubernetes_namespace: "kubechat", __meta_kubernetes_pod_name: pod } : ({} as Record<string, string>),
        });
        const active = [
            t("sm/api/0", "api-1", "http://198.18.0.5:15020/stats/prometheus"),
            t("sm/api-canary/0", "api-1", "http://198.18.0.5:15020/stats/prometheus"),
            t("pm/postgres/0", "pg-0", "http://198.18.0.6:9187/metrics"),
            t("pm/postgres/1", "pg-0", "http://198.18.0.6:8008/metrics"),
            t("sm/kubelet/0", undefined, "https://192.0.2.11:10250/metrics"),
            t("sm/kubelet/1", undefined, "https://192.0.2.11:10250/metrics/cadvisor"),
        ];
        const dups = scrapedEndpoints(active).filter((e) => e.pools.length > 1);
        assert.deepStrictEqual(dups.map((d) => [d.key, d.pools]), [["kubechat/api-1:15020", ["sm/api/0", "sm/api-canary/0"]]]);
        assert.strictEqual(scrapedEndpoints(active).length, 5);
        assert.deepStrictEqual(targetsPerPool(active)["sm/api/0"], 1);
    });

    it("reads groups, rules and alerts of rule files", () => {
        const r = ruleContents([
            "groups:\n- name: a\n  rules:\n  - alert: X\n    expr: up == 0\n  - record: r\n    expr: up\n",
            "groups:\n- name: b\n  rules:\n  - alert: Y\n    expr: vector(1)\n",
        ]);
        assert.deepStrictEqual(r, { groups: 2, rules: 3, alerts: ["X", "Y"] });
    });

    it("finds the alerts the docs name: KubeChat* words that are not code identifiers, and the chart's always-firing ones", () => {
        const docs = [
            { file: "docs/a.md", text: "Alerts: `KubeChatWalArchiveStale`, KubeChatHighErrorRate and the `KubeChatPlatform` component." },
            { file: "docs/b.md", text: "the chart's always-firing\n`Watchdog` and `InfoInhibitor` go to null; `AnalysisTemplate` is no alert" },
        ];
        const found = documentedAlerts(docs, new Set(["KubeChatPlatform"]));
        assert.deepStrictEqual([...found.keys()], ["InfoInhibitor", "KubeChatHighErrorRate", "KubeChatWalArchiveStale", "Watchdog"]);
        assert.deepStrictEqual(found.get("Watchdog"), ["docs/b.md"]);
    });
});
