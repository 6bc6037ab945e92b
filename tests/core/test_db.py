"""core.db: a savepoint only where one is needed."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from core.db import savepoint_if_nested


def _verbs(queries) -> list[str]:
    return [query["sql"].split(None, 1)[0].upper() for query in queries.captured_queries]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_statement_commits_on_its_own():
    with CaptureQueriesContext(connection) as queries, savepoint_if_nested():
        User.objects.create(email="a@example.com")
    assert _verbs(queries) == ["INSERT"]  # no BEGIN, no COMMIT round trips
    assert User.objects.filter(email="a@example.com").exists()


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_a_refused_statement_leaves_the_callers_work_standing():
    User.objects.create(email="taken@example.com")
    with transaction.atomic():
        User.objects.create(email="kept@example.com")
        with pytest.raises(IntegrityError), savepoint_if_nested():
            User.objects.create(email="taken@example.com")
        # The caller's transaction is still usable and commits its own write.
        User.objects.create(email="also-kept@example.com")
    assert set(User.objects.values_list("email", flat=True)) == {
        "taken@example.com",
        "kept@example.com",
        "also-kept@example.com",
    }


@pytest.mark.django_db
def test_on_postgresql_a_query_a_connection_runs_again_and_again_is_planned_once():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (psycopg 3); SQLite has none")
    for number in range(8):  # one shape, other values: as pages run their lookups
        list(User.objects.filter(email=f"nobody-{number}@example.com"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    # The values travel apart from the SQL ($1), so the statement is the same each time
    # and PostgreSQL keeps its plan for the connection.
    assert any('FROM "accounts_user"' in sql and '"email" = $1' in sql for sql in prepared)
