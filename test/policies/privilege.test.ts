/** Edge cases of the issue-29 classes: Secret readers, webhook writers, unused tokens, secrets in env, silent alerting, sensitive names. */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PolicyResource, runPolicies } from "../../policies/runner";
import { looksSecret } from "../../policies/hygiene";
import { findSecrets } from "../../policies/secrets";
import { loadExceptions } from "../../planner/checks/chart-checks";
import { SECRET_SAMPLES, compliantDeployment, k8s, k8sRelease } from "./fixtures";

const only = (policy: string, rs: PolicyResource[]) => runPolicies(rs).filter((v) => v.policy === policy).map((v) => v.message);
const clusterRole = (name: string, rules: any[]) => k8s("rbac.authorization.k8s.io/v1", "ClusterRole", name, { rules }, undefined);
const binding = (kind: "RoleBinding" | "ClusterRoleBinding", role: string, subjects: any[], roleKind = "ClusterRole") =>
    k8s("rbac.authorization.k8s.io/v1", kind, `${role}-${kind}`, { roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: roleKind, name: role }, subjects }, kind === "RoleBinding" ? "kubechat" : undefined);
const sa = { kind: "ServiceAccount", name: "reader", namespace: "kubechat" };

describe("rbac-cluster-secrets-read", () => {
    const reader = clusterRole("reader", [{ apiGroups: [""], resources: ["secrets"], verbs: ["watch"] }]);
    it("a cluster-wide binding of a Secret reader fails; the same role bound in one namespace, or narrowed by resourceNames, passes", () => {
        assert.strictEqual(only("rbac-cluster-secrets-read", [reader, binding("ClusterRoleBinding", "reader", [sa])]).length, 1);
        assert.deepStrictEqual(only("rbac-cluster-secrets-read", [reader, binding("RoleBinding", "reader", [sa])]), []);
        const named = clusterRole("reader", [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"], resourceNames: ["one"] }]);
        assert.deepStrictEqual(only("rbac-cluster-secrets-read", [named, binding("ClusterRoleBinding", "reader", [sa])]), []);
    });
    it("the built-in edit and admin roles read Secrets; view does not; wildcards count", () => {
        assert.match(only("rbac-cluster-secrets-read", [binding("ClusterRoleBinding", "edit", [sa])])[0], /built-in ClusterRole edit/);
        assert.deepStrictEqual(only("rbac-cluster-secrets-read", [binding("ClusterRoleBinding", "view", [sa])]), []);
        const wild = clusterRole("reader", [{ apiGroups: [""], resources: ["*"], verbs: ["list"] }]);
        assert.strictEqual(only("rbac-cluster-secrets-read", [wild, binding("ClusterRoleBinding", "reader", [sa])]).length, 1);
    });
});

describe("rbac-webhook-config-writes", () => {
    const rule = (verbs: string[], extra: any = {}) => clusterRole("hooks", [{ apiGroups: ["admissionregistration.k8s.io"], resources: ["validatingwebhookconfigurations"], verbs, ...extra }]);
    it("update/patch by resourceNames pass; without them, or create at all, fail; reading passes", () => {
        assert.deepStrictEqual(only("rbac-webhook-config-writes", [rule(["get", "update", "patch"], { resourceNames: ["mine"] })]), []);
        assert.match(only("rbac-webhook-config-writes", [rule(["update"])])[0], /grants update on validatingwebhookconfigurations without resourceNames/);
        assert.match(only("rbac-webhook-config-writes", [rule(["create"], { resourceNames: ["mine"] })])[0], /grants create .*resourceNames do not narrow create/);
        assert.deepStrictEqual(only("rbac-webhook-config-writes", [rule(["get", "list", "watch"])]), []);
    });
    it("a namespaced Role is not judged: it cannot grant cluster-scoped kinds", () => {
        const role = k8s("rbac.authorization.k8s.io/v1", "Role", "hooks", { rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }] });
        assert.deepStrictEqual(only("rbac-webhook-config-writes", [role]), []);
    });
});

describe("sa-token-unbound", () => {
    const deploy = (spec: any = {}) => {
        const d = compliantDeployment("worker");
        Object.assign(d.props.spec.template.spec, { serviceAccountName: "worker", ...spec });
        return d;
    };
    const account = (automount?: boolean) => k8s("v1", "ServiceAccount", "worker", automount === undefined ? {} : { automountServiceAccountToken: automount });
    it("fails for an account nothing binds, unless the pod or the account turns the token off", () => {
        assert.strictEqual(only("sa-token-unbound", [deploy(), account()]).length, 1);
        assert.deepStrictEqual(only("sa-token-unbound", [deploy({ automountServiceAccountToken: false }), account()]), []);
        assert.deepStrictEqual(only("sa-token-unbound", [deploy(), account(false)]), []);
        assert.strictEqual(only("sa-token-unbound", [deploy({ automountServiceAccountToken: true }), account(false)]).length, 1, "the pod's setting wins");
    });
    it("passes when a binding names the account, or its namespace's service-account group", () => {
        const named = binding("RoleBinding", "view", [{ kind: "ServiceAccount", name: "worker" }]);
        assert.deepStrictEqual(only("sa-token-unbound", [deploy(), account(), named]), [], "a RoleBinding subject defaults to the binding's namespace");
        const group = binding("ClusterRoleBinding", "view", [{ kind: "Group", name: "system:serviceaccounts:kubechat" }]);
        assert.deepStrictEqual(only("sa-token-unbound", [deploy(), account(), group]), []);
        const elsewhere = binding("ClusterRoleBinding", "view", [{ kind: "ServiceAccount", name: "worker", namespace: "other" }]);
        assert.strictEqual(only("sa-token-unbound", [deploy(), account(), elsewhere]).length, 1);
    });
});

describe("secrets-as-files", () => {
    it("envFrom a Secret and secretKeyRef fail; ConfigMaps, field refs and mounted Secrets pass", () => {
        const d = compliantDeployment();
        const c = d.props.spec.template.spec.containers[0];
        c.envFrom = [{ secretRef: { name: "store-keys" } }, { configMapRef: { name: "settings" } }];
        c.env = [{ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }, { name: "LEVEL", valueFrom: { configMapKeyRef: { name: "settings", key: "level" } } }];
        assert.deepStrictEqual(only("secrets-as-files", [d]).map((m) => m.replace(/^.*takes /, "")), ["envFrom Secret store-keys; mount the Secret as a file where the program can read one"]);
        delete c.envFrom;
        d.props.spec.template.spec.volumes.push({ name: "creds", secret: { secretName: "store-keys" } });
        assert.deepStrictEqual(only("secrets-as-files", [d]), []);
    });
    it("is advisory by default", () => {
        const d = compliantDeployment();
        d.props.spec.template.spec.containers[0].env = [{ name: "X", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }];
        assert.deepStrictEqual(runPolicies([d]).filter((v) => v.policy === "secrets-as-files").map((v) => v.level), ["advisory"]);
    });
});

describe("alertmanager-receiver", () => {
    const config = (receivers: any[]) => ({ alertmanager: { enabled: true, config: { route: { receiver: receivers[0]?.name }, receivers } } });
    it("judges the kube-prometheus-stack release: no *_configs fails; one notifier passes; Alertmanager off passes", () => {
        assert.match(only("alertmanager-receiver", [k8sRelease("kube-prometheus-stack", config([{ name: "null" }]))])[0], /every receiver lacks \*_configs/);
        assert.deepStrictEqual(only("alertmanager-receiver", [k8sRelease("kube-prometheus-stack", config([{ name: "null" }, { name: "oncall", pagerduty_configs: [{ routing_key_file: "/etc/am/key" }] }]))]), []);
        assert.deepStrictEqual(only("alertmanager-receiver", [k8sRelease("kube-prometheus-stack", { alertmanager: { enabled: false } })]), []);
        assert.deepStrictEqual(only("alertmanager-receiver", [k8sRelease("other-chart", {})]), []);
    });
    it("without the release, judges the rendered Alertmanager's config Secret; an AlertmanagerConfig with a receiver passes", () => {
        const am = k8s("monitoring.coreos.com/v1", "Alertmanager", "main", { spec: { replicas: 3 } }, "monitoring");
        const secret = (yaml: string) => k8s("v1", "Secret", "alertmanager-main", { data: { "alertmanager.yaml": Buffer.from(yaml).toString("base64") } }, "monitoring");
        assert.match(only("alertmanager-receiver", [am, secret("route:\n  receiver: \"null\"\nreceivers:\n- name: \"null\"\n")])[0], /Alertmanager monitoring\/main: runs 3 replica\(s\)/);
        assert.deepStrictEqual(only("alertmanager-receiver", [am, secret("receivers:\n- name: team\n  webhook_configs:\n  - url_file: /etc/am/url\n")]), []);
        const amc = k8s("monitoring.coreos.com/v1alpha1", "AlertmanagerConfig", "team", { spec: { receivers: [{ name: "team", slackConfigs: [{ channel: "#x" }] }] } }, "monitoring");
        assert.deepStrictEqual(only("alertmanager-receiver", [am, secret("receivers:\n- name: \"null\"\n"), amc]), []);
    });
});

describe("sensitive names and private-key markers, as Polaris and kube-linter match them", () => {
    it("names: separators, camelCase and run-together spellings, Polaris's exact names; pointers pass", () => {
        for (const n of ["DB_PASSWORD", "dbPassword", "dbpassword", "authToken", "BEARER", "aws_credentials", "apikey", "API-KEY", "private_key",
            "AWS_SECRET_ACCESS_KEY", "AZURE_STORAGE_KEY", "OCI_CLI_KEY_CONTENT", "GOOGLE_APPLICATION_CREDENTIALS", "client-secret"]) assert.ok(looksSecret(n), n);
        for (const n of ["TOKEN_FILE", "PASSWORD_PATH", "SECRET_NAME", "credentialsSecretRef", "LOG_LEVEL", "AZURE_REGION", "KEYCLOAK_URL"]) assert.ok(!looksSecret(n), n);
    });
    it("private-key markers in any dash count, spacing and case (Polaris: -BEGIN\\s+.*PRIVATE KEY-)", () => {
        for (const v of ["-BEGIN RSA PRIVATE KEY-", "-----begin private key-----", "--BEGIN  OPENSSH PRIVATE KEY--", SECRET_SAMPLES.PEM("EC PRIVATE KEY")]) {
            assert.deepStrictEqual(findSecrets(v).map((f) => f.what), ["a PEM private key"], v);
        }
        assert.deepStrictEqual(findSecrets("-----BEGIN PUBLIC KEY-----"), []);
    });
    it("a ConfigMap key named as kube-linter's configmap-with-credentials names it fails no-literal-secrets", () => {
        const cm = k8s("v1", "ConfigMap", "settings", { data: { "smtp-credential": "x" } });
        assert.match(only("no-literal-secrets", [cm])[0], /data key "smtp-credential" looks like a secret/);
    });
});

describe("chart exceptions limited to stacks", () => {
    const write = (entries: string) => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-exc-"));
        fs.mkdirSync(path.join(root, "policies"));
        fs.writeFileSync(path.join(root, "policies", "chart-exceptions.yaml"), `exceptions:\n${entries}`);
        return root;
    };
    const entry = "  - chart: velero\n    object: Deployment/velero\n    policy: secrets-as-files\n    reason: why\n";
    it("reads `stacks` when given and rejects an empty or malformed one", () => {
        const roots = [write(`${entry}    stacks: [staging]\n`), write(`${entry}    stacks: []\n`), write(`${entry}    stacks: staging\n`)];
        try {
            assert.deepStrictEqual(loadExceptions(roots[0])[0].stacks, ["staging"]);
            assert.throws(() => loadExceptions(roots[1]), /exceptions\[0\]\.stacks must be a non-empty list/);
            assert.throws(() => loadExceptions(roots[2]), /exceptions\[0\]\.stacks must be a non-empty list/);
        } finally {
            for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
        }
    });
});

describe("silent alerting in the plan summary", () => {
    it("a WARNING line names the release whose Alertmanager notifies no one; nothing when a receiver exists", async () => {
        const { summarize } = await import("../../planner/output/plan-files");
        const { checkPlan } = await import("../../planner/checks/policy-run");
        const { planStack } = await import("../harness");
        const summary = async (stack: string) => {
            const plan = await planStack(stack);
            return summarize(plan, { manifests: 0, unknownValues: 0, verdict: checkPlan(plan), mandatoryViolations: 0, renderedObjects: 0 }, 0, "/tmp/x")
                .split("\n").filter((l) => l.includes("WARNING"));
        };
        assert.deepStrictEqual(await summary("staging"), [
            "  WARNING: silent alerting: Helm release monitoring/kube-prometheus-stack: runs 3 Alertmanager replica(s) with no receiver that notifies anyone "
            + "(every receiver lacks *_configs): alerts fire silently; set kubechat:observability.alerting",
        ]);
        assert.deepStrictEqual(await summary("prod"), []);
    });
});
