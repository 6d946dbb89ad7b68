/** A stack's settings read straight from its stack file, schema only (`npm run ha:config`, the failover and DR drills). */
import * as path from "path";
import { decodeStackValues, parseSchema } from "../../components/config";
import { ROOT } from "../root";
import { readStackFile } from "./stack-file";

/** The stack's `kubechat:*` settings with defaults (schema only: these settings need none of the cross-stack checks). */
export function stackConfig(stack: string) {
    const { config } = readStackFile(path.join(ROOT, `Pulumi.${stack}.yaml`));
    return parseSchema(decodeStackValues(config).raw);
}

/** The stack's `kubechat:postgres` with defaults. */
export function stackPostgres(stack: string) {
    return stackConfig(stack).postgres;
}
