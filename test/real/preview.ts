/**
 * Runs test/real/tools/pulumi-stack.ts in a child process (the program runs for real there, and the mock
 * runtime of the offline plans must not share its process) and reads its JSON.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { StackRunResult } from "./tools/pulumi-stack";
import { ROOT } from "./plans";

function command(stack: string, op: StackRunResult["op"], json: string, args: string[]): string[] {
    return [path.join(ROOT, "scripts", "run.js"), path.join(ROOT, "test", "real", "tools", "pulumi-stack.ts"), stack, "--op", op, "--json", json, ...args];
}

function result(stack: string, op: string, json: string, code: number | null, output: string): StackRunResult {
    if (!fs.existsSync(json)) throw new Error(`pulumi ${op} of ${stack} produced no result (exit ${code}):\n${output}`);
    return JSON.parse(fs.readFileSync(json, "utf8"));
}

/** `pulumi <op>` of a stack, waiting for it (the event loop stays free); `args` are pulumi-stack.ts options. */
export async function stackOp(stack: string, op: StackRunResult["op"], args: string[], env: NodeJS.ProcessEnv = process.env): Promise<StackRunResult> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-stack-json-"));
    try {
        const json = path.join(dir, "result.json");
        let output = "";
        const code = await new Promise<number | null>((resolve, reject) => {
            const p = spawn(process.execPath, command(stack, op, json, args), { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
            p.stdout.on("data", (d) => (output = (output + d).slice(-200000)));
            p.stderr.on("data", (d) => (output = (output + d).slice(-200000)));
            p.once("error", reject);
            p.once("exit", (c) => resolve(c));
        });
        return result(stack, op, json, code, output);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** A one-off `pulumi preview` (temp state). */
export function runPreview(stack: string, args: string[]): StackRunResult {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-stack-json-"));
    try {
        const json = path.join(dir, "result.json");
        const r = spawnSync(process.execPath, command(stack, "preview", json, args), { cwd: ROOT, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
        return result(stack, "preview", json, r.status, `${r.stderr}\n${r.stdout}`);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
