/**
 * The offline bundle (`npm run bundle`): one directory with everything `pulumi up` of a stack needs on
 * a machine without network — the program compiled to JavaScript with its production dependencies, the
 * policy pack, the stack's chart archives (a local chart repository with index.yaml), the Kubernetes
 * provider plugin, the image and artifact lists with a mirror script, `install.sh` and SHA256SUMS over
 * every file. docs/airgap.md is the customer's guide to it.
 *
 * Pure parts (`productionPackages`, `installScript`, `mirrorScript`, `sha256sums`) are tested on their
 * own; `writeBundle` assembles the directory.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";
import { splitImage } from "../../components/catalog";
import { archivePath, chartsOptionProblem, sha256File } from "../render/charts";
import { runHelm } from "../render/helm";
import { UsageError } from "../cli/args";
import { outDirProblem } from "../output/outdir";
import { stackConfigFile } from "../program/stack-file";
import { ROOT } from "../root";
import { upstreamAirgap } from "./mirror";

/** The marker proving `npm run bundle` created an output directory (see outdir.ts). */
export const BUNDLE_MARKER = ".kubechat-bundle";

/** What the stack needs mirrored (airgap.json of an upstream plan). */
export interface BundleAirgap {
    images: string[];
    artifacts?: string[];
    charts: { name: string; version: string; repo: string }[];
}

/** Where the provider plugin came from, or why it is missing. */
export type ProviderSource = { file: string; from: string } | { missing: string };

export interface BundleInput {
    /** Project root (the checkout). */
    root: string;
    stack: string;
    /** The stack's config file (copied as program/Pulumi.<stack>.yaml). */
    configFile: string;
    /** Output directory (already prepared: empty or the bundle's own). */
    out: string;
    airgap: BundleAirgap;
    /** Directory holding `<chart>-<version>.tgz` for every chart of `airgap.charts`. */
    chartsDir: string;
    provider: ProviderSource;
    /** Version of the Kubernetes provider the SDK asks for (package.json `@pulumi/kubernetes`). */
    providerVersion: string;
    /** Copies the production dependencies into `<dest>/node_modules` (default `copyProductionDependencies`). */
    copyDependencies?: (root: string, dest: string) => number;
    /** The commit the bundle was made from (shown in bundle.json). */
    commit?: string;
}

type LockPackages = Record<string, { dev?: boolean; link?: boolean; optional?: boolean; devOptional?: boolean }>;

/**
 * The `node_modules/...` paths of the production closure, from package-lock.json v3 (`dev: true` marks
 * what only devDependencies need). Pure.
 */
export function productionPackages(lock: { packages: LockPackages }): string[] {
    return Object.entries(lock.packages)
        .filter(([p, e]) => p.startsWith("node_modules/") && !e.dev && !e.link && !e.devOptional)
        .map(([p]) => p)
        .sort();
}

/** Copy the production closure of `root`'s node_modules into `dest/node_modules`; returns the package count. */
export function copyProductionDependencies(root: string, dest: string): number {
    const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8"));
    const pkgs = productionPackages(lock).filter((p) => fs.existsSync(path.join(root, p)));
    // Nested node_modules of a package are copied with their own entries, not with the package.
    for (const p of pkgs) {
        fs.cpSync(path.join(root, p), path.join(dest, p), { recursive: true, filter: (src) => src === path.join(root, p) || !path.relative(path.join(root, p), src).split(path.sep).includes("node_modules") });
    }
    return pkgs.length;
}

/** `sha256sum` lines for every file under `dir` (sorted, relative paths), SHA256SUMS itself and `skip` (relative paths) left out. */
export function sha256sums(dir: string, skip: string[] = []): string {
    const files: string[] = [];
    const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else if (e.isFile() && p !== path.join(dir, "SHA256SUMS") && !skip.includes(path.relative(dir, p).split(path.sep).join("/"))) files.push(p);
        }
    };
    walk(dir);
    return files.map((f) => `${sha256File(f)}  ${path.relative(dir, f).split(path.sep).join("/")}`).sort((a, b) => a.slice(66).localeCompare(b.slice(66))).join("\n") + "\n";
}

/** `<upstream ref>\t<path under the mirror>` lines, what mirror.sh reads. Pure. */
export function mirrorList(refs: string[]): string {
    return refs.map((r) => `${r}\t${splitImage(r).path}`).join("\n") + (refs.length > 0 ? "\n" : "");
}

/**
 * mirror.sh: copies every image (skopeo) and OCI artifact (oras) to `$KUBECHAT_REGISTRY` under the path
 * kubechat:registry rewrites it to, and with `$KUBECHAT_CHART_OCI` pushes the chart archives there.
 * Run it where the upstream registries and the mirror are both reachable.
 */
export function mirrorScript(): string {
    return `#!/usr/bin/env bash
# Mirrors what this stack pulls into your registry (see docs/airgap.md). Needs skopeo, oras (artifacts)
# and helm (charts, optional). Run where both the upstream registries and your registry are reachable.
#   KUBECHAT_REGISTRY=registry.corp:5000/kubechat [KUBECHAT_CHART_OCI=oci://registry.corp:5000/charts] ./mirror.sh
set -euo pipefail
here="$(cd "$(dirname "\${BASH_SOURCE[0]}")" && pwd)"
: "\${KUBECHAT_REGISTRY:?set KUBECHAT_REGISTRY to host[:port][/path] of your registry}"
reg="\${KUBECHAT_REGISTRY%/}"
while IFS=$'\\t' read -r ref path; do
  [ -n "$ref" ] || continue
  skopeo copy --all "docker://$ref" "docker://$reg/$path"
done < "$here/images.txt"
while IFS=$'\\t' read -r ref path; do
  [ -n "$ref" ] || continue
  oras copy "$ref" "$reg/$path"
done < "$here/artifacts.txt"
if [ -n "\${KUBECHAT_CHART_OCI:-}" ]; then
  for chart in "$here"/charts/*.tgz; do helm push "$chart" "\${KUBECHAT_CHART_OCI%/}"; done
fi
`;
}

/**
 * install.sh: `./install.sh <stack>`, non-interactive, every input from the environment. Steps: verify
 * SHA256SUMS; put the bundled provider on PATH and forbid plugin downloads; log in to a local state
 * backend; select or create the stack; set kubechat:registry, kubechat:chartRepository (default: the
 * bundle's own charts/), kubechat:kubeconfig and the secrets of KUBECHAT_SECRETS_DIR; write the policy
 * config with the registry as the only approved one; `pulumi up` with the policy pack. KUBECHAT_DRY_RUN=1 prints the steps without running them.
 */
export function installScript(providerVersion: string): string {
    return `#!/usr/bin/env bash
# Installs a stack from this offline bundle with no network access (see docs/airgap.md).
#   ./install.sh <stack>
# Environment (all optional except the passphrase):
#   PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE   passphrase of the stack's secrets
#   KUBECHAT_KUBECONFIG        kubeconfig path (default: the default kubeconfig)
#   KUBECHAT_REGISTRY          registry host[:port][/path] the images were mirrored to (mirror.sh)
#   KUBECHAT_SECRETS_DIR       directory with one file per secret config key (file name = key without "kubechat:",
#                              content = value), each set with pulumi config set --secret from standard input
#   KUBECHAT_CHART_REPOSITORY  http(s):// or oci:// chart repository, or a directory (default: this bundle's charts/)
#   KUBECHAT_STATE_DIR         directory for the Pulumi state (default: pulumi login --local, i.e. ~/.pulumi)
#   KUBECHAT_PULUMI            the Pulumi CLI to run (default: pulumi on PATH)
#   KUBECHAT_POLICY_PACK       the policy pack: a directory, or an executable the CLI starts (default: program/policies)
#   KUBECHAT_DRY_RUN=1         print the steps, run nothing but the checksum check
set -euo pipefail
usage() { echo "usage: ./install.sh <stack>   (environment: see the top of this file)" >&2; exit 2; }
[ $# -eq 1 ] || usage
stack="$1"
[[ "$stack" =~ ^[A-Za-z0-9_.-]+$ ]] || usage
here="$(cd "$(dirname "\${BASH_SOURCE[0]}")" && pwd)"
dry="\${KUBECHAT_DRY_RUN:-0}"
pulumi="\${KUBECHAT_PULUMI:-pulumi}"
step() { printf '+'; printf ' %q' "$@"; printf '\\n'; [ "$dry" = 1 ] || "$@"; }

[ -f "$here/program/Pulumi.$stack.yaml" ] || { echo "error: this bundle was made for another stack (no program/Pulumi.$stack.yaml)" >&2; exit 2; }
if [ -z "\${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "\${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  echo "error: set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE (the passphrase of the stack's secrets)" >&2; exit 2
fi

echo "1. checking the bundle against SHA256SUMS"
(cd "$here" && sha256sum --quiet --strict -c SHA256SUMS)

echo "2. offline: the bundled Kubernetes provider ${providerVersion} on PATH, no plugin downloads"
if [ -x "$here/plugins/bin/pulumi-resource-kubernetes" ]; then
  export PATH="$here/plugins/bin:$PATH"
else
  echo "   warning: this bundle carries no provider plugin (see plugins/README); pulumi needs resource-kubernetes ${providerVersion} installed" >&2
fi
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true PULUMI_SKIP_UPDATE_CHECK=true PULUMI_SKIP_CONFIRMATIONS=true

cd "$here/program"
echo "3. state backend and stack"
if [ -n "\${KUBECHAT_STATE_DIR:-}" ]; then
  mkdir -p "$KUBECHAT_STATE_DIR"
  step "$pulumi" login "file://$KUBECHAT_STATE_DIR"
else
  step "$pulumi" login --local
fi
step "$pulumi" stack select --create "$stack" --non-interactive

echo "4. stack configuration: mirrors and cluster"
step "$pulumi" config set --stack "$stack" kubechat:chartRepository "\${KUBECHAT_CHART_REPOSITORY:-$here/charts}"
if [ -n "\${KUBECHAT_REGISTRY:-}" ]; then step "$pulumi" config set --stack "$stack" kubechat:registry "$KUBECHAT_REGISTRY"; fi
if [ -n "\${KUBECHAT_KUBECONFIG:-}" ]; then step "$pulumi" config set --stack "$stack" kubechat:kubeconfig "$KUBECHAT_KUBECONFIG"; fi
if [ -n "\${KUBECHAT_SECRETS_DIR:-}" ]; then
  # A secret's value goes through standard input, never on a command line (process lists, shell history).
  for f in "$KUBECHAT_SECRETS_DIR"/*; do
    [ -f "$f" ] || continue
    key="$(basename "$f")"
    [[ "$key" =~ ^[A-Za-z][A-Za-z0-9.]*$ ]] || { echo "error: KUBECHAT_SECRETS_DIR: $key is not a config key name" >&2; exit 2; }
    printf '+ %q config set --stack %q --secret kubechat:%s < %q\n' "$pulumi" "$stack" "$key" "$f"
    [ "$dry" = 1 ] || "$pulumi" config set --stack "$stack" --secret "kubechat:$key" < "$f"
  done
fi

echo "5. policy configuration (with a registry set, it is the only approved one)"
policy_config="$here/program/policies/config/$stack.json"
if [ -n "\${KUBECHAT_REGISTRY:-}" ]; then
  policy_config="$(mktemp)"
  step node -e 'const fs = require("fs"); const [, src, reg, dst] = process.argv; const c = JSON.parse(fs.readFileSync(src, "utf8")); c["kubechat-approved-registry"].approvedRegistries = [reg.replace(/\\/+$/, "")]; fs.writeFileSync(dst, JSON.stringify(c, null, 2));' \\
    "$here/program/policies/config/$stack.json" "$KUBECHAT_REGISTRY" "$policy_config"
fi

echo "6. pulumi up with the policy pack"
step "$pulumi" up --stack "$stack" --yes --non-interactive --policy-pack "\${KUBECHAT_POLICY_PACK:-$here/program/policies}" --policy-pack-config "$policy_config"
`;
}

/** The stack's config file inside the bundle (the one file SHA256SUMS leaves out). */
export function stackFileInBundle(stack: string): string {
    return `program/Pulumi.${stack}.yaml`;
}

/** The project file as the bundle runs it: compiled JavaScript, no TypeScript at run time. */
export function bundledProjectFile(projectYaml: string): string {
    const lines = projectYaml.split("\n");
    const at = lines.findIndex((l) => /^runtime:\s*$/.test(l));
    if (at < 0) throw new Error("Pulumi.yaml: no `runtime:` block");
    let end = at + 1;
    while (end < lines.length && /^\s+\S/.test(lines[end])) end++;
    return [...lines.slice(0, at), "runtime:", "  name: nodejs", "  options:", "    typescript: false", "main: dist/index.js", ...lines.slice(end)].join("\n");
}

/** Compile a TypeScript entry point into one CommonJS file; npm packages stay external (node_modules). */
function compile(root: string, entry: string, outfile: string): void {
    // esbuild is a devDependency: loaded only when a bundle is made.
    const esbuild = require("esbuild") as typeof import("esbuild");
    esbuild.buildSync({ entryPoints: [path.join(root, entry)], outfile, bundle: true, platform: "node", format: "cjs", target: "node22", packages: "external", logLevel: "error" });
}

export interface BundleResult {
    files: number;
    packages: number;
    charts: string[];
    provider: ProviderSource;
}

/** Assemble the bundle in `input.out` (which must exist and hold at most the marker). */
export async function writeBundle(input: BundleInput): Promise<BundleResult> {
    const { root, out } = input;
    const prog = path.join(out, "program");
    fs.mkdirSync(path.join(prog, "policies", "config"), { recursive: true });

    // The program: compiled, its project and stack files, production dependencies.
    compile(root, "index.ts", path.join(prog, "dist", "index.js"));
    fs.writeFileSync(path.join(prog, "Pulumi.yaml"), bundledProjectFile(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")));
    fs.copyFileSync(input.configFile, path.join(prog, `Pulumi.${input.stack}.yaml`));
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
    fs.writeFileSync(path.join(prog, "package.json"), JSON.stringify({
        name: pkg.name, version: pkg.version, private: true, description: pkg.description, engines: pkg.engines, main: "dist/index.js", dependencies: pkg.dependencies, overrides: pkg.overrides,
    }, null, 2) + "\n");
    fs.copyFileSync(path.join(root, "package-lock.json"), path.join(prog, "package-lock.json"));
    const packages = (input.copyDependencies ?? copyProductionDependencies)(root, prog);

    // The policy pack, compiled the same way; its packages resolve from program/node_modules.
    compile(root, "policies/index.ts", path.join(prog, "policies", "index.js"));
    const policyPkg = JSON.parse(fs.readFileSync(path.join(root, "policies", "package.json"), "utf8"));
    fs.writeFileSync(path.join(prog, "policies", "package.json"), JSON.stringify({ ...policyPkg, main: "index.js", devDependencies: undefined }, null, 2) + "\n");
    fs.writeFileSync(path.join(prog, "policies", "PulumiPolicy.yaml"),
        fs.readFileSync(path.join(root, "policies", "PulumiPolicy.yaml"), "utf8").replace(/^runtime:.*$/m, "runtime:\n  name: nodejs\n  options:\n    typescript: false"));
    for (const f of fs.readdirSync(path.join(root, "policies", "config"))) fs.copyFileSync(path.join(root, "policies", "config", f), path.join(prog, "policies", "config", f));
    fs.copyFileSync(path.join(root, "policies", "chart-exceptions.yaml"), path.join(prog, "policies", "chart-exceptions.yaml"));

    // The charts: a local repository (archives + index.yaml), served as is over HTTP or used as a directory.
    const chartsOut = path.join(out, "charts");
    fs.mkdirSync(chartsOut, { recursive: true });
    const charts: string[] = [];
    for (const c of input.airgap.charts) {
        const src = archivePath(input.chartsDir, c.name, c.version);
        if (!fs.existsSync(src)) throw new Error(`no archive ${src} for chart ${c.name} ${c.version}`);
        fs.copyFileSync(src, path.join(chartsOut, path.basename(src)));
        charts.push(path.basename(src));
    }
    const index = await runHelm(root, ["repo", "index", chartsOut]);
    if (index.code !== 0) throw new Error(`helm repo index: ${index.stderr}`);

    // The provider plugin, where install.sh puts it on PATH.
    const pluginDir = path.join(out, "plugins");
    fs.mkdirSync(pluginDir, { recursive: true });
    if ("file" in input.provider) {
        fs.mkdirSync(path.join(pluginDir, "bin"), { recursive: true });
        const dst = path.join(pluginDir, "bin", "pulumi-resource-kubernetes");
        fs.copyFileSync(input.provider.file, dst);
        fs.chmodSync(dst, 0o755);
    }
    fs.writeFileSync(path.join(pluginDir, "README"), "file" in input.provider
        ? `bin/pulumi-resource-kubernetes: the Kubernetes resource provider for SDK version ${input.providerVersion} (from ${input.provider.from}).\ninstall.sh puts bin/ on PATH, where the Pulumi CLI uses it as an ambient plugin, and sets\nPULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true so nothing is downloaded.\n`
        : `No provider plugin in this bundle: ${input.provider.missing}.\nInstall resource-kubernetes ${input.providerVersion} on the target yourself (pulumi plugin install resource kubernetes ${input.providerVersion} --file <binary or tarball>),\nor make the bundle again with --provider <file>.\n`);

    // What to mirror, and how; the installer; the manifest; the checksums last.
    const artifacts = input.airgap.artifacts ?? [];
    fs.writeFileSync(path.join(out, "images.txt"), mirrorList(input.airgap.images));
    fs.writeFileSync(path.join(out, "artifacts.txt"), mirrorList(artifacts));
    fs.writeFileSync(path.join(out, "airgap.json"), JSON.stringify(input.airgap, null, 2) + "\n");
    fs.writeFileSync(path.join(out, "mirror.sh"), mirrorScript(), { mode: 0o755 });
    fs.writeFileSync(path.join(out, "install.sh"), installScript(input.providerVersion), { mode: 0o755 });
    fs.writeFileSync(path.join(out, "bundle.json"), JSON.stringify({
        stack: input.stack, commit: input.commit ?? "", providerVersion: input.providerVersion,
        provider: "file" in input.provider ? { bundled: "plugins/bin/pulumi-resource-kubernetes", from: input.provider.from } : { bundled: false, reason: input.provider.missing },
        stackFile: { path: stackFileInBundle(input.stack), sha256AsShipped: sha256File(path.join(prog, `Pulumi.${input.stack}.yaml`)) },
        charts, images: input.airgap.images.length, artifacts: artifacts.length, productionPackages: packages,
    }, null, 2) + "\n");
    // The stack file is the customer's to edit (`pulumi config set` writes it, the passphrase's salt
    // too), so SHA256SUMS leaves it out: a re-run of install.sh must pass step 1. bundle.json keeps the
    // checksum it was shipped with.
    const sums = sha256sums(out, [stackFileInBundle(input.stack)]);
    fs.writeFileSync(path.join(out, "SHA256SUMS"), sums);
    return { files: sums.split("\n").filter(Boolean).length, packages, charts, provider: input.provider };
}

const OWNER = { command: "npm run bundle", marker: BUNDLE_MARKER };

/** The provider plugin: --provider, else the toolchain's build (its PATH link in the real tiers' toolchain cache). */
export function findProvider(given: string | undefined, env: NodeJS.ProcessEnv = process.env): ProviderSource {
    if (given) {
        if (!fs.existsSync(given) || !fs.statSync(given).isFile()) throw new UsageError(`--provider ${given}: no such file`);
        return { file: path.resolve(given), from: "--provider" };
    }
    const cache = env.KUBECHAT_REAL_CACHE || path.join(os.homedir(), ".cache", "kubechat-real");
    const link = path.join(cache, "bin", "pulumi-resource-kubernetes");
    if (fs.existsSync(link)) return { file: fs.realpathSync(link), from: link };
    return { missing: `no --provider given and no build at ${link} (npm run real:toolchain -- kubernetes-provider builds one)` };
}

/** Clear a directory an earlier bundle wrote (its marker checked by outDirProblem), then mark it as ours; anything else is refused untouched. */
export function prepareBundleDir(out: string): void {
    const problem = outDirProblem(out, process.cwd(), OWNER);
    if (problem) throw new UsageError(problem);
    const abs = path.resolve(out);
    if (fs.existsSync(abs)) for (const e of fs.readdirSync(abs)) fs.rmSync(path.join(abs, e), { recursive: true, force: true });
    fs.mkdirSync(abs, { recursive: true });
    fs.writeFileSync(path.join(abs, BUNDLE_MARKER), `Written by \`${OWNER.command}\`: this directory is cleared and rewritten by the next run.\n`);
}

function gitCommit(): string {
    try {
        return execFileSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
    } catch {
        return "";
    }
}

/** What `npm run bundle` is asked for (paths as given). */
export interface BundleArgs {
    stack: string;
    out: string;
    configFile?: string;
    charts?: string;
    provider?: string;
}

/** Plan, render and check the stack, then write its bundle into `args.out`; returns what the summary needs. */
export async function bundleStack(args: BundleArgs): Promise<{ result: BundleResult; airgap: BundleAirgap }> {
    const configFile = stackConfigFile(args.stack, args.configFile ? path.resolve(args.configFile) : undefined);
    const givenCharts = args.charts ? path.resolve(args.charts) : undefined;
    const chartsProblem = givenCharts === undefined ? undefined : chartsOptionProblem(givenCharts);
    if (chartsProblem) throw new UsageError(chartsProblem);
    // Refuse a directory we may not clear before spending time on the plan.
    const early = outDirProblem(args.out, process.cwd(), OWNER);
    if (early) throw new UsageError(early);
    const provider = findProvider(args.provider);

    // What the stack pulls, from an upstream plan rendered from the archives (as npm run airgap does).
    const { airgap, rendering, chartsDir } = await upstreamAirgap({ stack: args.stack, configFile, charts: givenCharts });
    if (!rendering.render || rendering.render.releases.some((r) => r.error)) {
        const bad = rendering.render?.releases.filter((r) => r.error).map((r) => `${r.release.name}: ${r.error}`).join("; ") ?? "no chart archives";
        throw new UsageError(`cannot render the stack's charts from ${chartsDir} (${bad}): the bundle must list every image`);
    }

    prepareBundleDir(args.out);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    const result = await writeBundle({
        root: ROOT, stack: args.stack, configFile, out: path.resolve(args.out), airgap, chartsDir, provider,
        providerVersion: pkg.dependencies["@pulumi/kubernetes"], commit: gitCommit(),
    });
    return { result, airgap };
}
