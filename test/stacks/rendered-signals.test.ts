/**
 * The observability and autoscaling charts as rendered with real Helm: every policy violation inside
 * kube-prometheus-stack, prometheus-adapter, fluent-bit, fluentd, eck-operator, jaeger and vpa output is
 * fixed through values or listed with a reason in policies/chart-exceptions.yaml; the hardening set
 * through values reaches the rendered objects.
 */
import * as assert from "assert";
import { renderedStack } from "../harness";

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
            for (const job of ["vpa-admission-certgen", "vpa-admission-certgen-patch"]) {
                const spec = pod("Job", job);
                if (spec) assert.strictEqual(spec.containers[0].securityContext.allowPrivilegeEscalation, false, job);
            }
        });
    });
}
