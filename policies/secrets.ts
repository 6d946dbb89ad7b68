/**
 * Values that are secrets by their content, whatever the key holding them is called: the detectors
 * behind `no-literal-secrets`. Each names what it found, never the value. Public material (PEM
 * certificates, public keys) is not a secret and is cut out before the token detectors run, so a CA
 * bundle in a ConfigMap passes.
 */

export interface SecretFinding {
    /** What was found, for messages: "a PEM private key", "an AWS access key id". */
    what: string;
}

/** Characters of standard and URL-safe base64, used to find whole tokens (not slices of longer runs). */
const B64 = "A-Za-z0-9+/";
const token = (body: string, edge = `${B64}=`) => new RegExp(`(?<![${edge}])${body}(?![${edge}])`);

/**
 * Any private-key marker: PEM blocks PKCS#1 (RSA/EC/DSA), PKCS#8 (also encrypted; OCI API keys), OpenSSH,
 * PGP, in every form the peers accept (Polaris: `-BEGIN\s+.*PRIVATE KEY-`, case-insensitive): any number
 * of dashes, any whitespace, lower case.
 */
const PEM_PRIVATE_KEY = /-+\s*BEGIN\s+(?:[A-Z0-9]+\s+)*PRIVATE\s+KEY(?:\s+BLOCK)?\s*-/i;
/** Public PEM blocks (certificates, public keys, CSRs) cut out before the token detectors run. */
const PEM_PUBLIC_BLOCK = /-----BEGIN (CERTIFICATE|PUBLIC KEY|RSA PUBLIC KEY|CERTIFICATE REQUEST|X509 CRL|TRUSTED CERTIFICATE)-----[\s\S]*?-----END \1-----/g;

/** AWS access key ids: a 4-letter type prefix and 16 upper-case base32 characters (IAM user, STS, ...). */
const AWS_ACCESS_KEY_ID = token("(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z2-7]{16}", "A-Za-z0-9");
/** 40 base64 characters with upper, lower and digits: the shape of an AWS secret access key. */
const AWS_SECRET_SHAPE = /^(?=[^]*[A-Z])(?=[^]*[a-z])(?=[^]*[0-9])[A-Za-z0-9+/]{40}$/;
const AWS_SECRET_ASSIGNED = new RegExp(`(?:aws_?secret_?access_?key|secret_?access_?key|SecretAccessKey)["']?\\s*[:=]\\s*["']?([${B64}]{40})(?![${B64}=])`, "i");
/** Azure storage account and Batch account keys: 64 random bytes, base64 = 86 characters and "==". */
const AZURE_KEY_SHAPE = new RegExp(`^[${B64}]{86}==$`);
const AZURE_KEY_ASSIGNED = new RegExp(`(?:AccountKey|SharedAccessKey|accountKey|batch_?account_?key|storage_?account_?key)["']?\\s*[:=]\\s*["']?[${B64}]{86}==`, "i");
/** OCI config file with the API signing key inline. */
const OCI_KEY_CONTENT = /(?:^|\n)\s*key_content\s*=\s*\S/;
/** A JSON Web Token: base64url header and payload that both start as a JSON object ({" = eyJ), then a signature (may be empty). */
const JWT = token("eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]*", "A-Za-z0-9_.-");

/**
 * Secrets found in one value. Whole-value shapes (a bare 40- or 88-character key) count only when the
 * value is nothing else; inside longer text they count when assigned to a key that names them.
 */
export function findSecrets(value: string): SecretFinding[] {
    const out: SecretFinding[] = [];
    if (PEM_PRIVATE_KEY.test(value)) out.push({ what: "a PEM private key" });
    if (OCI_KEY_CONTENT.test(value)) out.push({ what: "OCI API key content (key_content)" });
    const text = value.replace(PEM_PUBLIC_BLOCK, "");
    const bare = text.trim();
    if (AWS_ACCESS_KEY_ID.test(text)) out.push({ what: "an AWS access key id" });
    if (AWS_SECRET_SHAPE.test(bare) || AWS_SECRET_ASSIGNED.test(text)) out.push({ what: "an AWS secret access key" });
    if (AZURE_KEY_SHAPE.test(bare) || AZURE_KEY_ASSIGNED.test(text)) out.push({ what: "an Azure storage or Batch account key" });
    if (JWT.test(text)) out.push({ what: "a JSON Web Token" });
    return out;
}

/** binaryData values are base64: judge the decoded text. */
export function findSecretsInBase64(value: string): SecretFinding[] {
    return findSecrets(Buffer.from(value, "base64").toString("utf8"));
}
