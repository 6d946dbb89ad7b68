import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CLUSTER_AUTOSCALER_TAGS, Catalog, IMAGES, KUBERNETES_MINOR, SUPPORTED_EKS_VERSIONS, clusterAutoscalerTag } from "../../components/catalog";
import { autoscalerImage } from "../../components/cluster/autoscaler";
import { eksVersionProblems } from "../../components/cluster/validate";
import { parseConfig } from "../../components/config";
import { ROOT } from "../../planner/root";
import { minimalOnPremConfig } from "../harness";

describe("one Kubernetes minor (KUBERNETES_MINOR in the catalog)", () => {
    it("the config defaults follow it", () => {
        const c = parseConfig(minimalOnPremConfig(), "kubechat", "t");
        assert.strictEqual(c.cluster.kubernetesVersion, KUBERNETES_MINOR);
        assert.strictEqual(c.eks.version, KUBERNETES_MINOR);
    });

    it("kube-score judges for it (policies/peers.json)", () => {
        const args: string[] = JSON.parse(fs.readFileSync(path.join(ROOT, "policies", "peers.json"), "utf8"))["kube-score"].args;
        assert.strictEqual(args[args.indexOf("--kubernetes-version") + 1], `v${KUBERNETES_MINOR}`);
    });

    it("the real test tiers' versions.sh reads it and builds an API server of that minor", () => {
        const out = execFileSync("bash", ["-c", `source test/real/tools/versions.sh && echo "$KUBE_MINOR $KUBE_VERSION"`], { cwd: ROOT, env: { ...process.env, KUBECHAT_REAL_KUBE_VERSION: "" } }).toString().trim();
        const [minor, version] = out.split(" ");
        assert.strictEqual(minor, KUBERNETES_MINOR);
        assert.ok(version.startsWith(`v${KUBERNETES_MINOR}.`), out);
    });
});

describe("cluster-autoscaler follows the cluster's minor", () => {
    it("has a tag of the same minor for every eks.version the config accepts, and the catalog entry is the default minor's", () => {
        for (const minor of SUPPORTED_EKS_VERSIONS) {
            assert.ok(clusterAutoscalerTag(minor).startsWith(`v${minor}.`), `${minor}: ${CLUSTER_AUTOSCALER_TAGS[minor]}`);
            assert.strictEqual(autoscalerImage(new Catalog(), minor).tag, clusterAutoscalerTag(minor));
        }
        assert.strictEqual(IMAGES["cluster-autoscaler"].tag, clusterAutoscalerTag(KUBERNETES_MINOR));
        assert.throws(() => clusterAutoscalerTag("1.29"), /Kubernetes 1\.29: no cluster-autoscaler pinned \(supported: 1\.32, 1\.33, 1\.34\)/);
    });

    it("an eks.version without a pinned autoscaler is a config error naming the key", () => {
        const { "1.34": _, ...without134 } = CLUSTER_AUTOSCALER_TAGS;
        assert.deepStrictEqual(eksVersionProblems("1.33", undefined, without134), []);
        assert.match(eksVersionProblems("1.34", undefined, without134).join(), /^eks\.version: 1\.34 is not supported: no cluster-autoscaler is pinned for it/);
        assert.match(eksVersionProblems("1.29").join(), /^eks\.version: 1\.29 is not supported: add-on versions are pinned for/);
    });
});
