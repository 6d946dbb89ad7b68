/**
 * Peer linters next to our policy pack: builds a peer from its published Go module (pinned), runs it
 * over Kubernetes YAML, and sorts each of its findings against what our pack says about the same
 * object, using the classification in policies/peers.json:
 *
 *   agreed      one of the rules the check maps to reports the same object
 *   deliberate  the check (or, where our rule passes the object, the check's stated difference) is a
 *               documented deliberate difference
 *   missed      the check maps to rules, but none of them reports the object and no difference is stated
 *   unknown     the check is not classified at all
 *
 * missed and unknown are gaps: the peers run fails on them.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PolicyResource, Violation } from "../../policies/runner";
import { ROOT } from "../root";
import { UsageError } from "../cli/args";

export interface PeerTool {
    /** Go package of the command (`go install <pkg>@<version>`); or */
    pkg?: string;
    /** PyPI package, installed with pip into its own virtual environment (`pip install <pip>==<version>`). */
    pip?: string;
    version: string;
    bin: string;
}

/** One check of a peer as policies/peers.json classifies it. */
export interface CheckClass {
    /** Our policies that make the same judgement. */
    rules?: string[];
    /** Why we deliberately differ (for the whole check, or where our rules pass the object). */
    difference?: string;
}
export interface PeerClassification {
    tool?: PeerTool;
    /** Why the peer cannot run here (it is still mapped in policies/README.md). */
    unavailable?: string;
    /** Arguments the peer is run with (after the files are appended). */
    args?: string[];
    checks: Record<string, CheckClass>;
}
export type Classifications = Record<string, PeerClassification>;

export interface PeerFinding {
    peer: string;
    check: string;
    kind: string;
    namespace: string;
    name: string;
    /** Container or field the finding is about, when the peer says. */
    path: string;
    summary: string;
    file: string;
}

export type Verdict = "agreed" | "deliberate" | "missed" | "unknown";
export interface Classified extends PeerFinding { verdict: Verdict; rules: string[]; reason?: string }

export const CLASSIFICATION_FILE = path.join(ROOT, "policies", "peers.json");
export function readClassifications(file = CLASSIFICATION_FILE): Classifications {
    return JSON.parse(fs.readFileSync(file, "utf8"));
}

/** Where built peers are kept: outside the checkout, shared by every worktree (KUBECHAT_TOOLS_DIR overrides). */
export function toolsDir(): string {
    return process.env.KUBECHAT_TOOLS_DIR ?? path.join(os.homedir(), ".cache", "kubechat-tools");
}


/** Path of the peer's binary, built with `go install` (or installed with pip) at the pinned version when it is not there yet. */
export function ensurePeer(name: string, tool: PeerTool, log: (s: string) => void, dir = toolsDir()): string {
    if (tool.pip) return ensurePipPeer(name, tool, log, dir);
    const binDir = path.join(dir, `${name}-${tool.version}`);
    const bin = path.join(binDir, tool.bin);
    if (fs.existsSync(bin)) return bin;
    log(`building ${name} ${tool.version} (go install ${tool.pkg}@${tool.version}) into ${binDir} ...`);
    fs.mkdirSync(binDir, { recursive: true });
    const r = spawnSync("nice", ["-n", "10", "go", "install", `${tool.pkg}@${tool.version}`], {
        env: { ...process.env, GOBIN: binDir }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"],
    });
    if (r.error) throw new UsageError(`cannot build ${name}: ${r.error.message} (Go is needed: apt-get install golang-go)`);
    if (r.status !== 0 || !fs.existsSync(bin)) throw new UsageError(`go install ${tool.pkg}@${tool.version} failed:\n${(r.stderr || "").trim().split("\n").slice(-5).join("\n")}`);
    return bin;
}

/** A PyPI peer in its own virtual environment under `dir` (python3 -m venv, then pip install at the pinned version). */
function ensurePipPeer(name: string, tool: PeerTool, log: (s: string) => void, dir: string): string {
    const venv = path.join(dir, `${name}-${tool.version}`);
    const bin = path.join(venv, "bin", tool.bin);
    if (fs.existsSync(bin)) return bin;
    log(`installing ${name} ${tool.version} (pip install ${tool.pip}==${tool.version}) into ${venv} ...`);
    fs.mkdirSync(dir, { recursive: true });
    const run = (cmd: string, args: string[]) => spawnSync("nice", ["-n", "10", cmd, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const mk = run("python3", ["-m", "venv", venv]);
    if (mk.error || mk.status !== 0) throw new UsageError(`cannot create a Python virtual environment for ${name}: ${(mk.stderr || mk.error?.message || "").trim().split("\n").slice(-3).join("\n")} (python3 with venv is needed)`);
    const pip = run(path.join(venv, "bin", "pip"), ["install", "--quiet", `${tool.pip}==${tool.version}`]);
    if (pip.status !== 0 || !fs.existsSync(bin)) {
        fs.rmSync(venv, { recursive: true, force: true });
        throw new UsageError(`pip install ${tool.pip}==${tool.version} failed:\n${(pip.stderr || "").trim().split("\n").slice(-5).join("\n")}`);
    }
    return bin;
}

/** The JSON documents a tool prints one after another (checkov: one per scanned target): split where the top-level value closes. */
export function jsonDocuments(text: string): unknown[] {
    const out: unknown[] = [];
    let depth = 0, inString = false, escaped = false, start = -1;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (inString) {
            if (escaped) escaped = false;
            else if (c === "\\") escaped = true;
            else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === "{" || c === "[") {
            if (depth++ === 0) start = i;
        } else if (c === "}" || c === "]") {
            if (--depth === 0) {
                const doc = JSON.parse(text.slice(start, i + 1));
                out.push(...(Array.isArray(doc) ? doc : [doc]));
            }
        } else if (depth === 0 && !/\s/.test(c)) throw new UsageError(`output is not JSON (at character ${i})`);
    }
    if (depth !== 0 || inString) throw new UsageError("output ends inside a JSON document");
    return out;
}

/**
 * checkov's JSON (`-o json`): per report, `results.failed_checks` with `check_id` and `resource`
 * (`Kind.namespace.name`; checkov writes `default` for an object without a namespace).
 */
export function checkovFindings(text: string): PeerFinding[] {
    const out: PeerFinding[] = [];
    for (const report of jsonDocuments(text) as any[]) {
        if (report?.check_type !== undefined && report.check_type !== "kubernetes") continue;
        for (const f of report?.results?.failed_checks ?? []) {
            const [kind, namespace, ...name] = String(f?.resource ?? "?").split(".");
            out.push({
                peer: "checkov", check: String(f?.check_id ?? "?"), kind: kind ?? "?", namespace: namespace ?? "", name: name.join("."),
                path: "", summary: String(f?.check_name ?? ""), file: String(f?.file_abs_path ?? f?.file_path ?? ""),
            });
        }
    }
    return out;
}

/** checkov's `-l --framework kubernetes` table -> check ids. */
export function checkovCheckIds(table: string): string[] {
    return [...new Set(table.split("\n").map((l) => /^\|\s*\d+\s*\|\s*(CKV2?_K8S_\d+)\s*\|/.exec(l)?.[1]).filter((id): id is string => !!id))];
}

/** kube-score's JSON (output version v2): objects with checks; grade 10 is OK, skipped checks did not apply. */
export function kubeScoreFindings(json: unknown): PeerFinding[] {
    if (!Array.isArray(json)) throw new UsageError("kube-score did not print a JSON array");
    const out: PeerFinding[] = [];
    for (const o of json) {
        const meta = o?.object_meta ?? {};
        for (const c of o?.checks ?? []) {
            if (c?.skipped || typeof c?.grade !== "number" || c.grade >= 10) continue;
            const comments = Array.isArray(c.comments) && c.comments.length ? c.comments : [{ path: "", summary: "" }];
            for (const cm of comments) {
                out.push({
                    peer: "kube-score", check: c.check?.id ?? "?", kind: o?.type_meta?.kind ?? "?",
                    namespace: meta.namespace ?? "", name: meta.name ?? "", path: cm?.path ?? "", summary: cm?.summary ?? "", file: o?.file_name ?? "",
                });
            }
        }
    }
    return out;
}

/** kube-score's `list` output (CSV: id,target,comment,default|optional) -> check ids. */
export function kubeScoreCheckIds(csv: string): string[] {
    return csv.split("\n").map((l) => l.split(",")[0].trim()).filter((id) => /^[a-z][a-z0-9-]*$/.test(id));
}

/** Objects are matched by kind, namespace and name; no namespace is `default` (as checkov reports it; Helm sets the real one at install). */
const key = (kind: string, namespace: string, name: string) => `${kind}|${namespace || "default"}|${name}`;

/** Sorts peer findings against our violations over the same resources. */
export function classify(findings: PeerFinding[], classes: Classifications, resources: PolicyResource[], violations: Violation[]): Classified[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const flagged = new Map<string, Set<string>>();
    for (const v of violations) {
        const r = v.urn ? byUrn.get(v.urn) : undefined;
        if (!r) continue;
        const k = key(r.props?.kind ?? "", r.props?.metadata?.namespace ?? "", r.props?.metadata?.name ?? r.name);
        if (!flagged.has(k)) flagged.set(k, new Set());
        flagged.get(k)!.add(v.policy);
    }
    return findings.map((f) => {
        const c = classes[f.peer]?.checks?.[f.check];
        if (!c) return { ...f, verdict: "unknown", rules: [] };
        const rules = c.rules ?? [];
        const ours = flagged.get(key(f.kind, f.namespace, f.name)) ?? new Set<string>();
        const agreeing = rules.filter((p) => ours.has(p));
        if (agreeing.length) return { ...f, verdict: "agreed", rules: agreeing };
        if (c.difference) return { ...f, verdict: "deliberate", rules, reason: c.difference };
        return { ...f, verdict: "missed", rules };
    });
}

/** Checks a peer lists that the classification does not (new in the peer), and classified ids the peer no longer has. */
export function checkDrift(peerIds: string[], classes: PeerClassification): { unclassified: string[]; stale: string[] } {
    const known = Object.keys(classes.checks);
    return { unclassified: peerIds.filter((id) => !known.includes(id)), stale: known.filter((id) => !peerIds.includes(id)) };
}

/** Text report: gaps in full, agreed/deliberate findings counted per check with the reason. */
export function formatReport(results: Classified[], notes: string[]): string {
    const lines: string[] = [...notes];
    const groups = new Map<string, Classified[]>();
    for (const r of results) {
        const k = `${r.peer} ${r.check}`;
        if (!groups.has(k)) groups.set(k, []);
        groups.get(k)!.push(r);
    }
    for (const [k, rs] of [...groups.entries()].sort()) {
        const count = (v: Verdict) => rs.filter((r) => r.verdict === v).length;
        const parts = (["agreed", "deliberate", "missed", "unknown"] as Verdict[]).filter((v) => count(v) > 0).map((v) => `${count(v)} ${v}`);
        lines.push(`${k}: ${parts.join(", ")}`);
        const reason = rs.find((r) => r.verdict === "deliberate")?.reason;
        if (reason) lines.push(`    deliberate: ${reason}`);
        for (const r of rs.filter((x) => x.verdict === "missed" || x.verdict === "unknown")) {
            lines.push(`    ${r.verdict.toUpperCase()}: ${r.kind} ${r.namespace ? `${r.namespace}/` : ""}${r.name}${r.path ? ` (${r.path})` : ""}${r.summary ? `: ${r.summary}` : ""}`
                + (r.verdict === "missed" ? ` — expected from ${r.rules.join(", ")}` : " — classify this check in policies/peers.json"));
        }
    }
    const gaps = results.filter((r) => r.verdict === "missed" || r.verdict === "unknown").length;
    const tally = (v: Verdict) => results.filter((r) => r.verdict === v).length;
    lines.push(`${gaps === 0 ? "PASS" : "FAIL"}: ${results.length} peer finding(s): ${tally("agreed")} agreed, ${tally("deliberate")} deliberate difference(s), `
        + `${tally("missed")} missed, ${tally("unknown")} unclassified`);
    return lines.join("\n");
}
