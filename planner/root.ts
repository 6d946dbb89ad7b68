import * as fs from "fs";
import * as path from "path";

/** The project root (where Pulumi.yaml is), also when running from the compiled tree in .build/. */
export const ROOT = (() => {
    for (let dir = __dirname; ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
        if (path.dirname(dir) === dir) throw new Error("Pulumi.yaml not found above " + __dirname);
    }
})();
