/** The forward link's private CA (components/observability/forward-ca.ts), checked by node and by OpenSSL. */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { X509Certificate, createPrivateKey } from "crypto";
import { newForwardCa } from "../../components/observability/forward-ca";

describe("forward CA", () => {
    const now = new Date(Date.UTC(2026, 10, 29, 12, 0, 0));
    let ca: { cert: string; key: string };
    before(async () => { ca = await newForwardCa("fluentd-forward-ca", now); });

    it("is a self-signed v3 CA certificate for its own RSA key, valid for 100 years", () => {
        const x = new X509Certificate(ca.cert);
        assert.strictEqual(x.ca, true);
        assert.strictEqual(x.subject, "CN=fluentd-forward-ca");
        assert.strictEqual(x.issuer, x.subject);
        assert.ok(x.verify(x.publicKey), "signed by its own key");
        assert.ok(x.checkPrivateKey(createPrivateKey(ca.key)), "certificate and key belong together");
        assert.strictEqual(new Date(x.validFrom).getTime(), now.getTime() - 3600_000);
        assert.strictEqual(new Date(x.validTo).getUTCFullYear(), 2126);
        // PKCS#1, the form OpenSSL::PKey::RSA.new (Fluentd's CA key loader) reads.
        assert.match(ca.key, /^-----BEGIN RSA PRIVATE KEY-----\n/);
    });

    it("is a CA OpenSSL accepts: a server certificate it signs (as Fluentd does at start) verifies against it", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forward-ca-"));
        try {
            const f = (n: string) => path.join(dir, n);
            fs.writeFileSync(f("ca.crt"), ca.cert);
            fs.writeFileSync(f("ca.key"), ca.key, { mode: 0o600 });
            fs.writeFileSync(f("ext.cnf"), "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
            const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] }).toString();
            openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", f("server.key"), "-subj", "/CN=fluentd", "-out", f("server.csr"));
            openssl("x509", "-req", "-in", f("server.csr"), "-CA", f("ca.crt"), "-CAkey", f("ca.key"), "-set_serial", "2", "-days", "1", "-sha256", "-extfile", f("ext.cnf"), "-out", f("server.crt"));
            assert.match(openssl("verify", "-x509_strict", "-CAfile", f("ca.crt"), f("server.crt")), /server\.crt: OK/);
            // A certificate from another CA does not verify.
            const other = await newForwardCa("other");
            fs.writeFileSync(f("other.crt"), other.cert);
            assert.throws(() => openssl("verify", "-CAfile", f("other.crt"), f("server.crt")));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("is new each time (one CA per stack, kept by the Secret's ignoreChanges)", async () => {
        assert.notStrictEqual((await newForwardCa("x")).key, ca.key);
    });
});
