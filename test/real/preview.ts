/** Runs scripts/real/preview.ts in a child process (the program runs for real there) and reads its JSON. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { PreviewResult } from "../../scripts/real/preview";
import { ROOT } from "./plans";

export function runPreview(stack: string, args: string[]): PreviewResult {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-preview-json-"));
    try {
        const json = path.join(dir, "preview.json");
        const r = spawnSync(process.execPath, [path.join(ROOT, "scripts", "run.js"), path.join(ROOT, "scripts", "real", "preview.ts"), stack, "--json", json, ...args], {
            cwd: ROOT,
            encoding: "utf8",
            maxBuffer: 64 * 1024 * 1024,
        });
        if (!fs.existsSync(json)) throw new Error(`preview of ${stack} produced no result (exit ${r.status}):\n${r.stderr}\n${r.stdout}`);
        return JSON.parse(fs.readFileSync(json, "utf8"));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
