/**
 * Least privilege of what the charts install, checked in what Helm renders: who may read
 * Secrets, which pods get an API token, and how secrets reach the add-ons.
 */
import * as assert from "assert";
import { planStack, renderedStack } from "../harness";
import { grants } from "../../policies/rbac";
import { FLUENTD_SERVICE_ACCOUNT } from "../../components/observability/fluent";

const renderedObjects = async (stack: string): Promise<any[]> => {
    const { render } = await renderedStack(stack);
    return render.releases.flatMap((r) => r.objects.map((o) => ({ ...o.object, metadata: { namespace: r.release.namespace, ...o.object.metadata } })));
};

for (const stack of ["dev", "staging", "prod"]) {
    describe(`rendered privileges: ${stack}`, () => {
        it("Grafana reads ConfigMaps of its own namespace only, and only its sidecars hold an API token", async () => {
            const objs = await renderedObjects(stack);
            const grafanaSubject = (b: any) => (b.subjects ?? []).some((s: any) => s.kind === "ServiceAccount" && s.name === "kube-prometheus-stack-grafana");
            // No cluster-wide binding for Grafana's account; one RoleBinding in monitoring, to our ConfigMap-only Role.
            assert.deepStrictEqual(objs.filter((o) => o.kind === "ClusterRoleBinding" && grafanaSubject(o)).map((o) => o.metadata.name), []);
            const bindings = objs.filter((o) => o.kind === "RoleBinding" && grafanaSubject(o));
            assert.deepStrictEqual(bindings.map((b) => [b.metadata.namespace, b.roleRef.kind, b.roleRef.name]), [["monitoring", "Role", "kube-prometheus-stack-grafana-sidecar"]]);
            const plan = await planStack(stack);
            const role = plan.resources.find((r) => r.type === "kubernetes:rbac.authorization.k8s.io/v1:Role" && r.inputs.metadata?.name === "kube-prometheus-stack-grafana-sidecar");
            assert.ok(role, "our Role exists");
            assert.ok(!role!.inputs.rules.some((r: any) => ["get", "list", "watch"].some((v) => grants(r, "", "secrets", v))), "no Secret access");
            assert.ok(role!.inputs.rules.some((r: any) => grants(r, "", "configmaps", "watch")));

            const pod = objs.find((o) => o.kind === "Deployment" && o.metadata.name === "kube-prometheus-stack-grafana").spec.template.spec;
            assert.strictEqual(pod.automountServiceAccountToken, false);
            const tokenVolume = pod.volumes.find((v: any) => v.projected?.sources?.some((s: any) => s.serviceAccountToken)).name;
            const withToken = pod.containers.filter((c: any) => (c.volumeMounts ?? []).some((m: any) => m.name === tokenVolume)).map((c: any) => c.name).sort();
            assert.deepStrictEqual(withToken, ["grafana-sc-dashboard", "grafana-sc-datasources"]);
            for (const c of pod.containers.filter((x: any) => x.name.startsWith("grafana-sc-"))) {
                const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value]));
                assert.deepStrictEqual([env.NAMESPACE, env.RESOURCE], ["monitoring", "configmap"], c.name);
            }
            // Only the datasource sidecar, which must call the reload API, holds the admin credentials (as env: k8s-sidecar reads no file).
            const secretEnv = (c: any) => (c.env ?? []).filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => e.name).sort();
            assert.deepStrictEqual(pod.containers.map((c: any) => [c.name, secretEnv(c)]), [
                ["grafana-sc-dashboard", []], ["grafana-sc-datasources", ["REQ_PASSWORD", "REQ_USERNAME"]], ["grafana", []],
            ]);
        });

        it("Jaeger and Fluentd, which never call the API, mount no service-account token", async () => {
            const objs = await renderedObjects(stack);
            const automount = (kind: string, name: string) => {
                const w = objs.find((o) => o.kind === kind && o.metadata.name === name);
                if (!w) return undefined;
                const spec = w.spec.template.spec;
                const sa = objs.find((o) => o.kind === "ServiceAccount" && o.metadata.name === (spec.serviceAccountName ?? "default"));
                return spec.automountServiceAccountToken ?? sa?.automountServiceAccountToken ?? "from an account outside the chart";
            };
            assert.strictEqual(automount("Deployment", "jaeger"), false);
            const fluentd = automount("Deployment", "fluentd");
            if (stack === "dev") assert.strictEqual(fluentd, undefined, "dev ships no logs");
            else {
                assert.strictEqual(fluentd, "from an account outside the chart");
                const plan = await planStack(stack);
                const sa = plan.resources.find((r) => r.type === "kubernetes:core/v1:ServiceAccount" && r.inputs.metadata?.name === FLUENTD_SERVICE_ACCOUNT);
                assert.strictEqual(sa?.inputs.automountServiceAccountToken, false);
            }
        });
    });
}
