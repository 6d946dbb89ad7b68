/**
 * The chart folder a plan renders from (default charts/, vendored in the repository): the `helm pull`
 * of each pinned chart missing from it, and what is wrong in it (each pinned archive against SHA256SUMS
 * and its own Chart.yaml, archives no pin uses).
 */
import * as fs from "fs";
import * as path from "path";
import { CHARTS } from "../../components/catalog";
import { archivePath, archiveProblem, readSums, shownPath, sumsFileFor } from "./charts";

/** Every chart version the catalog pins, once each. */
export function pins(): { name: string; version: string; repo: string }[] {
    const seen = new Map<string, { name: string; version: string; repo: string }>();
    for (const c of Object.values(CHARTS)) seen.set(`${c.name}-${c.version}`, c);
    return [...seen.values()];
}

/** The `helm pull` arguments for each pinned chart not yet in `dir`. */
export function pullCommands(dir: string): string[][] {
    return pins()
        .filter((c) => !fs.existsSync(archivePath(dir, c.name, c.version)))
        .map((c) => ["pull", c.name, "--repo", c.repo, "--version", c.version, "--destination", dir]);
}

/**
 * What is wrong in a chart folder: each pinned archive against SHA256SUMS and its Chart.yaml (missing,
 * damaged, another chart), and each archive no pin uses. Empty when the folder is exactly the pins.
 */
export function folderProblems(root: string, dir: string): string[] {
    const sumsFile = sumsFileFor(root, dir);
    let sums: Map<string, string>;
    try {
        sums = readSums(sumsFile);
    } catch (e) {
        return [(e as Error).message];
    }
    const problems: string[] = [];
    const pinned = new Set<string>();
    for (const c of pins()) {
        const file = archivePath(dir, c.name, c.version);
        pinned.add(path.basename(file));
        const p = archiveProblem(file, c.name, c.version, sums, shownPath(sumsFile));
        if (p) problems.push(`${path.basename(file)}: ${p}`);
    }
    for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".tgz") && !pinned.has(f)).sort()) problems.push(`${f}: no pin in components/catalog.ts uses it`);
    return problems;
}
