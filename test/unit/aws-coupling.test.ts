import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { EKS_ADDONS_BY_VERSION, SUPPORTED_EKS_VERSIONS, eksAddons } from "../../components/catalog";
import { parseConfig } from "../../components/config";
import { partitionOf, s3BucketArn } from "../../components/aws/partition";
import { bucketArn, tlsOnlyBucketPolicy } from "../../components/aws/bucket";
import { walBucketIamPolicy } from "../../components/data/iam";
import { veleroIamPolicy } from "../../components/backup/velero";
import { ROOT } from "../../planner/root";
import { planStack } from "../harness";

const eks = (version: string) => ({
    cluster: { kind: "eks" }, eks: { version, clusterName: "kc", privateAccessCidrs: ["10.100.0.0/24"], accountId: "123456789012" },
});

describe("AWS coupling", () => {
    it("the program loads @pulumi/aws one service at a time (components/aws/sdk.ts), never the package's root module", async () => {
        const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
            .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
        const rootImports = [path.join(ROOT, "index.ts"), ...files(path.join(ROOT, "components"))]
            .filter((f) => /from "@pulumi\/aws"|require\("@pulumi\/aws"\)/.test(fs.readFileSync(f, "utf8"))).map((f) => path.relative(ROOT, f));
        assert.deepStrictEqual(rootImports, []);
        // And so at run time: planning prod (every AWS service the platform uses) leaves the root unloaded.
        await planStack("prod");
        const root = require.resolve("@pulumi/aws");
        assert.ok(Object.keys(require.cache).some((k) => k.includes(`${path.sep}@pulumi${path.sep}aws${path.sep}ec2${path.sep}`)), "the services were loaded");
        assert.ok(!(root in require.cache), "@pulumi/aws/index.js was loaded");
    });

    it("EKS add-on versions follow eks.version: kube-proxy matches the minor, every add-on is pinned per supported minor", () => {
        assert.ok(SUPPORTED_EKS_VERSIONS.length >= 2);
        for (const v of SUPPORTED_EKS_VERSIONS) {
            const a = eksAddons(v);
            assert.deepStrictEqual(Object.keys(a).sort(), ["aws-ebs-csi-driver", "coredns", "kube-proxy", "vpc-cni"]);
            assert.ok(a["kube-proxy"].startsWith(`v${v}.`), `${v}: kube-proxy ${a["kube-proxy"]}`);
        }
        assert.notStrictEqual(EKS_ADDONS_BY_VERSION["1.32"]["kube-proxy"], EKS_ADDONS_BY_VERSION["1.33"]["kube-proxy"]);
        assert.throws(() => eksAddons("1.29"), /EKS 1\.29: no add-on versions pinned \(supported: 1\.32, 1\.33, 1\.34\)/);
    });

    it("an unsupported eks.version is a config error naming the supported ones", () => {
        assert.doesNotThrow(() => parseConfig(eks("1.34"), "kubechat", "t"));
        assert.throws(() => parseConfig(eks("1.29"), "kubechat", "t"), /kubechat:eks\.version: 1\.29 is not supported: add-on versions are pinned for 1\.32, 1\.33, 1\.34/);
    });

    it("S3 ARNs use the region's partition everywhere", () => {
        assert.strictEqual(partitionOf("us-gov-west-1"), "aws-us-gov");
        assert.strictEqual(partitionOf("cn-north-1"), "aws-cn");
        assert.strictEqual(s3BucketArn("aws-cn", "b"), "arn:aws-cn:s3:::b");
        assert.strictEqual(bucketArn("b", "aws-us-gov"), "arn:aws-us-gov:s3:::b");
        const key = "arn:aws-us-gov:kms:us-gov-west-1:1:key/k";
        for (const doc of [tlsOnlyBucketPolicy("b", "aws-us-gov"), walBucketIamPolicy("b", key, "aws-us-gov"), veleroIamPolicy("b", key, "aws-us-gov")]) {
            assert.match(doc, /arn:aws-us-gov:s3:::b/);
            assert.doesNotMatch(doc, /arn:aws:s3/);
        }
        // No source builds an S3 ARN with a fixed partition.
        const offenders: string[] = [];
        const walk = (d: string) => {
            for (const e of fs.readdirSync(d, { withFileTypes: true })) {
                const p = path.join(d, e.name);
                if (e.isDirectory()) walk(p);
                else if (p.endsWith(".ts") && /arn:aws:s3/.test(fs.readFileSync(p, "utf8"))) offenders.push(path.relative(ROOT, p));
            }
        };
        walk(path.join(ROOT, "components"));
        assert.deepStrictEqual(offenders, []);
    });
});

describe("default bucket names", () => {
    it("are globally unique: account and region in the name, within S3's 63 characters", () => {
        const { defaultBucketName } = require("../../components/aws/bucket") as typeof import("../../components/aws/bucket");
        assert.strictEqual(defaultBucketName("kubechat-prod", "pg-wal", "123456789012", "us-east-1"), "kubechat-prod-pg-wal-123456789012-us-east-1");
        assert.notStrictEqual(defaultBucketName("kubechat-prod", "velero", "111111111111", "us-east-1"), defaultBucketName("kubechat-prod", "velero", "222222222222", "us-east-1"));
        assert.notStrictEqual(defaultBucketName("kubechat-prod", "velero", "111111111111", "us-east-1"), defaultBucketName("kubechat-prod", "velero", "111111111111", "eu-west-1"));
        const long = defaultBucketName("a".repeat(63), "pg-wal", "123456789012", "ap-southeast-2");
        assert.ok(long.length <= 63 && long.endsWith("-pg-wal-123456789012-ap-southeast-2"), long);
    });

    it("EKS needs the account: the provider is pinned to it", async function () {
        this.timeout(120000);
        const { planStack } = require("../harness") as typeof import("../harness");
        const plan = await planStack("prod");
        const provider = plan.resources.find((r) => r.type === "pulumi:providers:aws")!;
        // Provider inputs travel JSON-encoded.
        assert.deepStrictEqual(JSON.parse(provider.inputs.allowedAccountIds), [plan.config.eks.accountId]);
        assert.throws(() => parseConfig({ cluster: { kind: "eks" }, eks: { privateAccessCidrs: ["10.100.0.0/24"] } }, "kubechat", "t"), /kubechat:eks\.accountId: is required on EKS/);
    });
});
