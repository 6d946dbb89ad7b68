/**
 * The private CA of the Fluent Bit -> Fluentd forward link (pure; node's crypto only, no provider).
 *
 * Fluentd's forward input, given `ca_cert_path` and `ca_private_key_path`, signs a fresh RSA server
 * certificate with this CA at each start (fluentd plugin_helper/cert_option.rb,
 * `cert_option_generate_server_pair_by_ca`, which reads the CA key with `OpenSSL::PKey::RSA.new`: the
 * key is RSA for that reason), and Fluent Bit verifies the server against the CA certificate
 * (`tls.verify On`, `tls.ca_file`). Only a holder of the CA key — Fluentd's pod, and Pulumi state,
 * where it is a secret — can present a certificate Fluent Bit accepts.
 *
 * Node can create keys but not certificates, so the self-signed CA certificate is encoded here (X.509
 * v3, RFC 5280): a small DER writer, the TBSCertificate, and an RSA-SHA256 signature by node's crypto.
 * The unit test parses it back with node's X509Certificate and has OpenSSL verify a leaf it signs.
 */
import { createHash, createPublicKey, generateKeyPair, KeyObject, randomBytes, sign } from "crypto";
import { promisify } from "util";

/** DER: tag, length, content. */
function der(tag: number, content: Buffer): Buffer {
    const n = content.length;
    const len = n < 0x80 ? Buffer.from([n]) : (() => {
        const bytes: number[] = [];
        for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
        return Buffer.from([0x80 | bytes.length, ...bytes]);
    })();
    return Buffer.concat([Buffer.from([tag]), len, content]);
}

const seq = (...parts: Buffer[]) => der(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => der(0x31, Buffer.concat(parts));
const explicit = (n: number, inner: Buffer) => der(0xa0 + n, inner);

function oid(dotted: string): Buffer {
    const [a, b, ...rest] = dotted.split(".").map(Number);
    const out = [40 * a + b];
    for (const v of rest) {
        const chunk = [v & 0x7f];
        for (let x = v >> 7; x > 0; x >>= 7) chunk.unshift((x & 0x7f) | 0x80);
        out.push(...chunk);
    }
    return der(0x06, Buffer.from(out));
}

/** A positive INTEGER from big-endian bytes (a leading 0x00 when the top bit is set). */
function integer(bytes: Buffer): Buffer {
    return der(0x02, bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

/** UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
function time(d: Date): Buffer {
    const iso = d.toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z"; // YYYYMMDDHHMMSSZ
    return d.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(iso.slice(2))) : der(0x18, Buffer.from(iso));
}

const SHA256_WITH_RSA = seq(oid("1.2.840.113549.1.1.11"), der(0x05, Buffer.alloc(0)));

/** A Name with one CN. */
const name = (cn: string) => seq(set(seq(oid("2.5.4.3"), der(0x0c, Buffer.from(cn, "utf8")))));

const extension = (id: string, critical: boolean, value: Buffer) =>
    seq(oid(id), ...(critical ? [der(0x01, Buffer.from([0xff]))] : []), der(0x04, value));

/** A self-signed CA certificate (PEM) for `key`: CA:TRUE, pathlen 0, keyCertSign + cRLSign. */
export function selfSignedCaCertificate(commonName: string, key: KeyObject, notBefore: Date, notAfter: Date): string {
    const spki = createPublicKey(key).export({ type: "spki", format: "der" });
    // Key identifier: SHA-1 of the SubjectPublicKeyInfo (any value unique to the key serves, RFC 5280 4.2.1.2).
    const keyId = createHash("sha1").update(spki).digest();
    const serial = randomBytes(16);
    serial[0] &= 0x7f;
    const tbs = seq(
        explicit(0, integer(Buffer.from([2]))), // v3
        integer(serial),
        SHA256_WITH_RSA,
        name(commonName),
        seq(time(notBefore), time(notAfter)),
        name(commonName),
        spki,
        explicit(3, seq(
            extension("2.5.29.19", true, seq(der(0x01, Buffer.from([0xff])), integer(Buffer.from([0])))), // basicConstraints CA:TRUE, pathlen 0
            extension("2.5.29.15", true, der(0x03, Buffer.from([0x01, 0x06]))), // keyUsage keyCertSign, cRLSign
            extension("2.5.29.14", false, der(0x04, keyId)), // subjectKeyIdentifier
        )),
    );
    const signature = sign("sha256", tbs, key);
    const cert = seq(tbs, SHA256_WITH_RSA, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
    const b64 = cert.toString("base64").replace(/(.{64})/g, "$1\n").trimEnd();
    return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/**
 * A new CA: RSA 2048 key (PKCS#1 PEM, as `OpenSSL::PKey::RSA.new` reads it) and its certificate, valid
 * 100 years. The key is generated on libuv's thread pool (about 0.3 s of CPU), so every plan and
 * `pulumi up` goes on registering resources meanwhile instead of waiting for it.
 */
export async function newForwardCa(commonName: string, now = new Date()): Promise<{ cert: string; key: string }> {
    const { privateKey } = await promisify(generateKeyPair)("rsa", { modulusLength: 2048 });
    const notBefore = new Date(now.getTime() - 3600_000);
    const notAfter = new Date(Date.UTC(now.getUTCFullYear() + 100, now.getUTCMonth(), now.getUTCDate()));
    return {
        cert: selfSignedCaCertificate(commonName, privateKey, notBefore, notAfter),
        key: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    };
}
