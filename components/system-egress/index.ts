/**
 * SystemEgress: creates the NetworkPolicies of the system namespaces that `systemEgressPolicies`
 * (plan.ts) plans. The ports and pod labels the rules name are in ports.ts, the rules to addresses
 * outside the cluster in external.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { recommendedLabels } from "../labels";
import { NamespaceEgressPlan } from "./plan";

export * from "./external";
export * from "./plan";
export * from "./ports";

export interface SystemEgressArgs {
    /** The planned policies (`systemEgressPolicies`). */
    plans: NamespaceEgressPlan[];
    provider: k8s.Provider;
    /** Per namespace: what must exist first (the component that creates the namespace). */
    after?: Record<string, pulumi.Input<pulumi.Resource>[]>;
}

/** Creates the planned NetworkPolicies; child names `${name}-<namespace>-<policy>` are stable. */
export class SystemEgress extends pulumi.ComponentResource {
    /** Names of the created policies, `<namespace>/<name>`. */
    public readonly policyNames: string[];

    constructor(name: string, args: SystemEgressArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubechat:network:SystemEgress", name, {}, opts);
        this.policyNames = [];
        for (const { namespace, policies } of args.plans) {
            for (const p of policies) {
                new k8s.networking.v1.NetworkPolicy(`${name}-${namespace}-${p.name}`, {
                    metadata: { name: p.name, namespace, labels: recommendedLabels("system-egress", "network-policy") },
                    spec: p.spec,
                }, { parent: this, provider: args.provider, dependsOn: args.after?.[namespace] ?? [] });
                this.policyNames.push(`${namespace}/${p.name}`);
            }
        }
        this.registerOutputs({ policyNames: this.policyNames });
    }
}
