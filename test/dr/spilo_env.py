"""The Spilo pod's environment as the disaster-recovery drill derives it from the program's settings
(test/dr/config.ts), shared by the data half (dr.py) and the runbook check (velero.dr.ts, which compares
it with what the real operator gives the pod of a restored cluster):

- `operator_pod_env`: the stack's WAL-G ConfigMap (`walgEnv`) plus the variables operator 2.0.0 adds to
  every Spilo container (SCOPE, PGVERSION, WAL_S3_BUCKET, WAL_BUCKET_SCOPE_*) and, for a clone, its
  clone environment (`operator_clone_env`); the object-store keys are the Secret's and not in it.
- `spilo_walg_env`: Spilo's translation of that environment into WAL-G's (configure_spilo.py).

    python3 test/dr/spilo_env.py <settings.json> <scope> <uid> <pgversion> [<clone.json>]
prints `{"env": operator_pod_env, "secretEnv": the names store_credentials sets}` as JSON (settings: one stack's entry of `config.ts`'s output; clone: `spec.clone`).
"""
import json
import re
import sys


class DrError(Exception):
    pass


# --- Spilo's translation of the pod environment into WAL-G's (configure_spilo.py) ------------------
S3_NAMES = ["WALE_S3_PREFIX", "WALG_S3_PREFIX", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "WALE_S3_ENDPOINT",
            "AWS_ENDPOINT", "AWS_REGION", "AWS_INSTANCE_PROFILE", "WALG_S3_SSE_KMS_ID", "WALG_S3_SSE",
            "WALG_DISABLE_S3_SSE", "AWS_S3_FORCE_PATH_STYLE"]
WALG_NAMES = ["WALG_DELTA_MAX_STEPS", "WALG_DELTA_ORIGIN", "WALG_DOWNLOAD_CONCURRENCY", "WALG_UPLOAD_CONCURRENCY",
              "WALG_UPLOAD_DISK_CONCURRENCY", "WALG_DISK_RATE_LIMIT", "WALG_NETWORK_RATE_LIMIT", "WALG_COMPRESSION_METHOD",
              "USE_WALG_BACKUP", "USE_WALG_RESTORE", "WALG_BACKUP_COMPRESSION_METHOD", "WALG_BACKUP_FROM_REPLICA",
              "WALG_SENTINEL_USER_DATA", "WALG_PREVENT_WAL_OVERWRITE"]


def spilo_walg_env(ph, prefix=""):
    """The envdir Spilo writes for WAL-G (write_wale_environment, S3 branch) from the pod's environment
    `ph`; `prefix` 'CLONE_' for a clone. The WAL path is s3://<bucket>/spilo/<prefix><scope><suffix>/wal/<PGVERSION>."""
    w = {n: ph.get(prefix + n, "") for n in ["SCOPE", "WAL_BUCKET_SCOPE_PREFIX", "WAL_BUCKET_SCOPE_SUFFIX", "WAL_S3_BUCKET",
                                              "BACKUP_NUM_TO_RETAIN"] + S3_NAMES + WALG_NAMES}
    w["PGVERSION"] = ph["PGVERSION"]
    # set_walg_placeholders: USE_WALG_BACKUP/RESTORE follow USE_WALG (Spilo sets CLONE_USE_WALG for S3 clones).
    use_walg = str(ph.get(prefix + "USE_WALG", "true" if prefix == "CLONE_" else ph.get("USE_WALG", ""))).lower()
    for n in ("USE_WALG_BACKUP", "USE_WALG_RESTORE"):
        w[n] = "true" if str(ph.get(prefix + n, use_walg)).lower() == "true" else ""
    if not (w["WAL_S3_BUCKET"] or w["WALE_S3_PREFIX"] or w["WALG_S3_PREFIX"]):
        raise DrError(f"no {prefix}WAL_S3_BUCKET in the pod environment: Spilo would not archive")
    wale_endpoint, aws_endpoint, aws_region = w.pop("WALE_S3_ENDPOINT"), w.pop("AWS_ENDPOINT"), w.pop("AWS_REGION")
    if aws_endpoint or wale_endpoint:
        convention = "path"
        if not wale_endpoint:
            wale_endpoint = aws_endpoint.replace("://", "+path://")
        else:
            m = re.match(r"^(\w+)\+(\w+)(://.+)$", wale_endpoint)
            convention = m.group(2) if m else convention
            aws_endpoint = aws_endpoint or (m.expand(r"\1\3") if m else wale_endpoint)
        w.update(WALE_S3_ENDPOINT=wale_endpoint, AWS_ENDPOINT=aws_endpoint)
        w["WALG_DISABLE_S3_SSE"] = w["WALG_DISABLE_S3_SSE"] or "true"
        w["AWS_S3_FORCE_PATH_STYLE"] = "true" if convention == "path" else "false"
        if aws_region and w["USE_WALG_BACKUP"] == "true":
            w["AWS_REGION"] = aws_region
    else:
        w["AWS_REGION"] = aws_region
    if not (w["AWS_SECRET_ACCESS_KEY"] and w["AWS_ACCESS_KEY_ID"]):
        w["AWS_INSTANCE_PROFILE"] = "true"
    if w["USE_WALG_BACKUP"] and w["WALG_DISABLE_S3_SSE"] != "true" and not w["WALG_S3_SSE"]:
        w["WALG_S3_SSE"] = "AES256"
    if not w["WALE_S3_PREFIX"]:
        w["WALE_S3_PREFIX"] = "s3://{WAL_S3_BUCKET}/spilo/{WAL_BUCKET_SCOPE_PREFIX}{SCOPE}{WAL_BUCKET_SCOPE_SUFFIX}/wal/{PGVERSION}".format(**w)
    w["WALG_S3_PREFIX"] = w["WALG_S3_PREFIX"] or w["WALE_S3_PREFIX"]
    names = S3_NAMES + WALG_NAMES + ([] if prefix else ["BACKUP_NUM_TO_RETAIN"])
    return {n: w[n] for n in names if w.get(n)}


def operator_clone_env(settings, clone):
    """generateCloneEnvironment (operator 2.0.0, pkg/cluster/k8sres.go) for spec.clone with a timestamp:
    the bucket from configAwsOrGcp, the source's uid as scope suffix, CLONE_WITH_WALE and the target."""
    return {
        "CLONE_SCOPE": clone["cluster"],
        "CLONE_WAL_S3_BUCKET": settings["operatorWalBucket"],
        "CLONE_WAL_BUCKET_SCOPE_SUFFIX": "/" + clone["uid"],
        "CLONE_METHOD": "CLONE_WITH_WALE",
        "CLONE_TARGET_TIME": clone["timestamp"],
        "CLONE_WAL_BUCKET_SCOPE_PREFIX": "",
    }


def operator_pod_env(settings, scope, uid, pgversion, clone=None):
    """What a Spilo pod of cluster `scope` (metadata.uid `uid`) gets besides the object-store Secret: the
    stack's WAL-G ConfigMap, the operator's own variables and, for a clone, its clone environment."""
    env = dict(settings["walgEnv"])
    env.update(SCOPE=scope, PGVERSION=str(pgversion), WAL_S3_BUCKET=settings["operatorWalBucket"],
               WAL_BUCKET_SCOPE_SUFFIX="/" + uid, WAL_BUCKET_SCOPE_PREFIX="")
    if clone:
        env.update(operator_clone_env(settings, clone))
    return env


def store_credentials(access, secret):
    """The object-store Secret's keys as the pod's environment (the operator's pod_environment_secret)."""
    return {"AWS_ACCESS_KEY_ID": access, "AWS_SECRET_ACCESS_KEY": secret,
            "CLONE_AWS_ACCESS_KEY_ID": access, "CLONE_AWS_SECRET_ACCESS_KEY": secret}


if __name__ == "__main__":
    if len(sys.argv) not in (5, 6):
        sys.stderr.write(__doc__)
        sys.exit(2)
    with open(sys.argv[1]) as f:
        st = json.load(f)
    cl = None
    if len(sys.argv) == 6:
        with open(sys.argv[5]) as f:
            cl = json.load(f)
    print(json.dumps({"env": operator_pod_env(st, sys.argv[2], sys.argv[3], sys.argv[4], cl),
                      "secretEnv": sorted(store_credentials("", ""))}, sort_keys=True))
