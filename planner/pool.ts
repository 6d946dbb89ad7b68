/** Bounded parallelism for the planner's Helm runs. */

/**
 * Run tasks with at most `limit` at a time, results in input order. With `cost`, the costliest start
 * first (the longest job started last would set the end time).
 */
export async function pool<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>, cost?: (t: T) => number): Promise<R[]> {
    const results: R[] = new Array(items.length);
    const order = items.map((_, i) => i);
    if (cost) {
        const c = items.map(cost);
        order.sort((a, b) => c[b] - c[a]);
    }
    let next = 0;
    const worker = async () => {
        while (next < order.length) {
            const i = order[next++];
            results[i] = await fn(items[i]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
}
