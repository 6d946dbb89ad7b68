# Installs what the Postgres drills need, shared by `npm run test:ha` (test/ha/drill.sh) and
# `npm run test:dr` (test/dr/dr.sh). Sourced; `ha_setup PATRONI_VERSION POSTGRES_MAJOR [DEBIAN_PACKAGE...]`
# installs (Debian: the stack's postgresql-<major> or the newest Debian has, etcd-server, pgbouncer,
# python3-venv and the extra packages named; PyPI: Patroni at exactly PATRONI_VERSION into
# $HA_CACHE/patroni-<version>) and sets `pg_pkg` (the Debian package), `pg_bin` (its bin directory) and
# `venv` (Patroni's virtualenv). Exits 2 when the installed Patroni is not the one asked for.
ha_setup() {
    local patroni_version="$1" major="$2"; shift 2
    local cache="${HA_CACHE:-/var/cache/kubechat-ha}" p
    sudo_=""
    [ "$(id -u)" -ne 0 ] && sudo_="sudo"
    need=()
    for p in "$@"; do command -v "$p" >/dev/null || need+=("$p"); done
    command -v etcd >/dev/null || need+=(etcd-server)
    command -v pgbouncer >/dev/null && [ -x /usr/sbin/pgbouncer ] || need+=(pgbouncer)
    /usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
    # The stack's Postgres major if Debian has it, else the one Debian has (bookworm: 15).
    pg_pkg="postgresql-$major"
    if ! apt-cache show "$pg_pkg" >/dev/null 2>&1; then
        [ -d /var/lib/apt/lists ] && [ -n "$(ls /var/lib/apt/lists 2>/dev/null | grep -v lock)" ] || $sudo_ apt-get update -qq
    fi
    if ! apt-cache show "$pg_pkg" >/dev/null 2>&1; then
        pg_pkg=$(apt-cache search --names-only '^postgresql-[0-9]+$' | awk '{print $1}' | sort -V | tail -1)
        echo "drill: the stack declares Postgres $major; Debian offers no postgresql-$major here, running ${pg_pkg#postgresql-} instead"
    fi
    [ -x "/usr/lib/postgresql/${pg_pkg#postgresql-}/bin/postgres" ] || need+=("$pg_pkg")
    if [ ${#need[@]} -gt 0 ]; then
        echo "drill: installing ${need[*]}"
        $sudo_ apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    fi
    # Debian starts a default cluster and PgBouncer on install; the drill uses its own ports only.

    venv="$cache/patroni-$patroni_version"
    if ! [ -x "$venv/bin/patroni" ] || [ "$("$venv/bin/patroni" --version 2>/dev/null | awk '{print $2}')" != "$patroni_version" ]; then
        echo "drill: installing Patroni $patroni_version into $venv"
        $sudo_ mkdir -p "$cache"
        $sudo_ rm -rf -- "$venv"
        $sudo_ /usr/bin/python3 -m venv "$venv"
        $sudo_ "$venv/bin/pip" install -q --disable-pip-version-check "patroni[etcd3,kubernetes]==$patroni_version" psycopg2-binary
    fi
    got=$("$venv/bin/patroni" --version | awk '{print $2}')
    if [ "$got" != "$patroni_version" ]; then
        echo "drill: refusing to run: Patroni $got installed, the pinned Spilo ships $patroni_version" >&2
        exit 2
    fi
    pg_bin="/usr/lib/postgresql/${pg_pkg#postgresql-}/bin"
}
