/** Reading chart archives (.tgz) in process: no tar binary, no temporary files. */
import * as fs from "fs";
import * as zlib from "zlib";

/** Files of a tar stream (ustar, GNU long names, pax paths), name -> content; `want` filters names before they are copied. A cut-off stream yields what it holds. */
export function tarFiles(tar: Buffer, want: (name: string) => boolean): Map<string, Buffer> {
    const out = new Map<string, Buffer>();
    let longName: string | undefined;
    for (let p = 0; p + 512 <= tar.length;) {
        const header = tar.subarray(p, p + 512);
        if (header.every((b) => b === 0)) break;
        const field = (o: number, n: number) => header.toString("utf8", o, o + n).replace(/\0.*$/s, "");
        const size = parseInt(field(124, 12).trim() || "0", 8);
        const type = field(156, 1);
        const prefix = field(345, 155);
        const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
        longName = undefined;
        const data = tar.subarray(p + 512, p + 512 + size);
        if (type === "L") longName = data.toString("utf8").replace(/\0.*$/s, "");
        else if (type === "x") {
            const m = /\d+ path=([^\n]*)\n/.exec(data.toString("utf8"));
            if (m) longName = m[1];
        } else if ((type === "0" || type === "") && want(name) && data.length === size) out.set(name, Buffer.from(data));
        p += 512 + Math.ceil(size / 512) * 512;
    }
    return out;
}

/** Files of a .tgz (gzip + ustar), name -> content; `want` filters names before they are copied. */
export function readTgz(file: string, want: (name: string) => boolean): Map<string, Buffer> {
    return tarFiles(zlib.gunzipSync(fs.readFileSync(file)), want);
}
