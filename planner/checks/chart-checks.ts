/**
 * The checks that run on our own objects, run on what the charts render too: schemas (built-in kinds
 * and the CRDs the charts ship), the policy pack (with the accepted exceptions of
 * policies/chart-exceptions.yaml), and the images the cluster will pull (airgap.json, registry check).
 */
import { ChartException, EXCEPTIONS_FILE, findException, loadExceptions } from "./exceptions";
import { clusterScopedKindsOf, withNamespace } from "./scope";

export { withNamespace };
import { RunnerOptions, PolicyResource, Violation, fromPlanResource, runPolicies } from "../../policies/runner";
import { typeToken } from "../model";
import { Plan } from "../model";
import { isK8sObject } from "../model";
import { RenderResult, RenderedRelease } from "../render/releases";
import { FoundImage, artifactsOf, imageSet, imagesOf, isBuiltIn, outsideRegistry } from "./images";
import { SchemaResult, validateObjects } from "./schema";
import { gitopsResources, policyOptions } from "./policy-run";

export { ChartException, EXCEPTIONS_FILE, loadExceptions };


export interface ReleaseReport {
    release: string;
    chart: string;
    version: string;
    namespace: string;
    objects: number;
    images: string[];
    exceptionsApplied: number;
    error?: string;
}

export interface ChartCheckResult {
    releases: ReleaseReport[];
    /** Schema result over every rendered object and every custom resource of ours. */
    schema: SchemaResult;
    /** Violations in chart output that no exception covers. */
    violations: (Violation & { chart: string })[];
    /** Exceptions that matched a violation, with the release they applied to. */
    applied: { exception: ChartException; release: string }[];
    /** Exceptions for a chart rendered here that matched nothing. */
    unusedExceptions: ChartException[];
    /** Every image the stack pulls (rendered objects, our objects, operator settings). */
    images: FoundImage[];
    /** OCI artifacts (not images) the cluster downloads: the Trivy scan jobs' DBs and checks bundle. */
    artifacts: FoundImage[];
    /** With kubechat:registry set: images and artifacts outside it. */
    outsideRegistry: FoundImage[];
}


/** Every rendered object, namespaced, with its release. */
export function renderedObjects(render: RenderResult): { object: any; release: RenderedRelease }[] {
    const clusterKinds = clusterScopedKindsOf(render.releases.flatMap((r) => r.objects.map((x) => x.object)));
    return render.releases.flatMap((r) => r.objects.map(({ object }) => ({ object: withNamespace(object, r.release.namespace, clusterKinds), release: r })));
}

/** Schema results added up. */
function mergeSchema(results: SchemaResult[]): SchemaResult {
    return {
        validated: results.reduce((n, r) => n + r.validated, 0),
        unvalidatedKinds: [...new Set(results.flatMap((r) => r.unvalidatedKinds))].sort(),
        errors: results.flatMap((r) => r.errors),
    };
}

/**
 * The checks of a plan's rendered releases, run as each release is rendered where they can be: its
 * built-in objects are validated and go through the per-resource policies at once (their schemas and
 * scope need nothing from other releases), while the plan's Helm processes still run. What needs
 * every release waits for `finish`: custom resources (the CRDs that serve them and say their scope
 * may come from any chart), the stack-wide policies, the images (an operator's settings and the
 * resources it acts on may come from different releases) and the exceptions' bookkeeping.
 */
export class ChartChecks {
    private readonly exceptions: ChartException[];
    private readonly own: any[];
    private readonly options: RunnerOptions;
    private readonly schemas: Promise<SchemaResult>[] = [];
    private readonly resources: PolicyResource[] = [];
    private readonly findings: Violation[] = [];
    private readonly releaseOf = new Map<string, RenderedRelease>();
    /** Each added release's own images (for its line in the summary). */
    private readonly releaseImages = new Map<RenderedRelease, string[]>();
    private n = 0;

    constructor(private readonly plan: Plan, root: string) {
        // Entries limited to other stacks neither apply nor count as stale here.
        this.exceptions = loadExceptions(root).filter((e) => !e.stacks || e.stacks.includes(plan.stack));
        // Our own objects: those Pulumi creates and, in GitOps mode, the app layer Argo CD syncs.
        this.own = [...plan.resources.filter(isK8sObject).map((r) => r.inputs), ...plan.gitops.map((m) => m.object)];
        this.options = policyOptions(plan.config);
    }

    /** The policy view of rendered objects (CRDs are schemas, not workloads: no policy applies to them, and they are megabytes to walk). */
    private policyResources(objects: { object: any; release: RenderedRelease }[]): PolicyResource[] {
        const out: PolicyResource[] = [];
        for (const { object: o, release: r } of objects) {
            if (o.kind === "CustomResourceDefinition") continue;
            const urn = `rendered:${r.release.name}:${this.n++}`;
            out.push({ urn, type: typeToken(o.apiVersion, o.kind), name: String(o.metadata?.name ?? o.kind), props: o });
            this.releaseOf.set(urn, r);
        }
        return out;
    }

    /** A release as it is rendered: its built-in objects are checked now. */
    add(release: RenderedRelease): void {
        this.releaseImages.set(release, imageSet(imagesOf(release.objects.map(({ object }) => ({ object, namespace: release.release.namespace })))));
        const builtIn = release.objects.filter(({ object: o }) => isBuiltIn(o.apiVersion))
            .map(({ object }) => ({ object: withNamespace(object, release.release.namespace, new Set()), release }));
        this.schemas.push(validateObjects(builtIn.map((x) => x.object)));
        const resources = this.policyResources(builtIn);
        this.resources.push(...resources);
        this.findings.push(...runPolicies(resources, { ...this.options, only: "resource" }));
    }

    /** The rest, once every release is rendered (releases not added yet are added first). */
    async finish(render: RenderResult): Promise<ChartCheckResult> {
        for (const r of render.releases) if (!this.releaseImages.has(r)) this.add(r);
        const { plan, own, exceptions } = this;
        const rendered = renderedObjects(render);
        const crds = [...rendered.map((x) => x.object), ...own].filter((o) => o.kind === "CustomResourceDefinition");
        const custom = rendered.filter(({ object: o }) => !isBuiltIn(o.apiVersion));

        // Schemas: custom resources, rendered and our own, against the CRDs that serve them.
        this.schemas.push(validateObjects([...custom.map((x) => x.object), ...own.filter((o) => !isBuiltIn(o.apiVersion))], { crds }));
        const customResources = this.policyResources(custom);
        this.findings.push(...runPolicies(customResources, { ...this.options, only: "resource" }));

        // Stack-wide policies over everything the cluster gets (our objects and the charts' together).
        const ownResources = [...plan.resources.filter((r) => r.custom).map(fromPlanResource), ...gitopsResources(plan)];
        this.findings.push(...runPolicies([...ownResources, ...this.resources, ...customResources], { ...this.options, only: "stack" }));

        const used = new Set<ChartException>();
        const applied: ChartCheckResult["applied"] = [];
        const violations: ChartCheckResult["violations"] = [];
        for (const v of this.findings) {
            const rel = v.urn ? this.releaseOf.get(v.urn) : undefined;
            if (!rel) continue;
            const ex = findException(exceptions, rel.release.chart, `${v.kind}/${v.name}`, v.policy);
            if (ex) {
                used.add(ex);
                applied.push({ exception: ex, release: rel.release.name });
            } else violations.push({ ...v, chart: rel.release.chart });
        }
        // Stale: the chart rendered the object here and the policy no longer fires on it. An object the
        // stack's values leave out (Velero's node agent with EBS snapshots) says nothing about its entry.
        const renderedHere = new Set(rendered.map(({ object: o, release: r }) => `${r.release.chart} ${o.kind}/${o.metadata?.name}`));
        const unusedExceptions = exceptions.filter((e) => renderedHere.has(`${e.chart} ${e.object}`) && !used.has(e));

        // Images: rendered objects and our own, plus what operators are configured to pull (an operator's
        // settings and the resources it acts on may come from different releases, so all are read together).
        const all = [...rendered.map(({ object, release }) => ({ object, namespace: release.release.namespace })), ...own.map((object) => ({ object }))];
        const images = imagesOf(all);
        const artifacts = artifactsOf(all);
        const releases: ReleaseReport[] = render.releases.map((r) => ({
            release: r.release.name, chart: r.release.chart, version: r.release.version, namespace: r.release.namespace,
            objects: r.objects.length,
            images: this.releaseImages.get(r)!,
            exceptionsApplied: applied.filter((a) => a.release === r.release.name).length,
            error: r.error,
        }));
        return {
            releases, schema: mergeSchema(await Promise.all(this.schemas)), violations, applied, unusedExceptions, images, artifacts,
            outsideRegistry: plan.config.registry ? outsideRegistry([...images, ...artifacts], plan.config.registry) : [],
        };
    }
}

/** Every check of a rendered plan at once (the plan command runs them as releases arrive: ChartChecks). */
export function checkRendered(plan: Plan, render: RenderResult, root: string): Promise<ChartCheckResult> {
    return new ChartChecks(plan, root).finish(render);
}
