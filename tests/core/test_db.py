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
