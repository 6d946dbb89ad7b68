/**
 * Peer linters over the same YAML as our pack, and what they find that our pack does not.
 *
 *   npm run peers -- [<file-or-dir>...] [--stacks <a,b>] [--json]
 *
 * Without paths, plans each stack (default: every Pulumi.<stack>.yaml) into a temporary directory and
 * runs over its manifests/ and, when the plan rendered charts, rendered/. Peers are installed on first use
 * at the versions pinned in policies/peers.json (`go install`, or pip into a virtual environment for
 * checkov), into ~/.cache/kubechat-tools (KUBECHAT_TOOLS_DIR overrides). Exit 0: every peer finding is agreed or a documented deliberate
 * difference; 1: a peer finding our pack misses or an unclassified check; 2: usage or build error.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runPolicies } from "../policies/engine";
import {
    Classified, PeerClassification, PeerError, PeerFinding, checkDrift, checkovCheckIds, checkovFindings, classify, ensurePeer, formatReport,
    kubeScoreCheckIds, kubeScoreFindings, readClassifications,
} from "../planner/peers/peers";
import { ROOT } from "../planner/root";
import { UsageError, collectFiles, loadManifests } from "./policy";
import { Io, consoleIo } from "../planner/cli/io";

export const USAGE = "usage: npm run peers -- [<file-or-dir>...] [--stacks <a,b>] [--json]";

const ALL_STACKS = () => fs.readdirSync(ROOT).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => !!s).sort();

interface Args { paths: string[]; stacks?: string[]; json: boolean }

export function parseArgs(argv: string[]): Args {
    const args: Args = { paths: [], json: false };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--json") args.json = true;
        else if (a === "--stacks" || a.startsWith("--stacks=")) {
            const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[++i];
            if (!v) throw new UsageError(`--stacks needs a value\n${USAGE}`);
            args.stacks = v.split(",").filter(Boolean);
        } else if (a === "--help" || a === "-h") throw new UsageError(USAGE);
        else if (a.startsWith("-")) throw new UsageError(`unknown option ${a}\n${USAGE}`);
        else args.paths.push(a);
    }
    if (args.paths.length && args.stacks) throw new UsageError(`give paths or --stacks, not both\n${USAGE}`);
    return args;
}

/** Plans each stack into `tmp`; returns the directories of YAML to lint. */
function planStacks(stacks: string[], tmp: string, log: (s: string) => void): string[] {
    const known = ALL_STACKS();
    for (const s of stacks) if (!known.includes(s)) throw new UsageError(`no stack ${s} (one of ${known.join(", ")})`);
    const dirs: string[] = [];
    for (const s of stacks) {
        const out = path.join(tmp, s);
        log(`planning ${s} ...`);
        const r = spawnSync(process.execPath, [path.join(ROOT, "scripts/run.js"), "cmd/plan.ts", s, "--out", out], { cwd: ROOT, encoding: "utf8" });
        if (r.status !== 0 && r.status !== 1) throw new PeerError(`plan ${s} failed (exit ${r.status}):\n${(r.stderr || r.stdout).trim()}`);
        for (const sub of ["manifests", "rendered"]) if (fs.existsSync(path.join(out, sub))) dirs.push(path.join(out, sub));
    }
    return dirs;
}

export interface PeersResult { results: Classified[]; notes: string[] }

/** How each peer is listed (its check ids) and run (its findings) over a set of files. */
interface PeerRunner {
    list: (bin: string) => string[];
    run: (bin: string, c: PeerClassification, files: string[]) => PeerFinding[];
}
const RUNNERS: Record<string, PeerRunner> = {
    "kube-score": {
        list: (bin) => kubeScoreCheckIds(spawnSync(bin, ["list"], { encoding: "utf8" }).stdout ?? ""),
        run: (bin, c, files) => {
            const r = spawnSync(bin, ["score", ...(c.args ?? []), ...files], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
            let json: unknown;
            try {
                json = JSON.parse(r.stdout);
            } catch {
                throw new PeerError(`kube-score printed no JSON (exit ${r.status}): ${(r.stderr || "").trim().split("\n")[0]}`);
            }
            return kubeScoreFindings(json);
        },
    },
    // checkov (PyPI) judges every file given with -f; exit 1 only means it found something.
    checkov: {
        list: (bin) => checkovCheckIds(spawnSync(bin, ["-l", "--framework", "kubernetes"], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }).stdout ?? ""),
        run: (bin, c, files) => {
            const r = spawnSync("nice", ["-n", "10", bin, ...(c.args ?? []), "-f", ...files], { encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
            if (r.status !== 0 && r.status !== 1) throw new PeerError(`checkov failed (exit ${r.status}): ${(r.stderr || "").trim().split("\n").slice(-3).join("\n")}`);
            return checkovFindings(r.stdout ?? "");
        },
    },
};

/** Runs every available peer over `files` and classifies its findings against our pack. */
export function runPeers(files: string[], log: (s: string) => void): PeersResult {
    const classes = readClassifications();
    const resources = files.flatMap(loadManifests);
    const violations = runPolicies(resources);
    const notes: string[] = [];
    const findings: PeerFinding[] = [];
    for (const [name, c] of Object.entries(classes)) {
        if (c.unavailable || !c.tool) {
            notes.push(`${name}: not run — ${c.unavailable ?? "no tool pinned"}`);
            continue;
        }
        const runner = RUNNERS[name];
        if (!runner) throw new PeerError(`no output reader for peer ${name}`);
        const bin = ensurePeer(name, c.tool, log);
        const drift = checkDrift(runner.list(bin), c);
        for (const id of drift.unclassified) notes.push(`${name}: check ${id} is not classified in policies/peers.json`);
        for (const id of drift.stale) notes.push(`${name}: policies/peers.json classifies ${id}, which ${name} ${c.tool.version} does not have`);
        findings.push(...runner.run(bin, c, files));
        notes.push(`${name} ${c.tool.version}: ${files.length} file(s), ${resources.length} object(s)`);
        if (drift.unclassified.length) findings.push(...drift.unclassified.map((id): PeerFinding => ({ peer: name, check: id, kind: "-", namespace: "", name: "(check list)", path: "", summary: "new check", file: "" })));
    }
    return { results: classify(findings, classes, resources, violations), notes };
}

export function main(argv: string[], io: Io = consoleIo): number {
    if (argv.includes("--help") || argv.includes("-h")) {
        io.out(`${USAGE}\n\nRuns peer linters (pinned in policies/peers.json) over the given YAML, or over fresh plans of the stacks,\nand sorts their findings against this policy pack. Exit 0 agreed or documented, 1 missed/unclassified, 2 usage.`);
        return 0;
    }
    let tmp: string | undefined;
    try {
        const args = parseArgs(argv);
        if (args.paths.length === 0) tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-peers-"));
        const dirs = tmp ? planStacks(args.stacks ?? ALL_STACKS(), tmp, io.err) : args.paths;
        const files = collectFiles(dirs);
        if (files.length === 0) throw new UsageError(`no YAML files in ${dirs.join(", ")}`);
        const { results, notes } = runPeers(files, io.err);
        io.out(args.json ? JSON.stringify({ notes, findings: results }, null, 2) : formatReport(results, notes));
        return results.some((r) => r.verdict === "missed" || r.verdict === "unknown") ? 1 : 0;
    } catch (e) {
        io.err(`peers: ${e instanceof Error ? e.message : String(e)}`);
        return 2;
    } finally {
        // Only the plans this run made (a fresh mkdtemp directory) are removed.
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    }
}

export const run = main;

if (require.main === module) process.exit(main(process.argv.slice(2)));
