/**
 * npm run gen:config — rewrites the generated files (planner/config-reference.ts): the `config:`
 * section of Pulumi.yaml, the config reference in docs/configuration.md, policies/config/<stack>.json
 * and the rule table of policies/README.md. A test fails when any of them is out of date.
 * Exit codes (planner/README.md): 0 written; 2 bad usage or an invalid stack file.
 */
import { parseArgs } from "../planner/cli/args";
import { EXIT, command, startWhenMain } from "../planner/cli/exit";
import { CONFIG_DOC, regenerate } from "../planner/config-reference";

export const USAGE = "usage: npm run gen:config";

/** Regenerates the files; `--help` says which. */
export const run = command((argv, io) => {
    if (parseArgs(argv, { usage: USAGE }) === "help") {
        io.out(`${USAGE}\n\nRegenerates Pulumi.yaml's config: section, ${CONFIG_DOC} and policies/config/<stack>.json from\ncomponents/config/schema.ts and the stack files, and the rule table of policies/README.md from the\npolicies (a test fails when they drift).`);
        return EXIT.ok;
    }
    regenerate();
    io.out(`Pulumi.yaml, ${CONFIG_DOC}, policies/config/*.json and the rule table of policies/README.md regenerated`);
    return EXIT.ok;
});

startWhenMain(module, run);
