"""The pacing window shared through PostgreSQL: several budgets (each its own connection, as
in separate processes) with one key pace as one. Skipped where PostgreSQL cannot be reached;
the database is ``$HUBSPOT_TEST_DB`` + ``_pacing``, made and dropped here.
"""

import os
import threading

import pytest

from hubspot_connector.services.shared_pacing import TABLE, SharedBudget, portal_key

from .client_support import TOKEN, make_client

psycopg2 = pytest.importorskip("psycopg2")
from .pg_support import budget_database  # noqa: E402

DATABASE = f"{os.environ.get('HUBSPOT_TEST_DB', 'hubspot_test')}_pacing"


@pytest.fixture(scope="module")
def connect():
    """Opens a connection to a fresh database that has the budget table."""
    try:
        with budget_database(DATABASE) as opener:
            yield opener
    except psycopg2.OperationalError as error:
        pytest.skip(f"PostgreSQL unreachable: {error}")


class Sleeps(list):
    """A real sleep that records how long it was asked for."""

    def __call__(self, seconds):
        self.append(seconds)
        threading.Event().wait(seconds)


@pytest.fixture
def budgets(connect, request):
    """Factory: a budget, on its own connection, under this test's key."""
    made = []

    def make(key=request.node.name, **settings):
        made.append(SharedBudget(connect, key, **{"sleep": Sleeps(), **settings}))
        return made[-1]

    yield make
    for budget in made:
        budget.close()


def run(limiter, count=1):
    for _ in range(count):
        with limiter.slot():
            pass


def budget_row(connect, name):
    with connect() as connection, connection.cursor() as cursor:
        cursor.execute(
            f"SELECT cardinality(stamps), cardinality(leases) FROM {TABLE} WHERE name = %s",
            [name],
        )
        return cursor.fetchone()


def test_budgets_with_one_key_share_one_window(budgets):
    other_process, this_process = budgets(), budgets()
    first, second = other_process("requests", 3, 0.5), this_process("requests", 3, 0.5)
    run(first, 2)
    run(second)
    assert this_process.sleep == []
    run(second)
    assert sum(this_process.sleep) == pytest.approx(0.5, abs=0.1)
    assert (first.admitted, second.admitted) == (2, 2)


def test_other_portals_and_limits_have_their_own_window(budgets):
    run(budgets(key="portal A")("requests", 2, 10.0), 2)
    run(budgets(key="portal A")("searches", 2, 10.0), 2)
    other = budgets(key="portal B")
    run(other("requests", 2, 10.0), 2)
    assert other.sleep == []


def test_a_request_in_flight_holds_its_slot_until_released(budgets):
    holder = budgets()("requests", 2, 0.4)
    holder.acquire()
    holder.acquire()  # two requests in flight (two threads of one process)
    sleeps = Sleeps()

    def sleep(seconds):  # the holder's answer arrives while the waiter waits
        if not sleeps:
            holder.release()
        sleeps(seconds)

    budgets(sleep=sleep)("requests", 2, 0.4).acquire()
    # Polled at the request spacing while in flight, then waited for the new stamp to expire.
    assert sleeps[0] == pytest.approx(0.2)
    assert sum(sleeps) >= 0.35


def test_the_lease_of_a_lost_request_expires(budgets):
    budgets(lease=0.3)("requests", 1, 0.2).acquire()  # its process dies before release
    survivor = budgets(lease=0.3)
    run(survivor("requests", 1, 0.2))
    # The lost request counts as made when its lease ran out, 0.3 s after it began.
    assert 0.4 <= sum(survivor.sleep) <= 1.0


def test_admission_is_committed_at_once_and_no_lock_is_held_meanwhile(budgets, connect):
    limiter = budgets()("requests", 5, 10.0)
    with connect() as job, limiter.slot():
        # The job's transaction sees the admission and could lock the row: nothing waits.
        with job.cursor() as cursor:
            cursor.execute(
                f"SELECT cardinality(leases) FROM {TABLE} WHERE name = %s FOR UPDATE NOWAIT",
                [limiter.name],
            )
            assert cursor.fetchone() == (1,)
        job.rollback()
    assert budget_row(connect, limiter.name) == (1, 0)


def test_headers_reporting_less_remaining_book_the_difference(budgets, connect):
    budget = budgets()
    limiter = budget("requests", 10, 0.5)
    run(limiter)
    limiter.observe(limit=10, remaining=2, interval=0.5)  # someone else made 7 requests
    assert budget_row(connect, limiter.name) == (8, 0)
    run(limiter, 2)
    assert budget.sleep == []
    run(limiter)
    assert budget.sleep


def test_headers_reporting_more_remaining_change_nothing(budgets, connect):
    limiter = budgets()("requests", 10, 0.5)
    run(limiter, 3)
    limiter.observe(limit=10, remaining=9, interval=0.5)
    assert budget_row(connect, limiter.name) == (3, 0)


def test_a_lost_database_connection_is_opened_again(budgets, connect):
    limiter = budgets()("requests", 5, 10.0)
    run(limiter)
    with connect() as admin, admin.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [DATABASE],
        )
    with pytest.raises(psycopg2.OperationalError):
        run(limiter)
    run(limiter)
    assert limiter.admitted == 2


def test_portal_key_does_not_show_the_token():
    key = portal_key(TOKEN, "https://api.hubapi.com/")
    assert TOKEN not in key
    assert key == portal_key(TOKEN, "https://api.hubapi.com")
    assert key != portal_key(TOKEN, "http://127.0.0.1:8099")


def hammer(clients, count):
    """Each client, in its own thread, makes ``count`` requests."""

    def work(client):
        for _ in range(count):
            client.get_pipelines()

    threads = [threading.Thread(target=work, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_clients_sharing_a_budget_meet_no_429(start_sandbox, budgets):
    """4 clients that pace alone overrun the limit; sharing one budget, they do not."""
    sandbox = start_sandbox(rate_limit=10, rate_interval=0.5)
    limits = {"requests_per_interval": 10, "interval_seconds": 0.5}
    hammer([make_client(sandbox, **limits) for _ in range(4)], 5)
    assert sandbox.stats()["by_status"].get("429", 0) > 0

    sandbox.reset()
    shared = [make_client(sandbox, limiters=budgets(), **limits) for _ in range(4)]
    hammer(shared, 10)
    assert sandbox.stats()["by_status"] == {"200": 40}
    assert sum(client.requests_made for client in shared) == 40


def test_the_daily_budget_hubspot_reports_is_seen_by_every_process(start_sandbox, budgets):
    sandbox = start_sandbox(daily_limit=1000)
    one_process = make_client(sandbox, limiters=budgets())
    assert one_process.daily_usage() is None  # nothing said yet
    list(one_process.iter_objects("contacts", []))
    list(one_process.iter_objects("deals", []))
    other_process = make_client(sandbox, limiters=budgets())
    limit, remaining, seen_at = other_process.daily_usage()
    assert (limit, remaining) == (1000, 998)
    assert seen_at.tzinfo is not None


def test_a_client_pacing_alone_keeps_the_daily_budget_too(start_sandbox):
    client = make_client(start_sandbox(daily_limit=1000))
    list(client.iter_objects("contacts", []))
    limit, remaining, _seen_at = client.daily_usage()
    assert limit - remaining == 1
