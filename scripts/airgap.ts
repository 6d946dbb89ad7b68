/**
 * npm run airgap -- <stack> --registry <host[:port][/path]> [--charts <dir>]
 *
 * Prints the commands that mirror everything a stack needs into a private registry: `skopeo copy`
 * for every image (upstream reference -> the same path under the registry, which is exactly how
 * kubechat:registry rewrites references) and `helm pull` for every chart. Run it on a connected
 * machine, carry the images and charts across, then set kubechat:registry / kubechat:chartRepository.
 */
import { splitImage } from "../components/catalog";
import { runProgram } from "./lib/plan";

export interface MirrorPlan {
    images: { from: string; to: string }[];
    charts: { name: string; version: string; repo: string }[];
}

/** Pure: where each upstream image goes in the customer's registry. */
export function mirrorPlan(airgap: { images: string[]; charts: MirrorPlan["charts"] }, registry: string): MirrorPlan {
    const reg = registry.replace(/\/+$/, "");
    return {
        images: airgap.images.map((ref) => {
            const { path } = splitImage(ref);
            return { from: ref, to: `${reg}/${path}` };
        }),
        charts: airgap.charts,
    };
}

export function mirrorCommands(m: MirrorPlan, chartDir: string): string[] {
    return [
        "# images",
        ...m.images.map((i) => `skopeo copy --all docker://${i.from} docker://${i.to}`),
        "# charts",
        `mkdir -p ${chartDir}`,
        ...m.charts.map((c) => `helm pull ${c.name} --repo ${c.repo} --version ${c.version} --destination ${chartDir}`),
    ];
}

export const USAGE = "usage: npm run -s airgap -- <stack> --registry <host[:port][/path]> [--charts <dir>]";

async function main(argv: string[]): Promise<number> {
    const stack = argv[0];
    const flag = (name: string) => {
        const i = argv.indexOf(name);
        return i >= 0 ? argv[i + 1] : undefined;
    };
    const registry = flag("--registry");
    if (!stack || !registry) {
        console.error(USAGE);
        return 2;
    }
    // Plan against the upstream sources to learn what to copy from where.
    const plan = await runProgram({ stack, overrides: { registry: "", chartRepository: "" } });
    const airgap = plan.outputs.airgap as { images: string[]; charts: MirrorPlan["charts"] };
    console.log(mirrorCommands(mirrorPlan(airgap, registry), flag("--charts") ?? "./charts").join("\n"));
    return 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then((c) => process.exit(c), (e: Error) => {
        console.error(`error: ${e.message}`);
        process.exit(2);
    });
}
