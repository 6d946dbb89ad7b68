/**
 * npm run -s airgap -- <stack> --registry <host[:port][/path]> [--charts <dir>]
 *
 * Prints the commands that mirror everything a stack needs into a private registry
 * (planner/airgap/mirror.ts): `skopeo copy` for every image (upstream reference -> the same path under
 * the registry, which is exactly how kubechat:registry rewrites references) and `helm pull` for every
 * chart. Run it on a connected machine, carry the images and charts across, then set
 * kubechat:registry / kubechat:chartRepository. Exit codes (planner/README.md): 0 ok; 2 bad input.
 */
import { REGISTRY_PATTERN } from "../components/config";
import { UsageError, parseStackArgs } from "../planner/cli/args";
import { EXIT, command, startWhenMain } from "../planner/cli/exit";
import { mirrorCommands, mirrorCopies, upstreamAirgap } from "../planner/airgap/mirror";

export const USAGE = "usage: npm run -s airgap -- <stack> --registry <host[:port][/path]> [--charts <dir>]";
const HELP = `${USAGE}

Prints a bash script (redirect it to a file) that mirrors every image and chart <stack> needs:
skopeo copies each image to the same path under --registry, helm pulls each chart into --charts
(default ./charts). Use npm run -s: without it npm prints its own banner into the script.`;

export const run = command(async (argv, io) => {
    const parsed = parseStackArgs(argv, USAGE, ["--registry", "--charts"]);
    if (parsed === "help") {
        io.out(HELP);
        return EXIT.ok;
    }
    const registry = parsed.values["--registry"];
    if (!registry) throw new UsageError(`a stack and --registry are required\n${USAGE}`);
    if (!REGISTRY_PATTERN.test(registry)) {
        throw new UsageError(`--registry ${registry}: must be host[:port][/path] without a scheme (e.g. registry.corp:5000/kubechat)\n${USAGE}`);
    }
    // --charts is where mirror.sh pulls to; the plan renders from the stack's verified archives.
    const { airgap } = await upstreamAirgap({ stack: parsed.stack });
    io.out(mirrorCommands(mirrorCopies(airgap, registry), parsed.values["--charts"] ?? "./charts").join("\n"));
    return EXIT.ok;
});

startWhenMain(module, run);
