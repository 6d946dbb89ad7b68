/** Waiting in the real tiers: one polling loop for every "until this is there" of the tests. */

/**
 * Polls `probe` every `everyMs` until it returns a value (anything truthy; `undefined`, `false` and
 * other falsy results mean "not yet"), and returns it; after `ms` fails naming `what`, with `tail()`
 * (a log tail, the objects seen) to tell why. `probe` may be asynchronous, and may throw to give up early.
 */
export async function until<T>(what: string, ms: number, probe: () => T | undefined | false | Promise<T | undefined | false>, tail: () => string, everyMs = 1000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
        const v = await probe();
        if (v) return v;
        if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000}s\n${tail()}`);
        await new Promise((r) => setTimeout(r, everyMs));
    }
}
