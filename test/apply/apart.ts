/**
 * test:apply runs its two groups side by side (run.sh), but the speed check compares two timed
 * operations, a stack's first `pulumi up` and the plain way, which must see the same machine for their
 * ratio to mean anything. Each timed operation runs holding one lock, and the other group holds the same
 * lock for each of its heavy steps (building and installing the offline bundle, each upgrade), so no
 * timed operation overlaps them; the rest of both groups still overlaps. run.sh names the lock in
 * KUBECHAT_APPLY_APART_LOCK when the groups run side by side; without it (one group, or
 * KUBECHAT_APPLY_SERIAL=1) `apart` just runs `fn`.
 */
import { withLockAsync } from "../real/tools/report-file";

/** The longest one group's heavy step holds the lock (an upgrade on a loaded machine). */
const WAIT_MS = 30 * 60 * 1000;

export async function apart<T>(fn: () => Promise<T>): Promise<T> {
    const lock = process.env.KUBECHAT_APPLY_APART_LOCK;
    return lock ? withLockAsync(lock, fn, WAIT_MS) : fn();
}
