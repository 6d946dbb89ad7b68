/**
 * npm run bundle -- <stack> --out <dir> [--config-file <path>] [--charts <dir>] [--provider <file>]
 *
 * Writes the offline package of a stack (planner/airgap/bundle.ts; docs/airgap.md): the program and policy
 * pack with their production dependencies, the chart archives, the Kubernetes provider plugin, the image
 * and artifact lists with mirror.sh, install.sh and SHA256SUMS. `--out` follows the rules of
 * `npm run plan`: a new or empty directory, or one an earlier bundle wrote (marker `.kubechat-bundle`),
 * which is cleared first; anything else is refused (exit 2) and nothing is deleted.
 * Exit codes (planner/README.md): 0 ok; 2 bad input; 3 internal error.
 */
import { UsageError, parseStackArgs } from "../planner/cli/args";
import { EXIT, command, startWhenMain } from "../planner/cli/exit";
import { bundleStack } from "../planner/airgap/bundle";

export const USAGE = "usage: npm run bundle -- <stack> --out <dir> [--config-file <path>] [--charts <dir>] [--provider <file>]";
const HELP = `${USAGE}

Writes one offline package for <stack> into --out: program/ (compiled, production node_modules, the
policy pack), charts/ (the stack's chart archives with index.yaml), plugins/ (the Kubernetes provider:
--provider, else the one test/real/tools/toolchain.sh built in ~/.cache/kubechat-real; said when absent),
images.txt, artifacts.txt, airgap.json, mirror.sh, install.sh, bundle.json and SHA256SUMS.
Then: ./install.sh <stack> on the target (docs/airgap.md).`;

export const run = command(async (argv, io) => {
    const parsed = parseStackArgs(argv, USAGE, ["--out", "--config-file", "--charts", "--provider"]);
    if (parsed === "help") {
        io.out(HELP);
        return EXIT.ok;
    }
    const v = parsed.values;
    if (!v["--out"]) throw new UsageError(`--out is required\n${USAGE}`);
    const { result: r, airgap } = await bundleStack({ stack: parsed.stack, out: v["--out"], configFile: v["--config-file"], charts: v["--charts"], provider: v["--provider"] });
    io.out([
        `Bundle of ${parsed.stack} in ${v["--out"]}: ${r.files} files (SHA256SUMS), ${r.packages} production packages, ${r.charts.length} charts, ${airgap.images.length} images and ${(airgap.artifacts ?? []).length} OCI artifacts to mirror (mirror.sh).`,
        "file" in r.provider ? `Provider plugin: plugins/bin/pulumi-resource-kubernetes (from ${r.provider.from}).` : `Provider plugin: NOT in the bundle — ${r.provider.missing}.`,
        `Install on the target: ./install.sh ${parsed.stack} (docs/airgap.md).`,
    ].join("\n"));
    return EXIT.ok;
});

startWhenMain(module, run);
