/**
 * A directory of files a command writes, replacing what an earlier run of the command wrote there.
 * Files are written as soon as they are added, so writing overlaps whatever the command still waits
 * for (the plan writes its own files and each rendered release while Helm renders the others);
 * `finish` then removes what this run did not write. A file an earlier run left is rewritten in place
 * rather than deleted and created again: on some file systems creating a file costs many times more
 * than rewriting one (ext4 on this project's CI VMs: about 0.6 ms against 0.04 ms), and a plan writes
 * nearly the same few hundred files every time.
 */
import * as fs from "fs";
import * as path from "path";

export class OutputFiles {
    private readonly root: string;
    private readonly written = new Set<string>();
    private readonly made = new Set<string>();

    /** `dir` is created when missing; `keep` names entries directly in it that `finish` leaves alone. */
    constructor(dir: string, private readonly keep: string[] = []) {
        this.root = path.resolve(dir);
        this.mkdir(this.root);
    }

    get size(): number {
        return this.written.size;
    }

    /**
     * A directory and its parents below the root, each a real directory: a file or symbolic link an
     * earlier run (or anyone) left where one of them goes is removed, so no write follows a link out.
     */
    private mkdir(dir: string): void {
        if (this.made.has(dir)) return;
        if (dir === this.root) {
            // The directory itself was checked by the command (planner/output/outdir.ts); it may be a link.
            fs.mkdirSync(dir, { recursive: true });
        } else {
            this.mkdir(path.dirname(dir));
            const st = fs.lstatSync(dir, { throwIfNoEntry: false });
            if (st && !st.isDirectory()) fs.rmSync(dir);
            if (!st?.isDirectory()) fs.mkdirSync(dir);
        }
        this.made.add(dir);
    }

    /**
     * Write a file now (it must be inside the directory). A file that already holds exactly this text
     * is left as it is: reading it back costs less than truncating and rewriting it, and most of a
     * plan's files do not change between runs. A directory or link in its place is removed first.
     */
    add(file: string, text: string): void {
        const abs = path.resolve(file);
        if (!abs.startsWith(this.root + path.sep)) throw new Error(`${abs} is outside ${this.root}`);
        this.mkdir(path.dirname(abs));
        this.written.add(abs);
        const bytes = Buffer.from(text);
        const st = fs.lstatSync(abs, { throwIfNoEntry: false });
        if (st?.isFile() && st.size === bytes.length && fs.readFileSync(abs).equals(bytes)) return;
        if (st && !st.isFile()) fs.rmSync(abs, { recursive: true, force: true });
        fs.writeFileSync(abs, bytes);
    }

    /** Remove every file this run did not write (but the kept entries), and the directories left empty. */
    finish(): void {
        const kept = new Set(this.keep.map((k) => path.join(this.root, k)));
        // Bottom-up: true when nothing is left in `d`.
        const prune = (d: string): boolean => {
            let empty = true;
            for (const e of fs.readdirSync(d, { withFileTypes: true })) {
                const p = path.join(d, e.name);
                if (kept.has(p) || this.written.has(p)) empty = false;
                else if (e.isDirectory()) {
                    if (prune(p)) fs.rmdirSync(p);
                    else empty = false;
                } else fs.rmSync(p, { force: true });
            }
            return empty;
        };
        prune(this.root);
    }
}

/** A name usable as a file name: anything but letters, digits, `_`, `.` and `-` becomes `_`. */
export const safeName = (s: string): string => s.replace(/[^A-Za-z0-9_.-]/g, "_");
