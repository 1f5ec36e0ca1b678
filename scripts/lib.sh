# Shared set-up steps for scripts/run.sh and scripts/test.sh. Each step installs what is missing and
# does nothing when it is already there, so both commands work on this machine kind and on a bare
# Debian machine with only Python.

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
    if [ -z "${_APT_UPDATED:-}" ]; then
        as_root apt-get update -qq
        _APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

ensure_uv() {
    export PATH="$HOME/.local/bin:$PATH"
    command -v uv >/dev/null 2>&1 && return 0
    echo "==> installing uv"
    if ! python3 -m pip --version >/dev/null 2>&1; then
        apt_install python3-pip
    fi
    python3 -m pip install --user --quiet uv 2>/dev/null \
        || python3 -m pip install --user --quiet --break-system-packages uv
    command -v uv >/dev/null 2>&1 || { echo "uv could not be installed" >&2; exit 1; }
}

ensure_packages() {
    echo "==> installing Python packages (uv sync)"
    uv sync --all-packages --locked --quiet
}

port_open() {
    python3 - "$1" <<'PY'
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
except OSError:
    sys.exit(1)
PY
}

ensure_postgres() {
    if port_open 5432; then return 0; fi
    echo "==> PostgreSQL is not running on 127.0.0.1:5432; starting it"
    if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
        apt_install postgresql
    fi
    local version
    version=$(ls /etc/postgresql | sort -V | tail -1)
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || as_root pg_ctlcluster "$version" main start
    for _ in $(seq 50); do port_open 5432 && break; sleep 0.2; done
    # A fresh Debian cluster wants a password over TCP; give the test role one.
    as_root su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
    export SUQIAN_TEST_PG_ADMIN_URL="${SUQIAN_TEST_PG_ADMIN_URL:-postgresql://postgres:postgres@127.0.0.1:5432/postgres}"
}

ensure_redis() {
    # The health tests start a private redis-server to stop it, so the binary must be here too.
    command -v redis-server >/dev/null 2>&1 || apt_install redis-server
    if port_open 6379; then return 0; fi
    echo "==> Redis is not running on 127.0.0.1:6379; starting it"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
        --dir /tmp --logfile /tmp/suqian-redis.log
    for _ in $(seq 50); do port_open 6379 && break; sleep 0.1; done
}

ensure_chromium() {
    # The hall display board's browser test (tests/smoke/test_queues_embedded.py) drives Debian's
    # chromium through Debian's chromedriver; nothing is downloaded at run time.
    command -v chromedriver >/dev/null 2>&1 || apt_install chromium chromium-driver
    # A Chinese font, so the console's screenshots show 宿迁's names rather than empty boxes.
    [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || apt_install fonts-wqy-microhei
}

ensure_node() {
    # The client kits' tests (tests/clients): tsc over the generated TypeScript types, and the
    # JavaScript frame signer run under Node. Debian's nodejs and npm; npm ci installs the locked
    # packages of clients/typescript from the npm registry, like uv sync does the Python ones.
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && return 0
    echo "==> installing Node (nodejs, npm)"
    apt_install nodejs npm
}
