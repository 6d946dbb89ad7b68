#!/usr/bin/env node
/**
 * The Node.js the project runs on: at least the major of package.json `engines.node` (what
 * @pulumi/pulumi requires). The devDependency `node` puts that Node first on PATH for `npm run` and
 * `npx`; a command started some other way with an older system Node stops here with the fix, instead
 * of failing later in the SDK.
 *
 *   node scripts/node-version.js     exit 0, or 2 with the reason
 */
"use strict";
const path = require("path");

/** The message for a Node that is too old, or undefined when `version` (e.g. "v22.1.0") is new enough. */
function tooOld(version, engines) {
    const min = Number(/^>=\s*(\d+)/.exec(engines)?.[1]);
    if (!Number.isInteger(min)) throw new Error(`package.json engines.node "${engines}": expected ">=<major>"`);
    const major = Number(/^v?(\d+)/.exec(version)?.[1]);
    if (major >= min) return undefined;
    return `this project needs Node.js ${min} or newer (engines.node "${engines}"), but ${version} runs here. ` +
        `Start commands through npm (npm run <script>, npx <bin>), which puts node_modules/.bin/node ` +
        `(the devDependency node@${min}) first on PATH, or: export PATH="$PWD/node_modules/.bin:$PATH"`;
}

function engines() {
    return require(path.join(__dirname, "..", "package.json")).engines.node;
}

/** Stops the process (exit 2) on a Node older than engines.node. */
function requireSupportedNode() {
    const msg = tooOld(process.version, engines());
    if (msg) {
        console.error(`error: ${msg}`);
        process.exit(2);
    }
}

module.exports = { tooOld, engines, requireSupportedNode };
if (require.main === module) requireSupportedNode();
