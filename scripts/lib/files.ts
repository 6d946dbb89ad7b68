/**
 * Files a command writes, written together: each directory is made once, then the files go through
 * libuv's thread pool a few at a time, so writing hundreds of small YAML files overlaps whatever the
 * main thread does meanwhile (the plan's policy checks) instead of blocking it file by file.
 */
import * as fs from "fs";
import * as path from "path";

/** Writes in flight at once: enough to keep the thread pool busy, few open descriptors. */
const IN_FLIGHT = 16;

export class FileBatch {
    private readonly files: { file: string; text: string }[] = [];

    add(file: string, text: string): void {
        this.files.push({ file, text });
    }

    get size(): number {
        return this.files.length;
    }

    /** Write every file added so far; resolves when all are on disk, rejects on the first failure. */
    async write(): Promise<void> {
        for (const dir of new Set(this.files.map((f) => path.dirname(f.file)))) fs.mkdirSync(dir, { recursive: true });
        let next = 0;
        const worker = async () => {
            while (next < this.files.length) {
                const { file, text } = this.files[next++];
                await fs.promises.writeFile(file, text);
            }
        };
        await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, this.files.length) }, worker));
    }
}

/** A name usable as a file name: anything but letters, digits, `_`, `.` and `-` becomes `_`. */
export const safeName = (s: string): string => s.replace(/[^A-Za-z0-9_.-]/g, "_");
