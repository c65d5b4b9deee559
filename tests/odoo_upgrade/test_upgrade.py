"""A database of a previous release, synced, upgrades to this checkout and loses nothing.

For each previous release (taken from git history with ``git archive``, never from a
copy): a database with the addon of that release is synced with two sandbox portals
(one per company; their HubSpot ids overlap, as two real portals' do) until the sync
is idle, with some unfinished business left behind (an edit HubSpot refused, waiting
in the queue; open issues; journal entries). Then ``-u hubspot_connector`` with the
checkout's code, and:

1. every link is kept: per company, the (Odoo id, HubSpot id) pairs of partners and
   opportunities, read before with SQL on the release's columns and after through the
   checkout's public ``hubspot_id`` field;
2. the sync state and the snapshot of every record are kept;
3. job states, the journal, the queue and the sync issues are kept;
4. the next run of the jobs asks HubSpot no more than an idle run of the previous
   release did, creates nothing in HubSpot nor in Odoo, and leaves no HubSpot id linked
   twice.

Runs where bin/test names a database for it (``HUBSPOT_UPGRADE_DB``: a prefix, the
databases made are ``<prefix>_base`` and ``<prefix>_from_<release>``) with the Odoo
configuration ``HUBSPOT_ODOO_CONF`` (whose add-on path has this checkout).

The functions under "Reading the upgraded database" are the only place that knows
where the checkout keeps links and sync states: a redesign that moves them adapts
those functions, and every check follows.
"""

import ast
import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from odoo_steps import is_write

from hubspot_sandbox import SandboxServer
from hubspot_sandbox.demo_data import generate

REPO = Path(__file__).resolve().parents[2]
STEPS = Path(__file__).with_name("odoo_steps.py")
# (commit, the release its manifest says): the releases a database may come from.
RELEASES = [("ac6adad", "18.0.1.2.0"), ("b840098", "18.0.1.1.0"), ("67a6d3c", "18.0.1.0.0")]
# One portal per company (the main company keeps its name): a small demo is enough.
PORTALS = [
    dict(company=None, contacts=30, deals=10, seed=1, tagged=6, opportunities=3),
    dict(company="Zweite GmbH", contacts=12, deals=4, seed=2, tagged=3, opportunities=2),
]
PARAMS = {"hubspot_connector.requests_per_10s": 1000, "hubspot_connector.page_size": 25}
MODELS = {"res.partner": "res_partner", "crm.lead": "crm_lead"}
# Object types the checkout syncs that the previous releases did not: their first pull
# is new work, not idle cost, and their records are new in Odoo.
NEW_TYPES = ("companies",)
# Per-record columns of the previous releases, compared besides the state and snapshot.
LINK_DETAILS = (
    "hubspot_updated_at",
    "hubspot_changed_at",
    "hubspot_error_kind",
    "hubspot_last_error",
    "hubspot_note",  # 18.0.1.1.0 on
    "hubspot_waiting",  # 18.0.1.1.0 on
    "hubspot_lead_status",  # partners
    "hubspot_lifecycle_stage",  # partners
)
LOG_LINE = re.compile(r"^\S+ \S+ \d+ (?P<level>[A-Z]+) \S+ (?P<logger>[\w.]+): (?P<message>.*)")


# ----------------------------------------------------------------------
# Reading the upgraded database: what a redesign adapts
# ----------------------------------------------------------------------


def links_after(env, model, company):
    """``{record id: HubSpot id}`` of the ``model`` records linked in ``company``'s portal.

    ``hubspot_id`` is the public field: read for a company, it shows the record's
    binding in that company's portal.
    """
    records = env[model].with_company(company).with_context(active_test=False)
    linked = records.search([("hubspot_id", "!=", False)])
    if "hubspot_company_binding_ids" in linked._fields:
        # Company partners of HubSpot companies, a type the previous releases lacked.
        linked = linked.filtered(lambda record: not record.hubspot_company_binding_ids)
    return {record.id: record.hubspot_id for record in linked}


def sync_state_after(record):
    """The sync state of ``record`` (browsed for the company whose portal it syncs with)."""
    return record.hubspot_sync_state or None


def snapshot_after(record):
    """The values both sides agreed on at the last sync of ``record`` (same company)."""
    return record._hubspot_binding().synced_values or None


# Where the binding keeps what the previous releases kept in the record's own columns.
BINDING_FIELDS = {
    "hubspot_updated_at": "hubspot_updated_at",
    "hubspot_changed_at": "odoo_changed_at",
    "hubspot_error_kind": "error_kind",
    "hubspot_last_error": "last_error",
    "hubspot_note": "note",
    "hubspot_waiting": "waiting",
}


def link_detail_after(record, column):
    """What the previous release kept in ``column`` (one of LINK_DETAILS) of the record."""
    if column not in BINDING_FIELDS:  # a field of the record, read for its portal
        return record[column] or None
    return record._hubspot_binding()[BINDING_FIELDS[column]] or None


def job_states_after(env):
    """``{(company id, object type, job): {column: value}}`` of the jobs' states."""
    return {
        (state.company_id.id, state.object_type, state.job): {
            "cursor": state.cursor or None,
            "last_run_at": state.last_run_at or None,
            "archived_scan_at": state.archived_scan_at or None,
            "pass_started_at": state.pass_started_at or None,
            "more_to_do": state.more_to_do,
            "resume_point": state.resume_point or None,
            "last_error": state.last_error or None,
        }
        for state in env["hubspot.job.state"].search([])
    }


def queue_after(env):
    types = env["hubspot.binding"]._hubspot_types()
    return {
        entry.id: {
            "company_id": entry.company_id.id,
            "action": entry.action,
            # The queue names the object type; the previous releases named its Odoo model.
            "res_model": types[entry.object_type]._odoo_model()._name,
            "res_id": entry.res_id or None,
            "hubspot_id": entry.hubspot_id or None,
            "state": entry.state,
            "attempts": entry.attempts,
            "next_attempt": entry.next_attempt,
            "last_error": entry.last_error or None,
        }
        for entry in env["hubspot.sync.queue"].search([])
    }


def journal_after(env):
    return {
        entry.id: {
            "company_id": entry.company_id.id,
            "event": entry.event,
            "res_model": entry.res_model,
            "res_id": entry.res_id or None,
            "hubspot_id": entry.hubspot_id or None,
            "field_name": entry.field_name or None,
            "old_value": entry.old_value or None,
            "new_value": entry.new_value or None,
            "note": entry.note or None,
            "restored": entry.restored,
        }
        for entry in env["hubspot.sync.journal"].search([])
    }


def issues_after(env):
    issues = env["hubspot.sync.issue"].search([])
    return {
        issue.id: {
            "company_id": issue.company_id.id,
            "object_type": issue.object_type,
            "hubspot_id": issue.hubspot_id,
            "kind": issue.kind,
            "error_kind": issue.error_kind or None,
            "state": issue.state,
            "message": issue.message or None,
            "candidates": sorted(issue.candidate_partner_ids.ids),
            "differences": len(issue.difference_ids) if "difference_ids" in issue else 0,
        }
        for issue in issues
    }


def read_after(env, before):
    """Everything ``read_before`` read, as the checkout reads it."""
    companies = env["res.company"].search([("hubspot_access_token", "!=", False)], order="id")
    links = {
        model: {company.id: links_after(env, model, company) for company in companies}
        for model in MODELS
    }
    records = {}
    for model, by_record in before["records"].items():
        records[model] = {}
        for (company_id, record_id), row in by_record.items():
            record = env[model].with_company(company_id).browse(record_id)
            values = {"state": sync_state_after(record), "snapshot": snapshot_after(record)}
            for column in row:
                if column not in ("state", "snapshot"):
                    values[column] = link_detail_after(record, column)
            records[model][(company_id, record_id)] = values
    return {
        "companies": sorted(companies.ids),
        "links": links,
        "records": records,
        "job_states": job_states_after(env),
        "queue": queue_after(env),
        "journal": journal_after(env),
        "issues": issues_after(env),
    }


# ----------------------------------------------------------------------
# Reading the previous release's database: SQL on its own columns
# ----------------------------------------------------------------------


def read_before(cr):
    columns = _columns(cr)
    cr.execute("SELECT id FROM res_company WHERE hubspot_access_token IS NOT NULL")
    companies = sorted(row[0] for row in cr.fetchall())
    if "hubspot_contact_binding" in columns:  # 18.0.1.2.0 on
        links, records = _bindings_before(cr, companies)
    else:
        links, records = _record_columns_before(cr, columns, companies)
    return {
        "companies": companies,
        "links": links,
        "records": records,
        "job_states": _job_states_before(cr, columns),
        "queue": _queue_before(cr, columns),
        "journal": _rows(cr, "hubspot_sync_journal", JOURNAL_COLUMNS),
        "issues": _issues_before(cr, columns),
    }


def _record_columns_before(cr, columns, companies):
    """Links and per-record state of 18.0.1.0.0 and 18.0.1.1.0: columns of the records."""
    links, records = {}, {}
    for model, table in MODELS.items():
        cr.execute(
            f"SELECT hubspot_company_id, id, hubspot_id FROM {table} WHERE hubspot_id IS NOT NULL"  # noqa: S608
        )
        links[model] = {company_id: {} for company_id in companies}
        for company_id, record_id, hubspot_id in cr.fetchall():
            links[model].setdefault(company_id, {})[record_id] = hubspot_id
        details = [c for c in LINK_DETAILS if c in columns[table]]
        # A record not linked yet has its state for its own company.
        cr.execute(
            f"""
            SELECT COALESCE(hubspot_company_id, company_id), id, hubspot_sync_state,
                   hubspot_synced_values, {", ".join(details)}
              FROM {table}
             WHERE hubspot_sync_state IS NOT NULL OR hubspot_synced_values IS NOT NULL
                OR hubspot_id IS NOT NULL
            """  # noqa: S608
        )
        records[model] = {
            (company_id, record_id): {
                "state": state or None,
                "snapshot": snapshot or None,
                **{column: value or None for column, value in zip(details, rest, strict=True)},
            }
            for company_id, record_id, state, snapshot, *rest in cr.fetchall()
        }
    return links, records


# 18.0.1.2.0: the binding table of each model, and the binding column that holds what
# the earlier releases kept in the record's column (one of LINK_DETAILS).
BINDING_TABLES_V12 = {"res.partner": "hubspot_contact_binding", "crm.lead": "hubspot_deal_binding"}
BINDING_COLUMNS_V12 = {
    "hubspot_updated_at": "hubspot_updated_at",
    "hubspot_changed_at": "odoo_changed_at",
    "hubspot_error_kind": "error_kind",
    "hubspot_last_error": "last_error",
    "hubspot_note": "note",
    "hubspot_waiting": "waiting",
}
# 18.0.1.2.0: partner columns kept per portal (company-dependent: jsonb by company id).
PER_PORTAL_COLUMNS_V12 = {"res.partner": ("hubspot_lead_status", "hubspot_lifecycle_stage")}


def _bindings_before(cr, companies):
    """Links and per-record state of 18.0.1.2.0: one binding per record and portal.

    Every binding is a record to compare, in its portal's company; the partner's lead
    status and lifecycle stage are the values of that portal.
    """
    links, records = {}, {}
    for model, table in MODELS.items():
        binding = BINDING_TABLES_V12[model]
        links[model] = {company_id: {} for company_id in companies}
        cr.execute(
            f"SELECT company_id, odoo_id, hubspot_id FROM {binding} WHERE hubspot_id IS NOT NULL"  # noqa: S608
        )
        for company_id, record_id, hubspot_id in cr.fetchall():
            links[model].setdefault(company_id, {})[record_id] = hubspot_id
        per_portal = PER_PORTAL_COLUMNS_V12.get(model, ())
        details = [*BINDING_COLUMNS_V12, *per_portal]
        selected = [f"b.{BINDING_COLUMNS_V12[column]}" for column in BINDING_COLUMNS_V12] + [
            f"r.{column} ->> b.company_id::text" for column in per_portal
        ]
        cr.execute(
            f"""
            SELECT b.company_id, b.odoo_id, b.sync_state, b.synced_values, {", ".join(selected)}
              FROM {binding} b
              JOIN {table} r ON r.id = b.odoo_id
            """  # noqa: S608
        )
        records[model] = {
            (company_id, record_id): {
                "state": state or None,
                "snapshot": snapshot or None,
                **{column: value or None for column, value in zip(details, rest, strict=True)},
            }
            for company_id, record_id, state, snapshot, *rest in cr.fetchall()
        }
    return links, records


def _columns(cr):
    cr.execute(
        """
        SELECT table_name, column_name FROM information_schema.columns
         WHERE table_schema = 'public'
           AND (table_name LIKE 'hubspot%%' OR table_name IN ('res_partner', 'crm_lead',
                                                             'res_company'))
        """
    )
    columns = {}
    for table, column in cr.fetchall():
        columns.setdefault(table, set()).add(column)
    return columns


QUEUE_COLUMNS = (
    "company_id, action, res_model, res_id, hubspot_id, state, attempts, next_attempt, last_error"
)
JOURNAL_COLUMNS = (
    "company_id, event, res_model, res_id, hubspot_id, field_name, old_value, new_value, note,"
    " restored"
)


# 18.0.1.2.0 on: the queue names the HubSpot object type instead of the Odoo model.
OBJECT_TYPE_MODELS_V12 = {"contacts": "res.partner", "deals": "crm.lead"}


def _queue_before(cr, columns):
    """The queue's rows, each naming its Odoo model (``res_model``) as before 18.0.1.2.0."""
    if "object_type" not in columns["hubspot_sync_queue"]:
        return _rows(cr, "hubspot_sync_queue", QUEUE_COLUMNS)
    rows = _rows(cr, "hubspot_sync_queue", QUEUE_COLUMNS.replace("res_model", "object_type"))
    for row in rows.values():
        row["res_model"] = OBJECT_TYPE_MODELS_V12[row.pop("object_type")]
    return rows


def _rows(cr, table, names):
    cr.execute(f"SELECT id, {names} FROM {table}")  # noqa: S608
    keys = [name.strip() for name in names.split(",")]
    return {
        row[0]: {
            key: (value if value not in ("", None) else None) if key != "restored" else bool(value)
            for key, value in zip(keys, row[1:], strict=True)
        }
        for row in cr.fetchall()
    }


def _issues_before(cr, columns):
    differences = (
        "(SELECT count(*) FROM hubspot_sync_difference d WHERE d.issue_id = i.id)"
        if "hubspot_sync_difference" in columns
        else "0"
    )
    cr.execute(
        f"""
        SELECT i.id, i.company_id, i.object_type, i.hubspot_id, i.kind, i.error_kind, i.state,
               i.message,
               ARRAY(SELECT r.res_partner_id FROM hubspot_sync_issue_res_partner_rel r
                      WHERE r.hubspot_sync_issue_id = i.id ORDER BY r.res_partner_id),
               {differences}
          FROM hubspot_sync_issue i
        """  # noqa: S608
    )
    keys = ("company_id", "object_type", "hubspot_id", "kind", "error_kind", "state", "message")
    return {
        row[0]: dict(
            {key: value or None for key, value in zip(keys, row[1:8], strict=True)},
            candidates=list(row[8]),
            differences=row[9],
        )
        for row in cr.fetchall()
    }


def _job_states_before(cr, columns):
    """The job states, and the columns the upgrade must keep: ``(states, columns)``.

    18.0.1.0.0 kept one cursor per company and object type on res_company: the last
    change read, the overlap taken off when searching; hubspot_job_state keeps it with
    the overlap taken off. Its run log (last runs) is dropped by the 18.0.1.1.0
    migration, which starts every archived scan's cadence afresh.
    """
    if "hubspot_job_state" in columns:
        cr.execute(
            """
            SELECT company_id, object_type, job, cursor, last_run_at, archived_scan_at,
                   pass_started_at, more_to_do, resume_point, last_error
              FROM hubspot_job_state
            """
        )
        keys = (
            "cursor",
            "last_run_at",
            "archived_scan_at",
            "pass_started_at",
            "more_to_do",
            "resume_point",
            "last_error",
        )
        states = {
            tuple(row[:3]): {
                key: bool(value) if key == "more_to_do" else (value or None)
                for key, value in zip(keys, row[3:], strict=True)
            }
            for row in cr.fetchall()
        }
        return states, keys
    cr.execute(
        "SELECT value FROM ir_config_parameter WHERE key = %s",
        ("hubspot_connector.cursor_overlap_seconds",),
    )
    row = cr.fetchone()
    overlap = timedelta(seconds=int(row[0]) if row and row[0] else 300)
    cr.execute("SELECT id, hubspot_contacts_cursor, hubspot_deals_cursor FROM res_company")
    states = {}
    for company_id, contacts, deals in cr.fetchall():
        for object_type, cursor in (("contacts", contacts), ("deals", deals)):
            if cursor:
                states[(company_id, object_type, "pull")] = {"cursor": cursor - overlap}
    return states, ("cursor",)


# ----------------------------------------------------------------------
# Databases, releases and processes
# ----------------------------------------------------------------------


class Odoo:
    """One configuration: Odoo's own add-ons plus one version of hubspot_connector."""

    def __init__(self, conf, log_dir):
        self.conf = str(conf)
        self.log_dir = Path(log_dir)

    def module(self, database, flag, name):
        """``-i`` or ``-u`` ``name`` and stop; returns the log's lines."""
        log = self.log_dir / f"{database}{flag}{name.replace(',', '+')}.log"
        command = [sys.executable, "-m", "odoo", "-c", self.conf, "-d", database, flag, name]
        command += ["--stop-after-init", "--log-level=info", f"--logfile={log}"]
        process = subprocess.run(command, capture_output=True, text=True, timeout=600)
        lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
        assert process.returncode == 0, "\n".join([*lines[-40:], process.stderr[-3000:]])
        assert any(LOG_LINE.match(line) for line in lines), f"{log}: not Odoo's log format"
        return lines

    def step(self, database, name, **arguments):
        """Run a step of odoo_steps.py in a process of its own; returns (result, stderr)."""
        process = subprocess.run(
            [sys.executable, str(STEPS), self.conf, database, name, json.dumps(arguments)],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=REPO,
        )
        assert process.returncode == 0, f"step {name} failed:\n{process.stderr[-5000:]}"
        return json.loads(process.stdout.strip().splitlines()[-1]), process.stderr


def problems(lines):
    """Log lines at ERROR or CRITICAL, and warnings about hubspot_connector."""
    found = []
    for line in lines:
        match = LOG_LINE.match(line)
        if not match:
            continue
        level = match["level"]
        if level in ("ERROR", "CRITICAL") or (level == "WARNING" and "hubspot" in line.lower()):
            found.append(line)
    return found


def git_commit(short):
    """The full hash of ``short``, or a loud skip when the checkout has no such history."""
    try:
        process = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--verify", "--quiet", f"{short}^{{commit}}"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except FileNotFoundError:
        pytest.skip("UPGRADE TEST SKIPPED: git is not installed, previous releases unreachable")
    if process.returncode != 0:
        pytest.skip(
            f"UPGRADE TEST SKIPPED: commit {short} is not in this checkout's git history "
            f"({REPO}); a checkout with history (not a copy, not shallow) is needed"
        )
    return process.stdout.strip()


def extract_release(commit, target):
    """``git archive`` the addon of ``commit`` into ``target``; returns its manifest."""
    target.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", commit, "hubspot_connector"],
        capture_output=True,
        check=True,
        timeout=120,
    )
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    manifest = target / "hubspot_connector" / "__manifest__.py"
    return ast.literal_eval(manifest.read_text(encoding="utf-8"))


def release_conf(conf, addons, target):
    """A copy of ``conf`` whose add-on path has ``addons`` instead of this checkout."""
    parser = configparser.RawConfigParser()
    parser.read(conf)
    paths = []
    for path in parser["options"]["addons_path"].split(","):
        path = path.strip()
        if (Path(path) / "hubspot_connector").is_dir() and not (Path(path) / "crm").is_dir():
            path = str(addons)
        paths.append(path)
    assert str(addons) in paths, f"{conf} has no add-on path with hubspot_connector"
    parser["options"]["addons_path"] = ",".join(paths)
    with open(target, "w", encoding="utf-8") as handle:
        parser.write(handle)
    return target


def manifest_version():
    text = (REPO / "hubspot_connector" / "__manifest__.py").read_text(encoding="utf-8")
    return ast.literal_eval(text)["version"]


def migrations_since(release):
    """The checkout's migration scripts' versions an upgrade from ``release`` runs."""
    from odoo.tools import parse_version

    folder = REPO / "hubspot_connector" / "migrations"
    versions = [path.name for path in folder.iterdir()] if folder.is_dir() else []
    series = manifest_version().rsplit(".", 3)[0]

    def full(version):  # a folder may leave Odoo's series out
        return version if version.count(".") > 2 else f"{series}.{version}"

    return sorted(
        version
        for version in versions
        if parse_version(release)
        < parse_version(full(version))
        <= parse_version(manifest_version())
    )


def odoo_conf():
    return str(Path(os.environ["HUBSPOT_ODOO_CONF"]).resolve())


@pytest.fixture(scope="module")
def odoo_env():
    """Odoo configured with the checkout (for reading upgraded databases in this process)."""
    import odoo
    from odoo.tools import config

    config.parse_config(["-c", odoo_conf(), "--log-level=warn"], setup_logging=True)
    return odoo


def drop_database(odoo, name):
    from odoo.service.db import exp_drop

    exp_drop(name)


def copy_database(odoo, template, name):
    """A copy of ``template`` (database and file store) with a database uuid of its own."""
    from psycopg2 import sql

    drop_database(odoo, name)
    odoo.sql_db.close_db(template)
    with odoo.sql_db.db_connect("postgres").cursor() as cr:
        cr._cnx.autocommit = True
        cr.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    with odoo.sql_db.db_connect(name).cursor() as cr:
        cr.execute(
            "UPDATE ir_config_parameter SET value = gen_random_uuid()::text"
            " WHERE key = 'database.uuid'"
        )
    store = odoo.tools.config.filestore(template)
    if os.path.isdir(store):
        shutil.copytree(store, odoo.tools.config.filestore(name))


@pytest.fixture(scope="module")
def commits():
    """``{short: full hash}`` of the releases' commits; without git history, a loud skip
    before anything is installed."""
    return {short: git_commit(short) for short, _release in RELEASES}


@pytest.fixture(scope="module")
def base_database(odoo_env, commits, tmp_path_factory):
    """Odoo with crm and contacts, the start of every release's database (made once)."""
    name = f"{os.environ['HUBSPOT_UPGRADE_DB']}_base"
    drop_database(odoo_env, name)
    logs = tmp_path_factory.mktemp("logs")
    Odoo(odoo_conf(), logs).module(name, "-i", "crm,contacts")
    yield name
    drop_database(odoo_env, name)


@pytest.fixture
def portals():
    """One running sandbox per company, seeded with demo data; unthrottled."""
    servers, described = [], []
    for portal in PORTALS:
        server = SandboxServer(host="127.0.0.1", port=0, rate_limit=0, search_rate=0).start()
        seed = generate(portal["contacts"], portal["deals"], seed=portal["seed"])
        server.seed(seed)
        servers.append(server)
        described.append(
            {
                "url": server.url,
                "seed": seed,
                "company": portal["company"],
                "tagged": portal["tagged"],
                "opportunities": portal["opportunities"],
            }
        )
    yield servers, described
    for server in servers:
        server.stop()


def requests_by_endpoint(servers):
    return [dict(server.stats()["by_endpoint"]) for server in servers]


def hubspot_counts(servers):
    return [
        {kind: server.store.count(kind) for kind in ("contacts", "deals")} for server in servers
    ]


def odoo_counts(cr):
    counts = {}
    for model, table in MODELS.items():
        cr.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
        counts[model] = cr.fetchone()[0]
    return counts


# ----------------------------------------------------------------------
# The test
# ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("short_commit", "release"), RELEASES, ids=[f"from-{release}" for _c, release in RELEASES]
)
def test_upgrade_keeps_links_state_and_idle_cost(
    short_commit, release, commits, odoo_env, base_database, portals, tmp_path
):
    odoo = odoo_env
    commit = commits[short_commit]
    started = time.monotonic()
    timings = {}

    def lap(name):
        timings[name] = round(time.monotonic() - started - sum(timings.values()), 1)

    manifest = extract_release(commit, tmp_path / "release")
    assert manifest["version"] == release, f"{commit} is {manifest['version']}, not {release}"
    old = Odoo(
        release_conf(odoo_conf(), tmp_path / "release", tmp_path / "old.conf"),
        tmp_path,
    )
    new = Odoo(odoo_conf(), tmp_path)
    database = f"{os.environ['HUBSPOT_UPGRADE_DB']}_from_{release.replace('.', '_')}"
    servers, described = portals

    # The previous release, installed and synced until idle, with unfinished business.
    copy_database(odoo, base_database, database)
    lines = old.module(database, "-i", "hubspot_connector")
    assert not [line for line in problems(lines) if " WARNING " not in line], problems(lines)
    assert _installed_version(odoo, database) == release
    lap("install")
    prepared, _log = old.step(database, "prepare", portals=described, params=PARAMS, rounds=6)
    companies = prepared["companies"]
    lap("sync")
    # What an idle run of the previous release costs, in a process of its own.
    for server in servers:
        server.reset_stats()
    old.step(database, "run", rounds=1)
    idle = requests_by_endpoint(servers)
    assert not [e for asked in idle for e in asked if is_write(e)], f"not settled: {idle}"
    lap("idle run")
    # From here on every request counts: the upgrade's and the next run's.
    for server in servers:
        server.reset_stats()
    hubspot_before = hubspot_counts(servers)

    with odoo.sql_db.db_connect(database).cursor() as cr:
        before = read_before(cr)
        counts_before = odoo_counts(cr)
    odoo.sql_db.close_db(database)
    _assert_realistic(before, companies, prepared["shared_partner_id"])

    lines = new.module(database, "-u", "hubspot_connector")
    assert problems(lines) == [], "\n".join(problems(lines))
    for version in migrations_since(release):
        ran = [line for line in lines if "hubspot_connector: Running migration" in line]
        assert any(version in line for line in ran), f"the {version} migration did not run"
    assert _installed_version(odoo, database) == manifest_version()
    lap("upgrade")

    registry = odoo.modules.registry.Registry(database)
    try:
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            after = read_after(env, before)
        _assert_kept(before, after)
        lap("read")

        # The next scheduled run: no more requests than idle, nothing created anywhere.
        _result, log = new.step(database, "run", rounds=1)
        asked = requests_by_endpoint(servers)
        assert problems(log.splitlines()) == [], log
        lap("next run")
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            env.invalidate_all()
            links = read_after(env, before)["links"]
            counts_after = odoo_counts(cr)
            cr.execute("SELECT count(*) FROM hubspot_company_binding WHERE hubspot_id IS NOT NULL")
            companies_linked = cr.fetchone()[0]
    finally:
        odoo.modules.registry.Registry.delete(database)
        odoo.sql_db.close_db(database)

    print(
        f"\n{release} -> checkout: {_sizes(before)}\n  requests of an idle run {idle}"
        f"\n  requests of the upgrade and the next run {asked}\n  seconds {timings}"
    )
    for portal, (idle_asked, next_asked) in enumerate(zip(idle, asked, strict=True)):
        extra = {
            endpoint: count - idle_asked.get(endpoint, 0)
            for endpoint, count in next_asked.items()
            if count > idle_asked.get(endpoint, 0)
            and not any(f"/{object_type}" in endpoint for object_type in NEW_TYPES)
        }
        assert not extra, (
            f"portal {portal}: the upgrade and the first run after it asked more than an idle "
            f"run of {release}: {extra} (idle: {idle_asked}, after: {next_asked})"
        )
    assert hubspot_counts(servers) == hubspot_before, "the run after the upgrade created in HubSpot"
    # Only the company partners of the HubSpot companies, a type new in this release.
    counts_after["res.partner"] -= companies_linked
    assert counts_after == counts_before, "the run after the upgrade created or deleted in Odoo"
    assert links == before["links"], "the run after the upgrade changed links"
    for model, by_company in links.items():
        for company_id, pairs in by_company.items():
            assert len(set(pairs.values())) == len(pairs), (
                f"{model}: a HubSpot id of company {company_id} is linked twice"
            )
    drop_database(odoo, database)


def _installed_version(odoo, database):
    with odoo.sql_db.db_connect(database).cursor() as cr:
        cr.execute(
            "SELECT latest_version FROM ir_module_module"
            " WHERE name = 'hubspot_connector' AND state = 'installed'"
        )
        row = cr.fetchone()
    odoo.sql_db.close_db(database)
    return row and row[0]


def _assert_realistic(before, companies, shared_partner_id=None):
    """The previous release left what the upgrade must carry: links of both kinds in each
    company, a queue entry, an open issue and journal entries; from 18.0.1.2.0 on, a
    partner linked in every company's portal."""
    assert before["companies"] == sorted(companies)
    if shared_partner_id:
        hubspot_ids = {
            company_id: before["links"]["res.partner"][company_id].get(shared_partner_id)
            for company_id in companies
        }
        assert all(hubspot_ids.values()), f"the shared partner is not linked in each: {hubspot_ids}"
    for model in MODELS:
        for company_id in companies:
            assert before["links"][model].get(company_id), f"no {model} linked in {company_id}"
    assert before["queue"], "no queue entry"
    assert any(issue["state"] == "open" for issue in before["issues"].values()), "no open issue"
    assert before["journal"], "no journal entry"
    states = {row["state"] for rows in before["records"].values() for row in rows.values()}
    assert {"synced", "failing"} <= states, states
    assert before["job_states"][0], "no job state"


def _assert_kept(before, after):
    assert after["companies"] == before["companies"]
    for model in MODELS:
        for company_id in before["companies"]:
            assert after["links"][model][company_id] == before["links"][model][company_id], (
                f"{model} links of company {company_id} differ after the upgrade"
            )
    for model, rows in before["records"].items():
        changed = {
            key: (row, after["records"][model][key])
            for key, row in rows.items()
            if after["records"][model][key] != row
        }
        assert not changed, f"{model}: sync state or snapshot changed: {changed}"
    states, columns = before["job_states"]
    kept = {
        key: {column: after["job_states"].get(key, {}).get(column) for column in columns}
        for key in states
    }
    assert kept == states, "job states differ after the upgrade"
    assert set(after["job_states"]) == set(states), "job states appeared or disappeared"
    for table in ("journal", "issues"):
        assert len(after[table]) == len(before[table]), f"{table}: count differs"
        assert after[table] == before[table], f"{table} differs after the upgrade"
    # Every entry is kept; the only ones added read each linked contact once, for its company.
    kept = {key: entry for key, entry in after["queue"].items() if key in before["queue"]}
    assert kept == before["queue"], "queue differs after the upgrade"
    added = [entry for key, entry in after["queue"].items() if key not in before["queue"]]
    # (The queue rows name the Odoo model, as the previous releases did.)
    assert all(
        (entry["action"], entry["res_model"]) == ("fetch", "res.partner") for entry in added
    ), added
    linked_contacts = {
        (company_id, hubspot_id)
        for company_id, by_record in before["links"]["res.partner"].items()
        for hubspot_id in by_record.values()
    }
    assert {(e["company_id"], e["hubspot_id"]) for e in added} <= linked_contacts


def _sizes(before):
    links = {
        model: {company: len(pairs) for company, pairs in by_company.items()}
        for model, by_company in before["links"].items()
    }
    records = sum(len(rows) for rows in before["records"].values())
    return (
        f"links {links}, records compared {records}, job states {len(before['job_states'][0])},"
        f" queue {len(before['queue'])}, journal {len(before['journal'])},"
        f" issues {len(before['issues'])}"
    )
