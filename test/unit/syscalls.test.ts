import * as assert from "assert";
import { executed, loopbackDestinations, outsideAttempts } from "../apply/syscalls";

// Lines in the form strace 6.1 prints them with -f (recorded from a Node process dialling each address).
const LOG = [
    `24576 execve("/opt/bundle/plugins/bin/pulumi-resource-kubernetes", ["pulumi-resource-kubernetes"], 0x7ffd /* 35 vars */) = 0`,
    `24577 execve("/usr/local/bin/pulumi-resource-kubernetes", ["pulumi-resource-kubernetes"], 0x7ffd /* 35 vars */) = -1 ENOENT (No such file or directory)`,
    `24576 connect(22, {sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS (Operation now in progress)`,
    `24576 connect(23, {sa_family=AF_INET6, sin6_port=htons(9), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = -1 EINPROGRESS (Operation now in progress)`,
    `24576 connect(3, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT (No such file or directory)`,
];
const OUTSIDE = [
    `24576 connect(24, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("10.1.2.3")}, 16) = -1 ENETUNREACH (Network is unreachable)`,
    `24576 sendmsg(25, {msg_name={sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("192.0.2.1")}, msg_namelen=16, msg_iov=[{iov_base="x", iov_len=1}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, 0) = 1`,
    `24578 connect(26, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "2606:4700::1", &sin6_addr), sin6_scope_id=0}, 28 <unfinished ...>`,
];

describe("syscall log: what a process tree dialled and ran (test/apply/syscalls.ts)", () => {
    it("loopback and Unix sockets only: no outside attempt; the loopback destinations listed", () => {
        const log = LOG.join("\n");
        assert.deepStrictEqual(outsideAttempts(log), []);
        assert.deepStrictEqual(loopbackDestinations(log), ["127.0.0.1:9", "::1:9"]);
    });

    it("an attempt beyond loopback is reported, whether it failed, was a datagram or is unfinished", () => {
        assert.deepStrictEqual(outsideAttempts([...LOG, ...OUTSIDE].join("\n")), [
            "10.1.2.3:443 (connect = -1 ENETUNREACH (Network is unreachable))",
            "192.0.2.1:53 (sendmsg = 1)",
            "2606:4700::1:443 (connect = ?)",
        ]);
    });

    it("programs started: only successful execve calls", () => {
        assert.deepStrictEqual(executed(LOG.join("\n")), ["/opt/bundle/plugins/bin/pulumi-resource-kubernetes"]);
    });
});
