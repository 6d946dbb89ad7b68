/** promtool for the upstream tests that evaluate alert rules (Debian's prometheus package, installed when missing, as the HA drill installs its packages). */
import { execFileSync, spawnSync } from "child_process";

export function ensurePromtool(): void {
    if (spawnSync("promtool", ["--version"]).status === 0) return;
    const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
    const apt = (args: string[]) => execFileSync(sudo[0] ?? "apt-get", [...(sudo.length ? ["apt-get"] : []), ...args], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    apt(["update", "-qq"]);
    apt(["install", "-y", "-qq", "--no-install-recommends", "prometheus"]);
}

