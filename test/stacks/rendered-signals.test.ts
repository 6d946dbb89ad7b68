/**
 * The observability and autoscaling charts as rendered with real Helm: every policy violation inside
 * kube-prometheus-stack, prometheus-adapter, fluent-bit, fluentd, eck-operator, jaeger and vpa output is
 * fixed through values or listed with a reason in policies/chart-exceptions.yaml; the hardening set
 * through values reaches the rendered objects.
 */
import * as assert from "assert";
import { objects, renderedStack } from "../harness";

const CHARTS = new Set(["kube-prometheus-stack", "prometheus-adapter", "fluent-bit", "fluentd", "eck-operator", "jaeger", "vpa"]);

for (const stack of ["dev", "staging", "prod"]) {
    describe(`rendered observability and autoscaling charts: ${stack}`, () => {
        it("no policy violation is left in their output (fixed through values or excepted with a reason)", async () => {
            const { checks } = await renderedStack(stack);
            assert.deepStrictEqual(checks.violations.filter((v) => CHARTS.has(v.chart)).map((v) => `${v.chart} ${v.kind}/${v.name} ${v.policy}`), []);
        });

        it("values reach the rendered pods: grafana sidecar, admission Jobs, node-exporter and VPA certgen hardened, with resources", async () => {
            const { render } = await renderedStack(stack);
            const objs = render.releases.flatMap((r) => r.objects.map((o) => o.object));
            const pod = (kind: string, name: string) => objs.find((o: any) => o.kind === kind && o.metadata?.name === name)?.spec?.template?.spec;
            const grafana = pod("Deployment", "kube-prometheus-stack-grafana");
            const sidecar = grafana.containers.find((c: any) => c.name === "grafana-sc-dashboard");
            assert.strictEqual(sidecar.securityContext.readOnlyRootFilesystem, true);
            assert.ok(sidecar.resources.limits.memory);
            for (const job of ["kube-prometheus-stack-admission-create", "kube-prometheus-stack-admission-patch"]) {
                assert.ok(pod("Job", job).containers[0].resources.limits.cpu, job);
            }
            const ne = pod("DaemonSet", "kube-prometheus-stack-prometheus-node-exporter").containers[0].securityContext;
            assert.deepStrictEqual([ne.allowPrivilegeEscalation, ne.capabilities.drop, ne.readOnlyRootFilesystem], [false, ["ALL"], true]);
            // Grafana's admin password is ours, generated (grafana.ts): the chart renders no admin Secret (so
            // never the well-known "prom-operator") and Grafana reads the credentials from files.
            assert.ok(!objs.some((o: any) => o.kind === "Secret" && o.metadata?.name === "kube-prometheus-stack-grafana"));
            const web = grafana.containers.find((c: any) => c.name === "grafana");
            assert.deepStrictEqual(web.env.filter((e: any) => /^GF_SECURITY_ADMIN/.test(e.name)).map((e: any) => [e.name, e.value]).sort(),
                [["GF_SECURITY_ADMIN_PASSWORD__FILE", "/etc/grafana-admin/admin-password"], ["GF_SECURITY_ADMIN_USER__FILE", "/etc/grafana-admin/admin-user"]]);
            assert.strictEqual(grafana.volumes.find((v: any) => v.name === "admin-credentials").secret.secretName, "grafana-admin");
            for (const job of ["vpa-admission-certgen", "vpa-admission-certgen-patch"]) {
                const spec = pod("Job", job);
                if (spec) assert.strictEqual(spec.containers[0].securityContext.allowPrivilegeEscalation, false, job);
            }
        });

        it("with egress closed nothing phones home: Grafana's rendered grafana.ini and our Kibana turn off reports, update checks and news", async () => {
            const { plan, render } = await renderedStack(stack);
            const objs: any[] = render.releases.flatMap((r) => r.objects.map((o) => o.object));
            const ini: string = objs.find((o) => o.kind === "ConfigMap" && o.metadata?.name === "kube-prometheus-stack-grafana").data["grafana.ini"];
            const analytics = ini.split(/\n(?=\[)/).find((section) => section.startsWith("[analytics]")) ?? "";
            for (const key of ["reporting_enabled", "check_for_updates", "check_for_plugin_updates"]) assert.match(analytics, new RegExp(`^${key} = false$`, "m"), key);
            const kibana = objects(plan, "Kibana")[0];
            if (kibana) assert.deepStrictEqual([kibana.spec.config["telemetry.optIn"], kibana.spec.config["newsfeed.enabled"]], [false, false]);
        });

        it("log pipeline as rendered: Fluentd as the log writer, Fluent Bit -> Fluentd over TLS with the shared key, Jaeger with its own user", async () => {
            const { render } = await renderedStack(stack);
            const objs: any[] = render.releases.flatMap((r) => r.objects.map((o) => o.object));
            const find = (kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata?.name === name);
            const env = (c: any, name: string) => c.env?.find((e: any) => e.name === name)?.valueFrom?.secretKeyRef;
            const fluentd = find("Deployment", "fluentd");
            if (!fluentd) {
                assert.strictEqual(stack, "dev", "only dev ships no logs");
                return;
            }
            const fd = fluentd.spec.template.spec.containers[0];
            // Fluentd's secrets are files (embedded Ruby reads them when the configuration loads), not env.
            const fileOf = (spec: any, c: any, dir: string) => spec.volumes.find((v: any) => v.name === c.volumeMounts.find((m: any) => m.mountPath === dir)?.name)?.secret?.secretName;
            assert.deepStrictEqual(fd.env?.filter((e: any) => e.valueFrom?.secretKeyRef) ?? [], []);
            assert.strictEqual(fileOf(fluentd.spec.template.spec, fd, "/es-credentials"), "kubechat-es-log-writer");
            assert.strictEqual(fileOf(fluentd.spec.template.spec, fd, "/forward-key"), "fluent-forward-shared-key");
            assert.strictEqual(fluentd.spec.template.spec.serviceAccountName, "kubechat-fluentd");
            assert.ok(!JSON.stringify(fluentd).includes("kubechat-es-elastic-user"), "Fluentd never uses the elastic superuser");
            const fdConfig = objs.filter((o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("fluentd")).map((o) => Object.values(o.data ?? {}).join("\n")).join("\n");
            assert.match(fdConfig, /@type forward[\s\S]*<transport tls>\s+ca_cert_path \/forward-ca\/ca\.crt\s+ca_private_key_path \/forward-ca\/ca\.key[\s\S]*<security>[\s\S]*shared_key "#\{File\.read\('\/forward-key\/sharedKey'\)\.chomp\}"[\s\S]*user "#\{File\.read\('\/es-credentials\/username'\)\.chomp\}"\s+password "#\{File\.read\('\/es-credentials\/password'\)\.chomp\}"/);
            const mounted = (spec: any, c: any) => c.volumeMounts.filter((m: any) => m.mountPath === "/forward-ca").map((m: any) => spec.volumes.find((v: any) => v.name === m.name).secret);
            assert.deepStrictEqual(mounted(fluentd.spec.template.spec, fd), [{ secretName: "fluent-forward-ca", defaultMode: 0o440 }]);
            const fb = find("DaemonSet", "fluent-bit").spec.template.spec.containers[0];
            assert.deepStrictEqual(env(fb, "FORWARD_SHARED_KEY"), { name: "fluent-forward-shared-key", key: "sharedKey" });
            const fbConfig = Object.values(find("ConfigMap", "fluent-bit").data).join("\n");
            assert.match(fbConfig, /Name forward[\s\S]*tls On\s+tls\.verify On\s+tls\.ca_file \/forward-ca\/ca\.crt[\s\S]*Shared_Key \$\{FORWARD_SHARED_KEY\}/);
            const fbSpec = find("DaemonSet", "fluent-bit").spec.template.spec;
            assert.deepStrictEqual(mounted(fbSpec, fb), [{ secretName: "fluent-forward-ca", items: [{ key: "ca.crt", path: "ca.crt" }] }]);
            // staging and prod keep traces in the in-cluster Elasticsearch.
            const jaeger = find("Deployment", "jaeger").spec.template.spec;
            assert.deepStrictEqual(jaeger.containers[0].env?.filter((e: any) => e.valueFrom?.secretKeyRef) ?? [], []);
            assert.strictEqual(fileOf(jaeger, jaeger.containers[0], "/es-credentials"), "jaeger-elasticsearch");
            const jaegerConfig = objs.filter((o) => o.kind === "ConfigMap" && JSON.stringify(o.data ?? {}).includes("jaeger_storage")).map((o) => Object.values(o.data).join("\n")).join("\n");
            assert.match(jaegerConfig, /password_file: \/es-credentials\/password/);
            assert.deepStrictEqual(jaeger.volumes.find((v: any) => v.name === "es-ca").secret.secretName, "jaeger-elasticsearch-ca");
        });
    });
}
