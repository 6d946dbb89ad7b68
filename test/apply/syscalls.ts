/**
 * What a process tree tried to reach and what it ran, read from an `strace -f` log of the `connect`,
 * `sendto`, `sendmsg`, `sendmmsg` and `execve` calls (pure: text in, findings out). The offline-install
 * check uses it to show that nothing tried to leave the machine, and which provider binary ran.
 */

export interface NetAttempt {
    family: "AF_INET" | "AF_INET6";
    address: string;
    port: number;
    /** The call and its result as strace printed them (e.g. `connect ... = -1 ENETUNREACH`). */
    call: string;
}

const INET = /sa_family=AF_INET, sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)/g;
const INET6 = /sa_family=AF_INET6, sin6_port=htons\((\d+)\),[^}]*?inet_pton\(AF_INET6, "([^"]+)"/g;

/** Every IPv4/IPv6 destination a traced call named (a call on a connected socket names none). */
export function netAttempts(strace: string): NetAttempt[] {
    const out: NetAttempt[] = [];
    for (const line of strace.split("\n")) {
        const call = /^\s*(?:\[pid\s+)?\d*\]?\s*(connect|sendto|sendmsg|sendmmsg)\(/.exec(line)?.[1];
        if (!call) continue;
        const result = /\)\s*=\s*(.*)$/.exec(line)?.[1]?.trim() ?? "?";
        for (const m of line.matchAll(INET)) out.push({ family: "AF_INET", address: m[2], port: Number(m[1]), call: `${call} = ${result}` });
        for (const m of line.matchAll(INET6)) out.push({ family: "AF_INET6", address: m[2], port: Number(m[1]), call: `${call} = ${result}` });
    }
    return out;
}

/** Loopback: 127.0.0.0/8, ::1, and IPv4-mapped loopback. */
export function isLoopback(address: string): boolean {
    return /^127\.\d+\.\d+\.\d+$/.test(address) || address === "::1" || /^::ffff:127\.\d+\.\d+\.\d+$/i.test(address);
}

/** The attempts that aimed beyond loopback, as `address:port (call = result)`, each once. */
export function outsideAttempts(strace: string): string[] {
    return [...new Set(netAttempts(strace).filter((a) => !isLoopback(a.address)).map((a) => `${a.address}:${a.port} (${a.call})`))].sort();
}

/** The loopback destinations, as `address:port`, each once. */
export function loopbackDestinations(strace: string): string[] {
    return [...new Set(netAttempts(strace).filter((a) => isLoopback(a.address)).map((a) => `${a.address}:${a.port}`))].sort();
}

/** Paths of the programs that were started successfully (`execve(...) = 0`). */
export function executed(strace: string): string[] {
    const out = new Set<string>();
    for (const line of strace.split("\n")) {
        const m = /execve\("([^"]+)",.*\)\s*=\s*0\s*$/.exec(line);
        if (m) out.add(m[1]);
    }
    return [...out].sort();
}
