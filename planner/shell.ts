/** Quote a word for bash when it holds anything beyond plain path characters (the scripts commands print). */
export function shq(word: string): string {
    return /^[A-Za-z0-9_./:@=+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
