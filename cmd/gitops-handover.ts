/**
 * npm run -s gitops:handover -- <stack> [--config-file <path>] > handover.sh
 *
 * Switching a running stack to GitOps mode without deleting its app layer: prints a bash script of
 * `pulumi state delete` commands that make Pulumi forget every app-layer object it created (the
 * objects keep running; Argo CD adopts them on its first sync). Run it after the manifests are pushed
 * and before the `pulumi up` that turns gitops.enabled on (docs/gitops.md). Dependents come first.
 */
import * as path from "path";
import { Plan, PlanResource, UsageError, runProgram } from "../planner/program/runtime";
import { consoleIo } from "../planner/cli/io";
import { Io, reportError, stackConfigFile } from "../planner/plan-stack";
import { parseStackArgs } from "../planner/cli/args";
import { shq } from "./airgap";

export const USAGE = "usage: npm run -s gitops:handover -- <stack> [--config-file <path>]";

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

export async function run(argv: string[], io: Io = consoleIo): Promise<number> {
    try {
        const parsed = parseStackArgs(argv, USAGE, ["--config-file"]);
        if (parsed === "help") {
            io.out(USAGE);
            return 0;
        }
        const given = parsed.values["--config-file"];
        const configFile = stackConfigFile(parsed.stack, given ? path.resolve(given) : undefined);
        // The URNs the objects have while Pulumi owns them: the stack planned with GitOps off.
        const plan = await runProgram({ stack: parsed.stack, configFile, overrides: { gitops: { enabled: false } } });
        const resources = appLayerResources(plan);
        if (resources.length === 0) throw new UsageError(`stack ${parsed.stack} has no app-layer object owned by Pulumi`);
        io.out(handoverScript(parsed.stack, resources).join("\n"));
        return 0;
    } catch (e) {
        return reportError(e, io);
    }
}

if (require.main === module) {
    run(process.argv.slice(2)).then((code) => process.exit(code));
}
