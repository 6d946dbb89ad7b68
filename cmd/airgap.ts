/**
 * npm run airgap -- <stack> --registry <host[:port][/path]> [--charts <dir>]
 *
 * Prints the commands that mirror everything a stack needs into a private registry: `skopeo copy`
 * for every image (upstream reference -> the same path under the registry, which is exactly how
 * kubechat:registry rewrites references) and `helm pull` for every chart. Run it on a connected
 * machine, carry the images and charts across, then set kubechat:registry / kubechat:chartRepository.
 */
import { splitImage } from "../components/catalog";
import { REGISTRY_PATTERN } from "../components/config";
import { UsageError, runProgram } from "../planner/program/runtime";
import { chartSourceOf, renderStack } from "../planner/plan-stack";
import { parseStackArgs } from "../planner/cli/args";
import { airgapOf } from "../planner/output/plan-files";
import { Io, consoleIo } from "../planner/cli/io";

export interface MirrorPlan {
    images: { from: string; to: string }[];
    /** OCI artifacts (the Trivy DBs and checks bundle): copied with oras, which keeps their media types. */
    artifacts: { from: string; to: string }[];
    charts: { name: string; version: string; repo: string }[];
}

/** Pure: where each upstream image goes in the customer's registry. */
export function mirrorPlan(airgap: { images: string[]; charts: MirrorPlan["charts"]; artifacts?: string[] }, registry: string): MirrorPlan {
    const reg = registry.replace(/\/+$/, "");
    const to = (ref: string) => ({ from: ref, to: `${reg}/${splitImage(ref).path}` });
    return {
        images: airgap.images.map(to),
        artifacts: (airgap.artifacts ?? []).map(to),
        charts: airgap.charts,
    };
}

/** Quote a word for bash when it holds anything beyond plain path characters. */
export function shq(word: string): string {
    return /^[A-Za-z0-9_./:@=+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A runnable bash script: stops at the first failing copy or pull. */
export function mirrorCommands(m: MirrorPlan, chartDir: string): string[] {
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

export const USAGE = "usage: npm run -s airgap -- <stack> --registry <host[:port][/path]> [--charts <dir>]";
const HELP = `${USAGE}

Prints a bash script (redirect it to a file) that mirrors every image and chart <stack> needs:
skopeo copies each image to the same path under --registry, helm pulls each chart into --charts
(default ./charts). Use npm run -s: without it npm prints its own banner into the script.`;


/** The command (argv in, exit code out): 0 ok, 2 usage error. */
export async function run(argv: string[], io: Io = consoleIo): Promise<number> {
    let parsed: ReturnType<typeof parseStackArgs>;
    try {
        parsed = parseStackArgs(argv, USAGE, ["--registry", "--charts"]);
    } catch (e) {
        if (e instanceof UsageError) return usage(io, e.message, false);
        throw e;
    }
    if (parsed === "help") {
        io.out(HELP);
        return 0;
    }
    const args = { stack: parsed.stack, registry: parsed.values["--registry"], charts: parsed.values["--charts"] };
    if (!args.registry) return usage(io, "a stack and --registry are required");
    if (!REGISTRY_PATTERN.test(args.registry)) {
        return usage(io, `--registry ${args.registry}: must be host[:port][/path] without a scheme (e.g. registry.corp:5000/kubechat)`);
    }
    try {
        // Plan against the upstream sources to learn what to copy from where; the images charts deploy
        // come from rendering the verified archives in charts/ (--charts is where mirror.sh pulls to).
        const plan = await runProgram({ stack: args.stack, overrides: { registry: "", chartRepository: "" } });
        const rendering = await renderStack(plan, chartSourceOf(plan));
        const airgap = airgapOf(plan, rendering) as { images: string[]; charts: MirrorPlan["charts"]; artifacts?: string[] };
        io.out(mirrorCommands(mirrorPlan(airgap, args.registry), args.charts ?? "./charts").join("\n"));
        return 0;
    } catch (e) {
        const err = e as Error;
        if (err.name === "ConfigError" || err instanceof UsageError) return usage(io, err.message, false);
        throw e;
    }
}

function usage(io: Io, message: string, withUsage = true): number {
    io.err(`error: ${message}${withUsage ? `\n${USAGE}` : ""}`);
    return 2;
}

if (require.main === module) {
    run(process.argv.slice(2)).then((c) => process.exit(c), (e: Error) => {
        console.error(`error: ${e.message}`);
        process.exit(3);
    });
}
