/**
 * The plan's output directory is replaced on each plan — but only when `plan` created it. A marker
 * file written by `plan` proves that; any other non-empty directory, a file, the working directory,
 * the checkout root or one of their parents is refused (UsageError: exit 2, no stack trace). The
 * files themselves go through OutputFiles (planner/output/files.ts), which leaves the directory holding
 * exactly the new run's files.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../root";
import { UsageError } from "../cli/args";

export const MARKER = ".kubechat-plan";

/** The command that owns an output directory, and the marker file proving it created the directory. */
export interface OutDirOwner {
    command: string;
    marker: string;
}
export const PLAN_OUT: OutDirOwner = { command: "npm run plan", marker: MARKER };

function real(p: string): string {
    try {
        return fs.realpathSync(p);
    } catch {
        return path.resolve(p);
    }
}

/** `dir` is `other` or one of its parents. */
function containsOrIs(dir: string, other: string): boolean {
    const rel = path.relative(dir, other);
    return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/**
 * Why `dir` may not be used as the plan's output directory, or undefined when it may. Pure apart
 * from reading the file system; `cwd` is where the command was started.
 */
export function outDirProblem(dir: string, cwd = process.cwd(), owner: OutDirOwner = PLAN_OUT): string | undefined {
    const abs = real(path.resolve(cwd, dir));
    const shown = `--out ${dir}`;
    const protectedDirs: [string, string][] = [
        [real(cwd), "the current directory"],
        [real(ROOT), "the checkout root"],
        [real(os.homedir()), "your home directory"],
    ];
    for (const [p, what] of protectedDirs) {
        if (containsOrIs(abs, p)) return `${shown}: refusing to write into ${what}${abs === p ? "" : ` or a parent of it (${abs})`}; give a new or empty directory such as out/<stack>`;
    }
    let st: fs.Stats;
    try {
        st = fs.statSync(abs);
    } catch (e) {
        return missingDirProblem(abs, shown, e as NodeJS.ErrnoException);
    }
    if (!st.isDirectory()) return `${shown}: ${abs} is a file, not a directory`;
    const entries = fs.readdirSync(abs);
    if (entries.length > 0 && !entries.includes(owner.marker)) {
        return `${shown}: ${abs} is not empty and was not created by ${owner.command} (no ${owner.marker} marker); nothing was deleted — give a new or empty directory`;
    }
    return undefined;
}

function isLink(p: string): boolean {
    try {
        return fs.lstatSync(p).isSymbolicLink();
    } catch {
        return false;
    }
}

/**
 * Why a directory that cannot be stat'ed cannot be created either, or undefined when it can be (it is
 * missing and its nearest existing ancestor is a directory). A dangling link, a link loop or a file on
 * the way are refused here: creating through them fails, and Node's recursive mkdir never returns
 * on some of them (/proc/x).
 */
function missingDirProblem(abs: string, shown: string, err: NodeJS.ErrnoException): string | undefined {
    if (isLink(abs)) {
        return `${shown}: ${abs} is a symbolic link ${err.code === "ELOOP" ? "in a loop" : `to ${fs.readlinkSync(abs)}, which does not exist`}; give a directory`;
    }
    if (err.code !== "ENOENT") return `${shown}: ${abs}: ${err.code === "ENOTDIR" ? "a file is on the way (a path component is not a directory)" : err.code === "ELOOP" ? "a symbolic link loop is on the way" : err.message}`;
    for (let dir = path.dirname(abs); ; dir = path.dirname(dir)) {
        let st: fs.Stats | undefined;
        try {
            st = fs.statSync(dir, { throwIfNoEntry: false });
        } catch (e) {
            return missingDirProblem(dir, shown, e as NodeJS.ErrnoException);
        }
        if (st) return st.isDirectory() ? undefined : `${shown}: ${dir} is a file, not a directory`;
        if (isLink(dir)) return `${shown}: ${dir} is a symbolic link to ${fs.readlinkSync(dir)}, which does not exist`;
        if (path.dirname(dir) === dir) return undefined;
    }
}

/** Create `abs` and its missing parents one level at a time (recursive mkdir can spin forever in /proc); a failure is a UsageError. */
export function makeDir(abs: string, shown: string): void {
    if (fs.statSync(abs, { throwIfNoEntry: false })?.isDirectory()) return;
    const parent = path.dirname(abs);
    if (parent !== abs) makeDir(parent, shown);
    try {
        fs.mkdirSync(abs);
    } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.code === "EEXIST" && fs.statSync(abs, { throwIfNoEntry: false })?.isDirectory()) return;
        throw new UsageError(`${shown}: cannot create ${abs} (${err.code ?? err.message})`);
    }
}

/**
 * Make `dir` an output directory carrying the marker; refuses what outDirProblem refuses. What an
 * earlier run wrote is rewritten or removed by the new run's OutputFiles(dir, [marker]).
 */
export function prepareOutDir(dir: string, owner: OutDirOwner = PLAN_OUT): void {
    const problem = outDirProblem(dir, process.cwd(), owner);
    if (problem) throw new UsageError(problem);
    const abs = path.resolve(dir);
    makeDir(abs, `--out ${dir}`);
    fs.writeFileSync(path.join(abs, owner.marker), `Written by \`${owner.command}\`: this directory is cleared and rewritten by the next run.\n`);
}
