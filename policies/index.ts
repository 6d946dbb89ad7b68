/**
 * The CrossGuard policy pack: `pulumi preview --policy-pack policies [--policy-pack-config policies/config/<stack>.json]`.
 * Constructing the PolicyPack starts the analyzer's gRPC server: nothing may import this module
 * (the offline runner and tests use ./runner).
 */
import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./runner";

new PolicyPack("kubechat-platform", {
    policies: allPolicies,
    description: "KubeChat Platform: Pod Security Standards, product rules, hygiene, RBAC, network and AWS guardrails, plus cross-resource stack checks.",
});
