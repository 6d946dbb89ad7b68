/**
 * The observability layer's rules over its settings, pure, so the config loader applies them before
 * anything is created. Problems are `path: reason` below the namespace.
 */
import { endpointProblem, unlessUnparsable } from "../network";
import { AlertingSettings, alertingProblems } from "./alerting";

/** What the rules read (`kubechat:observability` satisfies it). */
export interface ObservabilityRuleInput {
    logs: boolean;
    traces: boolean;
    traceStorage: "memory" | "elasticsearch";
    elasticsearchUrl: string;
    elasticsearchCidrs: string[];
    controlPlaneMetrics: boolean;
    alerting: AlertingSettings;
}

export function observabilityProblems(o: ObservabilityRuleInput, clusterKind: "onprem" | "eks"): string[] {
    const p: string[] = [];
    if (o.elasticsearchUrl !== "" && (o.logs || (o.traces && o.traceStorage === "elasticsearch"))) {
        const problem = unlessUnparsable(() => endpointProblem(o.elasticsearchUrl, o.elasticsearchCidrs, "observability.elasticsearchUrl"));
        if (problem) p.push(`observability.elasticsearchCidrs: ${problem}`);
    }
    if (clusterKind === "eks" && o.controlPlaneMetrics) p.push("observability.controlPlaneMetrics: must be false on EKS (a managed control plane is not scrapable)");
    p.push(...alertingProblems(o.alerting).map((reason) => `observability.alerting.${reason}`));
    return p;
}
