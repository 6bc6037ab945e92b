"""SQLite (the zero-setup default) with two writers at once: the second waits for the
first instead of failing with "database is locked" (two tabs pressing Pay together had
one answered with a 500)."""

import contextlib
import threading

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's locking; PostgreSQL locks rows"
)


def _connect(path) -> DatabaseWrapper:
    # The project's own SQLite settings, on a file both connections share.
    config = {**settings.DATABASES["default"], "NAME": str(path), "TEST": {}}
    config["OPTIONS"] = dict(config.get("OPTIONS", {}), timeout=5)
    return DatabaseWrapper(config, alias="writers")


@pytest.fixture
def _unblocked(django_db_blocker):
    # Connections of the test's own to a file of its own, not the test database.
    with django_db_blocker.unblock():
        yield


@pytest.mark.usefixtures("_unblocked")
def test_two_transactions_that_read_then_write_both_commit(tmp_path):
    path = tmp_path / "writers.sqlite3"
    setup = _connect(path)
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE stock (id integer primary key, left integer)")
        cursor.execute("INSERT INTO stock VALUES (1, 10)")
    setup.close()

    both_read = threading.Barrier(2)
    errors: list[Exception] = []

    def take_one() -> None:
        connections["writers"] = db = _connect(path)
        try:
            with transaction.atomic(using="writers"), db.cursor() as cursor:
                cursor.execute("SELECT left FROM stock WHERE id = 1")
                (left,) = cursor.fetchone()
                # Each reads before either writes, unless the first makes the other wait.
                with contextlib.suppress(threading.BrokenBarrierError):
                    both_read.wait(timeout=1)
                cursor.execute("UPDATE stock SET left = %s WHERE id = 1", [left - 1])
        except Exception as exc:  # what a request would answer with a 500
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=take_one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)

    assert errors == []
    check = _connect(path)
    with check.cursor() as cursor:
        cursor.execute("SELECT left FROM stock WHERE id = 1")
        assert cursor.fetchone() == (8,)  # the second read the first's write: none lost
    check.close()
