/** Pure helpers for tests that scan whole values (plan inputs, chart values). */

/** Every string anywhere in a value, with its path (`at.key[0]...`). */
export function stringsWithPaths(v: unknown, at = "", out: [string, string][] = []): [string, string][] {
    if (typeof v === "string") out.push([at, v]);
    else if (Array.isArray(v)) v.forEach((x, i) => stringsWithPaths(x, `${at}[${i}]`, out));
    else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) stringsWithPaths(x, `${at}.${k}`, out);
    return out;
}

/** Every string anywhere in a value. */
export function strings(v: unknown): string[] {
    return stringsWithPaths(v).map(([, s]) => s);
}
