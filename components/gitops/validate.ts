/**
 * GitOps mode's rules over its settings, pure, so the config loader applies them before anything is
 * created. Problems are `path: reason` below the namespace.
 */
import { gitEgressProblem, unlessUnparsable } from "../network";
import { GitOpsSettings } from "./argocd";

export interface GitOpsRuleInput extends Pick<GitOpsSettings, "argocdNamespace" | "repoURL" | "path"> {
    enabled: boolean;
    installArgoCd: boolean;
    /** Addresses of the Git server, when repoURL names a host outside the cluster. */
    repoCidrs: string[];
}

export function gitopsProblems(g: GitOpsRuleInput, appNamespace: string): string[] {
    const p: string[] = [];
    if (!g.enabled) return p;
    if (g.repoURL === "") p.push("gitops.repoURL: is required when gitops.enabled is on");
    if (g.path === "") p.push("gitops.path: is required when gitops.enabled is on");
    else if (g.path.split("/").some((seg) => seg === "." || seg === "..")) p.push("gitops.path: must not contain . or .. segments");
    // A project that may deploy into Argo CD's own namespace grants admin over Argo CD.
    if (g.argocdNamespace === appNamespace) p.push(`gitops.argocdNamespace: must differ from app.namespace (${appNamespace})`);
    if (g.installArgoCd && g.repoURL !== "") {
        const problem = unlessUnparsable(() => gitEgressProblem(g.repoURL, g.repoCidrs));
        if (problem) p.push(`gitops.repoCidrs: ${problem}`);
    }
    return p;
}
