/**
 * What the planner asks Helm for: each Helm release of a plan as a render request (release name,
 * namespace, chart, values), the `helm template` arguments for it, and what a render gives back.
 */
import { StackConfig } from "../../components/config";
import { Plan, PlanResource, RELEASE_TYPE } from "../model";
import { archivePath, chartOf } from "./charts";
import { TemplateRun, archiveCost } from "./helm-runs";

/** What a Release asks Helm for. */
export interface ReleaseSpec {
    /** Pulumi logical name of the Release resource. */
    resource: string;
    /** Helm release name. */
    name: string;
    namespace: string;
    /** Chart name as published (catalog `name`, e.g. `cni`). */
    chart: string;
    version: string;
    values: Record<string, unknown>;
    skipCrds: boolean;
}

export interface RenderedObject {
    /** The object as Helm rendered it. */
    object: any;
    /** Its YAML exactly as Helm wrote it. */
    text: string;
    /** The template it came from (`# Source:` line). */
    source: string;
}

export interface RenderedRelease {
    release: ReleaseSpec;
    archive: string;
    objects: RenderedObject[];
    /** The Helm run that rendered it (absent when there was no archive to render). */
    run?: TemplateRun;
    /** Helm's error output when the render failed. */
    error?: string;
    /** Defects in the rendered YAML that Kubernetes tolerates (duplicated keys). */
    problems: string[];
}

export interface RenderResult {
    releases: RenderedRelease[];
    kubeVersion: string;
    apiVersions: string[];
}

/** A Helm Release resource as a render request. */
export function releaseSpec(r: PlanResource): ReleaseSpec {
    const { chart, version } = chartOf(r.inputs);
    return {
        resource: r.name, name: String(r.inputs.name ?? r.name), namespace: String(r.inputs.namespace ?? "default"),
        chart, version, values: r.inputs.values ?? {}, skipCrds: r.inputs.skipCrds === true,
    };
}

/** Every Helm Release of a plan as a render request. */
export function releaseSpecs(plan: Plan): ReleaseSpec[] {
    return plan.resources.filter((r: PlanResource) => r.type === RELEASE_TYPE).map(releaseSpec);
}

/** The Kubernetes minor version a stack runs: the EKS version, or the on-prem cluster's declared version. */
export function kubeVersionOf(config: StackConfig): string {
    return config.cluster.kind === "eks" ? config.eks.version : config.cluster.kubernetesVersion;
}

export interface RenderOptions {
    root: string;
    /** Directory of `<chart>-<version>.tgz` archives. */
    chartDir: string;
    kubeVersion: string;
    apiVersions: string[];
}

/** The `helm template` arguments for one release (the values file is added by whoever runs it). */
export function templateArgs(spec: ReleaseSpec, archive: string, opts: Pick<RenderOptions, "kubeVersion" | "apiVersions">): string[] {
    return [
        "template", spec.name, archive, "--namespace", spec.namespace,
        "--kube-version", opts.kubeVersion, "--api-versions", opts.apiVersions.join(","),
        ...(spec.skipCrds ? ["--skip-crds"] : ["--include-crds"]), "--skip-tests",
    ];
}

/** The Helm run that renders one release. */
export function templateRun(spec: ReleaseSpec, opts: Pick<RenderOptions, "chartDir" | "kubeVersion" | "apiVersions">): TemplateRun {
    const archive = archivePath(opts.chartDir, spec.chart, spec.version);
    return { args: templateArgs(spec, archive, opts), values: spec.values, archive };
}

/** How long a release takes to render, roughly: its archive's size (CRD-heavy charts are the big ones). */
export function renderCost(spec: ReleaseSpec, chartDir: string): number {
    return archiveCost(archivePath(chartDir, spec.chart, spec.version));
}
