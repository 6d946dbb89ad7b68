/**
 * Runs the peer linters pinned in policies/peers.json over YAML files, or over fresh plans of stacks,
 * and classifies their findings against this policy pack (planner/peers/peers.ts).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runPolicies } from "../../policies/runner";
import {
    Classified, PeerClassification, PeerFinding, checkDrift, checkovCheckIds, checkovFindings, classify, ensurePeer,
    kubeScoreCheckIds, kubeScoreFindings, readClassifications,
} from "./peers";
import { ROOT } from "../root";
import { UsageError } from "../cli/args";
import { collectFiles, loadManifests } from "../checks/manifests";
import { knownStacks } from "../program/stack-file";

/** Plans each stack into `tmp`; returns the directories of YAML to lint. */
export function planStacks(stacks: string[], tmp: string, log: (s: string) => void): string[] {
    const known = knownStacks();
    for (const s of stacks) if (!known.includes(s)) throw new UsageError(`no stack ${s} (one of ${known.join(", ")})`);
    const dirs: string[] = [];
    for (const s of stacks) {
        const out = path.join(tmp, s);
        log(`planning ${s} ...`);
        const r = spawnSync(process.execPath, [path.join(ROOT, "scripts/run.js"), "cmd/plan.ts", s, "--out", out], { cwd: ROOT, encoding: "utf8" });
        if (r.status !== 0 && r.status !== 1) throw new UsageError(`plan ${s} failed (exit ${r.status}):\n${(r.stderr || r.stdout).trim()}`);
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
                throw new UsageError(`kube-score printed no JSON (exit ${r.status}): ${(r.stderr || "").trim().split("\n")[0]}`);
            }
            return kubeScoreFindings(json);
        },
    },
    // checkov (PyPI) judges every file given with -f; exit 1 only means it found something.
    checkov: {
        list: (bin) => checkovCheckIds(spawnSync(bin, ["-l", "--framework", "kubernetes"], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }).stdout ?? ""),
        run: (bin, c, files) => {
            const r = spawnSync("nice", ["-n", "10", bin, ...(c.args ?? []), "-f", ...files], { encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
            if (r.status !== 0 && r.status !== 1) throw new UsageError(`checkov failed (exit ${r.status}): ${(r.stderr || "").trim().split("\n").slice(-3).join("\n")}`);
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
        if (!runner) throw new UsageError(`no output reader for peer ${name}`);
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

/**
 * The peers' classified findings over `paths`, or (none given) over fresh plans of `stacks` (default:
 * every stack) made in a temporary directory that is removed afterwards.
 */
export function peersOver(paths: string[], stacks: string[] | undefined, log: (s: string) => void): PeersResult {
    const tmp = paths.length === 0 ? fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-peers-")) : undefined;
    try {
        const dirs = tmp ? planStacks(stacks ?? knownStacks(), tmp, log) : paths;
        const files = collectFiles(dirs);
        if (files.length === 0) throw new UsageError(`no YAML files in ${dirs.join(", ")}`);
        return runPeers(files, log);
    } finally {
        // Only the plans this run made (a fresh mkdtemp directory) are removed.
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    }
}
