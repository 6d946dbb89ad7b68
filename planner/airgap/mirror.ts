/**
 * What an offline install must mirror, and the script that mirrors it (`npm run airgap`; the bundle's
 * lists too): every image a stack pulls, the OCI artifacts and the charts, learnt from a plan against
 * the upstream sources with every chart rendered from the verified archives.
 */
import { splitImage } from "../../components/catalog";
import { runProgram } from "../program/runtime";
import { chartSourceOf, renderStack } from "../plan-stack";
import { Rendering, airgapOf } from "../output/plan-files";
import { shq } from "../shell";

export interface MirrorCopies {
    images: { from: string; to: string }[];
    /** OCI artifacts (the Trivy DBs and checks bundle): copied with oras, which keeps their media types. */
    artifacts: { from: string; to: string }[];
    charts: { name: string; version: string; repo: string }[];
}

/** airgap.json of a stack: what it pulls from where. */
export interface Airgap {
    images: string[];
    charts: MirrorCopies["charts"];
    artifacts?: string[];
}

/**
 * The stack planned against the upstream sources (no registry or chart mirror), so each image and chart
 * has its upstream reference; the images charts deploy come from rendering the verified archives
 * (`charts`, else the stack's chart source).
 */
export async function upstreamAirgap(opts: { stack: string; configFile?: string; charts?: string }): Promise<{ airgap: Airgap; rendering: Rendering; chartsDir: string }> {
    const plan = await runProgram({ stack: opts.stack, configFile: opts.configFile, overrides: { registry: "", chartRepository: "" } });
    // Every archive present and verified (SHA256SUMS, Chart.yaml) before anything is rendered.
    const source = chartSourceOf(plan, opts.charts);
    const rendering = await renderStack(plan, source);
    return { airgap: airgapOf(plan, rendering) as Airgap, rendering, chartsDir: source.dir };
}

/** Pure: where each upstream image goes in the customer's registry. */
export function mirrorCopies(airgap: Airgap, registry: string): MirrorCopies {
    const reg = registry.replace(/\/+$/, "");
    const to = (ref: string) => ({ from: ref, to: `${reg}/${splitImage(ref).path}` });
    return {
        images: airgap.images.map(to),
        artifacts: (airgap.artifacts ?? []).map(to),
        charts: airgap.charts,
    };
}

/** A runnable bash script: stops at the first failing copy or pull. */
export function mirrorCommands(m: MirrorCopies, chartDir: string): string[] {
    const dir = shq(chartDir);
    return [
        "#!/usr/bin/env bash",
        "set -euo pipefail",
        "# images",
        ...m.images.map((i) => `skopeo copy --all ${shq(`docker://${i.from}`)} ${shq(`docker://${i.to}`)}`),
        ...(m.artifacts.length > 0 ? ["# OCI artifacts (vulnerability DBs, checks bundle)", ...m.artifacts.map((a) => `oras copy ${shq(a.from)} ${shq(a.to)}`)] : []),
        "# charts",
        `mkdir -p ${dir}`,
        ...m.charts.map((c) => `helm pull ${shq(c.name)} --repo ${shq(c.repo)} --version ${shq(c.version)} --destination ${dir}`),
    ];
}
