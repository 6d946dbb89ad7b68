/**
 * Switching a running stack to GitOps mode without deleting its app layer (`npm run gitops:handover`):
 * a bash script of `pulumi state delete` commands that make Pulumi forget every app-layer object it
 * created (the objects keep running; Argo CD adopts them on its first sync). docs/gitops.md.
 */
import { Plan, PlanResource } from "../model";
import { UsageError } from "../cli/args";
import { runProgram } from "../program/runtime";
import { stackConfigFile } from "../program/stack-file";
import { shq } from "../shell";

/** The Kubernetes objects the KubeChat component creates itself when Pulumi owns the app layer (not its namespace or VPA chart). */
export function appLayerResources(plan: Pick<Plan, "resources">): PlanResource[] {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    return plan.resources.filter((r) => {
        const parent = r.parent ? byUrn.get(r.parent) : undefined;
        return r.custom && parent?.type === "kubechat:app:KubeChat" && r.inputs?.kind !== "Namespace";
    });
}

/** The script: one `pulumi state delete` per app-layer object, dependents before what they depend on. */
export function handoverScript(stack: string, resources: PlanResource[]): string[] {
    return [
        "#!/usr/bin/env bash",
        "set -euo pipefail",
        `# Pulumi forgets the app layer of stack ${stack}; the objects keep running for Argo CD to adopt.`,
        ...[...resources].reverse().map((r) => `pulumi state delete --stack ${shq(stack)} --yes ${shq(r.urn)}`),
    ];
}

/** The handover script of a stack: its app-layer objects as they are while Pulumi owns them (GitOps off). */
export async function stackHandover(stack: string, configFile?: string): Promise<string[]> {
    const plan = await runProgram({ stack, configFile: stackConfigFile(stack, configFile), overrides: { gitops: { enabled: false } } });
    const resources = appLayerResources(plan);
    if (resources.length === 0) throw new UsageError(`stack ${stack} has no app-layer object owned by Pulumi`);
    return handoverScript(stack, resources);
}
