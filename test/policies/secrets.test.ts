/** Secret content detectors: each kind is found whatever the key is called; public material and look-alikes pass. */
import * as assert from "assert";
import { findSecrets, findSecretsInBase64 } from "../../policies/secrets";
import { SECRET_SAMPLES } from "./fixtures";

const { PEM, AWS_ID, AWS_STS_ID, AWS_SECRET, AZURE_KEY, JWT_TOKEN } = SECRET_SAMPLES;
const what = (v: string) => findSecrets(v).map((f) => f.what);

describe("secret content detectors", () => {
    it("PEM private keys of every flavour (PKCS#1, PKCS#8, encrypted, OpenSSH, EC, PGP)", () => {
        for (const l of ["RSA PRIVATE KEY", "PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY", "PGP PRIVATE KEY BLOCK"]) {
            assert.deepStrictEqual(what(`config:\n${PEM(l)}`), ["a PEM private key"], l);
        }
    });

    it("certificates and public keys are not secrets, and are not mistaken for tokens", () => {
        const ca = PEM("CERTIFICATE").replace("Qk", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCd\n");
        assert.deepStrictEqual(what(ca + PEM("PUBLIC KEY")), []);
    });

    it("AWS access key ids (IAM and STS prefixes) anywhere in a value", () => {
        assert.deepStrictEqual(what(AWS_ID), ["an AWS access key id"]);
        assert.deepStrictEqual(what(`[default]\naws_access_key_id = ${AWS_STS_ID}\n`), ["an AWS access key id"]);
        assert.deepStrictEqual(what(`X${AWS_ID}`), [], "a longer word is not a key id");
    });

    it("AWS secret access keys: a bare 40-character key, or one assigned to a key that names it", () => {
        assert.deepStrictEqual(what(AWS_SECRET), ["an AWS secret access key"]);
        assert.deepStrictEqual(what(`aws_secret_access_key = ${AWS_SECRET}\nregion = us-east-1`), ["an AWS secret access key"]);
        assert.deepStrictEqual(what("da39a3ee5e6b4b0d3255bfef95601890afd80709"), [], "a SHA-1 (lower-case hex) is not a key");
        assert.deepStrictEqual(what(`note: ${AWS_SECRET} in prose is not judged`), []);
    });

    it("Azure storage and Batch account keys, bare or in a connection string", () => {
        assert.deepStrictEqual(what(AZURE_KEY), ["an Azure storage or Batch account key"]);
        assert.deepStrictEqual(what(`DefaultEndpointsProtocol=https;AccountName=x;AccountKey=${AZURE_KEY};EndpointSuffix=core.windows.net`),
            ["an Azure storage or Batch account key"]);
    });

    it("OCI config with the key inline", () => {
        assert.deepStrictEqual(what("[DEFAULT]\nuser=ocid1.user.oc1..aaaa\nkey_content=MIIEvQIBADANBg\n"), ["OCI API key content (key_content)"]);
        assert.deepStrictEqual(what("[DEFAULT]\nkey_file=~/.oci/key.pem\n"), []);
    });

    it("JSON Web Tokens, signed or not", () => {
        assert.deepStrictEqual(what(JWT_TOKEN), ["a JSON Web Token"]);
        assert.deepStrictEqual(what(`Authorization: Bearer ${JWT_TOKEN.replace(/[^.]+$/, "")}`), ["a JSON Web Token"]);
        assert.deepStrictEqual(what("eyJhbGciOi is only a prefix"), []);
    });

    it("binaryData is judged decoded", () => {
        assert.deepStrictEqual(findSecretsInBase64(Buffer.from(PEM("PRIVATE KEY")).toString("base64")).map((f) => f.what), ["a PEM private key"]);
        assert.deepStrictEqual(findSecretsInBase64(Buffer.from("plain settings").toString("base64")), []);
    });

    it("ordinary configuration passes", () => {
        for (const v of ["info", "https://kubechat-db-pooler.kubechat-data.svc:5432", "sha256:" + "a".repeat(64), "[SERVICE]\n    Flush 5\n", "10.0.0.0/8"]) {
            assert.deepStrictEqual(what(v), [], v);
        }
    });
});
