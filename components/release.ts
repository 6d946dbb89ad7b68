/**
 * The one Helm release policy: every chart the platform installs goes through `helmRelease`, so all
 * releases behave alike when an install or upgrade goes wrong.
 *
 * - `atomic: true`: a failed install is uninstalled and a failed upgrade rolled back, so a release is
 *   never left half-applied (and Pulumi reports the failure instead of a "deployed" release that is not).
 * - `cleanupOnFail: true`: objects a failed upgrade created are deleted with the rollback.
 * - `skipAwait: false`: Pulumi (and Helm's wait, which `atomic` implies) waits until the release's
 *   workloads are ready, so whatever depends on a release (its CRs, the pods using its webhooks) starts
 *   after it really works. No release skips the wait: a wait that cannot finish (a LoadBalancer Service
 *   on a cluster without a load-balancer implementation) is a configuration error caught by the loader.
 * - `timeout`: `DEFAULT_TIMEOUT_SECONDS`; a release that legitimately needs longer names its reason.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

/** Seconds a release may take to become ready (image pulls, volumes, webhooks) before it is rolled back. */
export const DEFAULT_TIMEOUT_SECONDS = 600;

export interface ReleaseTiming {
    /** Longer than `DEFAULT_TIMEOUT_SECONDS` (never shorter). */
    timeoutSeconds: number;
    /** Why this release needs longer (kept next to the number; shown in review, not in the plan). */
    reason: string;
}

/** The policy fields of a release (pure). */
export function releasePolicy(timing?: ReleaseTiming): { atomic: true; cleanupOnFail: true; skipAwait: false; timeout: number } {
    if (timing && (timing.timeoutSeconds < DEFAULT_TIMEOUT_SECONDS || timing.reason.trim() === "")) {
        throw new Error(`release timing: a longer timeout (>= ${DEFAULT_TIMEOUT_SECONDS}s) with a reason (got ${timing.timeoutSeconds}s, "${timing.reason}")`);
    }
    return { atomic: true, cleanupOnFail: true, skipAwait: false, timeout: timing?.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS };
}

type PolicyFields = "atomic" | "cleanupOnFail" | "skipAwait" | "timeout" | "waitForJobs";

/** A Helm release under the policy; `args` cannot set the policy's fields. */
export function helmRelease(
    name: string, args: Omit<k8s.helm.v3.ReleaseArgs, PolicyFields>, opts?: pulumi.CustomResourceOptions, timing?: ReleaseTiming,
): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(name, { ...args, ...releasePolicy(timing) }, opts);
}
