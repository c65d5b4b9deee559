# Shared by bin/test and bin/demo: PostgreSQL, an Odoo configuration, fresh databases.
# Source it; it defines functions and sets nothing else but the variables below.

PY=${PYTHON:-python3}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN_DIR="$REPO/.run"
PG_USER=${HUBSPOT_PG_USER:-odoo}
PG_PASSWORD=${HUBSPOT_PG_PASSWORD:-odoo}
PG_HOST=${HUBSPOT_PG_HOST:-localhost}
ODOO_CONF="$RUN_DIR/odoo.conf"
# Browser tests start Odoo's HTTP server: two checkouts testing at once need two ports.
HTTP_PORT=${HUBSPOT_HTTP_PORT:-8069}

have_odoo() {
    "$PY" -c 'import odoo.release; assert odoo.release.version_info[0] == 18' >/dev/null 2>&1
}

# PostgreSQL from Debian, started here, with a password role: Odoo refuses the local
# socket when the system user and the role differ, so it connects over localhost.
ensure_postgres() {
    if ! command -v pg_lsclusters >/dev/null 2>&1; then
        if [ "$(id -u)" != 0 ]; then
            echo "PostgreSQL is missing: install it (apt-get install postgresql) or set HUBSPOT_PG_*." >&2
            return 1
        fi
        echo "== installing PostgreSQL from Debian"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    local version
    version=$(pg_lsclusters --no-header | awk 'NR==1 {print $1}')
    if [ -z "$version" ]; then
        version=$(ls /usr/lib/postgresql | sort -n | tail -1)
        pg_createcluster "$version" main >/dev/null
    fi
    if ! pg_lsclusters --no-header | awk -v v="$version" '$1==v && $2=="main"' | grep -q online; then
        pg_ctlcluster "$version" main start
    fi
    if [ "$(id -u)" = 0 ]; then
        su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='$PG_USER'\"" | grep -q 1 ||
            su postgres -c "psql -qc \"CREATE ROLE $PG_USER LOGIN SUPERUSER PASSWORD '$PG_PASSWORD'\""
    fi
}

# Odoo's add-on folders (the packaged odoo/addons, and addons/ of a source checkout)
# plus this repository, written into a configuration file under .run/.
write_odoo_conf() {
    mkdir -p "$RUN_DIR"
    local addons
    addons=$("$PY" - "$REPO" <<'PYEOF'
import os, sys
import odoo.addons
paths = [p for p in odoo.addons.__path__ if os.path.isdir(os.path.join(p, "crm"))]
source_addons = os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "addons")
if not paths and os.path.isdir(os.path.join(source_addons, "crm")):
    paths.append(source_addons)
print(",".join(paths + [sys.argv[1]]))
PYEOF
)
    cat > "$ODOO_CONF" <<CONF
[options]
db_host = $PG_HOST
db_user = $PG_USER
db_password = $PG_PASSWORD
addons_path = $addons
data_dir = $RUN_DIR/data
without_demo = all
http_port = $HTTP_PORT
CONF
}

# A fresh database with the addon; fails when installing logs a WARNING or an ERROR.
fresh_database() {
    local db=$1 log="$RUN_DIR/install-$1.log"
    PGPASSWORD=$PG_PASSWORD dropdb -h "$PG_HOST" -U "$PG_USER" --if-exists "$db" 2>/dev/null
    local start=$SECONDS
    "$PY" -m odoo -c "$ODOO_CONF" -d "$db" -i hubspot_connector --stop-after-init \
        --log-level=info --logfile="$log"
    INSTALL_SECONDS=$((SECONDS - start))
    if grep -E " (WARNING|ERROR|CRITICAL) " "$log"; then
        echo "Installing hubspot_connector logged the lines above." >&2
        return 1
    fi
}
