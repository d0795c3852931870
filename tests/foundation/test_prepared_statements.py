"""A statement the app runs again on one connection is planned once by PostgreSQL (config/env.py)."""

import pytest
from django.db import connection

from negotiations.models import Party


@pytest.mark.django_db
def test_a_statement_run_again_on_one_connection_is_kept_prepared_by_the_server():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    for _ in range(4):
        list(Party.objects.filter(name="Prepared Republic"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%negotiations_party%Prepared%"]
        )
        assert cursor.fetchone()[0] == 0  # parameters travel apart: the name is not in the statement
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%negotiations_party%"])
        assert cursor.fetchone()[0] >= 1
