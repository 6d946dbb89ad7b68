/**
 * Names and settings the program leaves to a chart's own defaults (charts:unused lists any value that
 * only restates them), checked in what Helm renders: the ServiceAccounts that IRSA trusts by name, and
 * Velero's schedules and snapshot locations.
 */
import * as assert from "assert";
import { minimalOnPremConfig, renderedStack } from "../harness";
import { parseConfig } from "../../components/config";
import { namespaceNames } from "../../components/namespaces";
import { AUTOSCALER_NAMESPACE, AUTOSCALER_SERVICE_ACCOUNT } from "../../components/cluster/autoscaler";
import { VELERO_RELEASE, VELERO_SERVICE_ACCOUNT } from "../../components/backup/velero";

const releaseObjects = async (stack: string, release: string): Promise<any[]> => {
    const { render } = await renderedStack(stack);
    const r = render.releases.find((x) => x.release.name === release);
    assert.ok(r && !r.error, `${release}: ${r?.error}`);
    return r!.objects.map((o) => o.object);
};

describe("rendered names the program relies on", () => {
    // The IRSA trust policies name these service accounts (components/aws/irsa.ts): the chart must
    // create exactly that ServiceAccount, annotated with the role, and run the pods under it.
    const irsa = [
        { release: "cluster-autoscaler", namespace: AUTOSCALER_NAMESPACE, serviceAccount: AUTOSCALER_SERVICE_ACCOUNT, deployment: "cluster-autoscaler" },
        { release: VELERO_RELEASE, namespace: namespaceNames(parseConfig(minimalOnPremConfig(), "kubechat", "t")).velero, serviceAccount: VELERO_SERVICE_ACCOUNT, deployment: "velero" },
    ];
    for (const x of irsa) {
        it(`prod: ${x.release} creates ServiceAccount ${x.namespace}/${x.serviceAccount} with the IRSA role and runs under it`, async () => {
            const objs = await releaseObjects("prod", x.release);
            const sa = objs.filter((o) => o.kind === "ServiceAccount" && o.metadata.name === x.serviceAccount);
            assert.strictEqual(sa.length, 1);
            assert.ok(sa[0].metadata.annotations?.["eks.amazonaws.com/role-arn"]);
            assert.ok([undefined, x.namespace].includes(sa[0].metadata.namespace));
            const dep = objs.find((o) => o.kind === "Deployment" && o.metadata.name === x.deployment);
            assert.strictEqual(dep?.spec.template.spec.serviceAccountName, x.serviceAccount);
        });
    }

    for (const stack of ["staging", "prod"]) {
        it(`${stack}: every Velero Schedule is rendered without owner references in its backups (backups outlive the Schedule)`, async () => {
            const schedules = (await releaseObjects(stack, VELERO_RELEASE)).filter((o) => o.kind === "Schedule");
            assert.strictEqual(schedules.length, 5);
            for (const s of schedules) assert.ok(!("useOwnerReferencesInBackup" in s.spec), s.metadata.name);
        });
    }

    it("Velero snapshot locations: one AWS location on EKS (prod), none with file-system backup (staging)", async () => {
        const vsl = async (stack: string) => (await releaseObjects(stack, VELERO_RELEASE)).filter((o) => o.kind === "VolumeSnapshotLocation");
        assert.deepStrictEqual((await vsl("prod")).map((o) => [o.metadata.name, o.spec.provider, o.spec.config?.region]), [["default", "aws", "us-east-1"]]);
        assert.deepStrictEqual(await vsl("staging"), []);
    });
});
