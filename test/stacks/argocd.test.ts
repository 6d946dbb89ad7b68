/**
 * Argo CD installed by the platform in GitOps mode (components/gitops/install.ts): rendered from the
 * pinned argo-cd archive, in its HA layout (staging: persistent) and its smallest (dev), before the
 * AppProject and Application, with every pod's egress confined and every image mirrored.
 */
import * as assert from "assert";
import { AIRGAP, GITOPS, Plan, planStack, renderedStack } from "../harness";
import { ARGOCD_PORTS } from "../../components/gitops/install";

const ns = "argocd";
const withGitOps = (over: Record<string, unknown> = {}) => ({ ...GITOPS, ...over });

/** The rendered argocd release's objects. */
async function argocdObjects(stack: string, over: Record<string, unknown> = {}): Promise<any[]> {
    const { render } = await renderedStack(stack, withGitOps(over));
    const rel = render.releases.filter((r) => r.release.name === "argocd");
    assert.strictEqual(rel.length, 1);
    assert.strictEqual(rel[0].error, undefined);
    return rel[0].objects.map((o) => o.object);
}

const find = (objs: any[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name);
const names = (objs: any[], kind: string) => objs.filter((o) => o.kind === kind).map((o) => o.metadata.name).sort();

function selects(sel: any, labels: Record<string, string>): boolean {
    const ml = Object.entries<string>(sel?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    const me = ((sel?.matchExpressions ?? []) as any[]).every((e) => e.operator === "In" ? e.values.includes(labels[e.key]) : e.operator === "NotIn" ? !e.values.includes(labels[e.key]) : false);
    return ml && me;
}

/** The egress rules of the program's NetworkPolicies in the Argo CD namespace that select these pod labels (undefined: unconfined). */
function egressOf(plan: Plan, labels: Record<string, string>): any[] | undefined {
    const nps = plan.resources.filter((r) => r.inputs?.kind === "NetworkPolicy" && r.inputs.metadata.namespace === ns)
        .map((r) => r.inputs.spec).filter((s) => (s.policyTypes ?? []).includes("Egress") && selects(s.podSelector, labels));
    return nps.length === 0 ? undefined : nps.flatMap((s) => s.egress ?? []);
}

const reaches = (rules: any[], port: number, peer: (p: any) => boolean) => rules.some((r) => (r.ports ?? []).some((p: any) => p.port === port) && (r.to ?? []).some(peer));

describe("Argo CD installed in GitOps mode", () => {
    it("staging (persistent): the chart's HA layout — redis-ha behind HAProxy, two of server, repo-server and ApplicationSet with PDBs, one controller", async () => {
        const objs = await argocdObjects("staging");
        assert.strictEqual(find(objs, "StatefulSet", "argocd-redis-ha-server").spec.replicas, 3);
        assert.ok(find(objs, "Deployment", "argocd-redis-ha-haproxy"));
        assert.strictEqual(find(objs, "Deployment", "argocd-redis"), undefined);
        for (const d of ["argocd-server", "argocd-repo-server", "argocd-applicationset-controller"]) assert.strictEqual(find(objs, "Deployment", d).spec.replicas, 2, d);
        assert.strictEqual(find(objs, "StatefulSet", "argocd-application-controller").spec.replicas, 1);
        assert.deepStrictEqual(names(objs, "PodDisruptionBudget"), ["argocd-applicationset-controller", "argocd-redis-ha-haproxy-pdb", "argocd-redis-ha-pdb", "argocd-repo-server", "argocd-server"]);
        // No Dex and no notifications controller: GitOps mode uses neither.
        assert.deepStrictEqual(names(objs, "Deployment").filter((n) => /dex|notifications/.test(n)), []);
        assert.deepStrictEqual(names(objs, "CustomResourceDefinition"), ["applications.argoproj.io", "applicationsets.argoproj.io", "appprojects.argoproj.io"]);
    });

    it("dev: the smallest layout — one of each, a single Redis, no PDB", async () => {
        const objs = await argocdObjects("dev");
        assert.ok(find(objs, "Deployment", "argocd-redis"));
        assert.deepStrictEqual(objs.filter((o) => /redis-ha/.test(o.metadata.name)).map((o) => o.metadata.name), []);
        for (const o of objs.filter((x) => ["Deployment", "StatefulSet"].includes(x.kind))) assert.strictEqual(o.spec.replicas ?? 1, 1, o.metadata.name);
        assert.deepStrictEqual(names(objs, "PodDisruptionBudget"), []);
    });

    for (const stack of ["dev", "staging"]) {
        it(`${stack}: the release installs into a restricted namespace before the AppProject, the credentials label and the Application`, async () => {
            const plan = await planStack(stack, withGitOps());
            const release = plan.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.name === "argocd");
            assert.strictEqual(release.length, 1);
            assert.strictEqual(release[0].inputs.namespace, ns);
            assert.match(JSON.stringify(release[0].inputs.chart), /argo-cd/);
            const namespace = plan.resources.find((r) => r.inputs?.kind === "Namespace" && r.inputs.metadata.name === ns)!;
            assert.strictEqual(namespace.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
            assert.ok(release[0].dependencies.includes(namespace.urn));
            const after = plan.resources.filter((r) => ["AppProject", "Application"].includes(r.inputs?.kind) || r.type === "kubernetes:core/v1:SecretPatch");
            assert.strictEqual(after.length, 3);
            for (const r of after) assert.ok(r.dependencies.includes(release[0].urn), `${r.name} waits for the release`);
        });

        it(`${stack}: the rendered objects pass their schemas and the pack (written exceptions only), and no Argo CD exception is stale in the HA layout`, async () => {
            const { checks } = await renderedStack(stack, withGitOps());
            assert.deepStrictEqual(checks.schema.errors, []);
            assert.deepStrictEqual(checks.violations.filter((v) => v.chart === "argo-cd").map((v) => `${v.policy}: ${v.message}`), []);
            if (stack === "staging") assert.deepStrictEqual(checks.unusedExceptions.filter((e) => e.chart === "argo-cd").map((e) => `${e.object} ${e.policy}`), []);
        });

        it(`${stack}: every Argo CD pod has confined egress: DNS, the API server for its readers, the repo-server, Redis, Git for the repo-server only`, async () => {
            const { plan } = await renderedStack(stack, withGitOps());
            const objs = await argocdObjects(stack);
            const pods = objs.filter((o) => ["Deployment", "StatefulSet", "Job"].includes(o.kind)).map((o) => ({ name: o.metadata.name, labels: o.spec.template.metadata.labels }));
            assert.ok(pods.length >= 5);
            const api = (p: any) => p.ipBlock?.cidr === "10.20.0.10/32" || p.ipBlock?.cidr === "192.168.5.15/32";
            const git = (p: any) => p.ipBlock?.cidr === "10.40.0.0/24";
            const redisPeer = (p: any) => /redis/.test(JSON.stringify(p.podSelector ?? {}));
            for (const pod of pods) {
                const rules = egressOf(plan, pod.labels);
                assert.ok(rules, `${pod.name} is confined`);
                assert.ok(rules.some((r) => (r.ports ?? []).some((p: any) => p.port === 53)), `${pod.name}: DNS`);
                const readsApi = /application-controller|argocd-server|applicationset|secret-init/.test(pod.name);
                assert.strictEqual(reaches(rules, 6443, api), readsApi, `${pod.name}: API server`);
                assert.strictEqual(reaches(rules, 443, git), pod.name === "argocd-repo-server", `${pod.name}: Git`);
                if (/application-controller|argocd-server|applicationset/.test(pod.name)) assert.ok(reaches(rules, ARGOCD_PORTS.repoServer, (p) => /repo-server/.test(JSON.stringify(p))), `${pod.name}: repo-server`);
                if (/application-controller|argocd-server|argocd-repo-server/.test(pod.name)) assert.ok(reaches(rules, ARGOCD_PORTS.redis, redisPeer), `${pod.name}: Redis`);
            }
        });
    }

    it("with kubechat:registry set, Argo CD's images come from the mirror: argocd, Redis and (HA) HAProxy at the chart's tags", async () => {
        const { checks } = await renderedStack("staging", withGitOps(AIRGAP));
        assert.deepStrictEqual(checks.outsideRegistry.map((f) => f.image), []);
        const argo = [...new Set(checks.images.filter((f) => f.object.includes(" argocd/")).map((f) => f.image))].sort();
        assert.deepStrictEqual(argo, [
            `${AIRGAP.registry}/argoproj/argocd:v3.4.4`,
            `${AIRGAP.registry}/docker/library/haproxy:3.3.10-alpine`,
            `${AIRGAP.registry}/docker/library/redis:8.2.3-alpine`,
        ]);
    });

    it("gitops.installArgoCd: false installs nothing (the cluster's own Argo CD) and still creates the AppProject and Application", async () => {
        const plan = await planStack("staging", withGitOps({ gitops: { ...GITOPS.gitops, installArgoCd: false } }));
        assert.deepStrictEqual(plan.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.name === "argocd"), []);
        assert.deepStrictEqual(plan.resources.filter((r) => r.inputs?.metadata?.namespace === ns && r.inputs.kind === "NetworkPolicy"), []);
        assert.deepStrictEqual(plan.resources.filter((r) => r.inputs?.kind === "Namespace" && r.inputs.metadata.name === ns), []);
        assert.strictEqual(plan.resources.filter((r) => ["AppProject", "Application"].includes(r.inputs?.kind)).length, 2);
    });
});
