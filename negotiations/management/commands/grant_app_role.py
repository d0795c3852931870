from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction
from psycopg import sql

# Rows the application only ever adds: the app role may not even ask to
# change or remove them (the triggers would refuse it anyway).
INSERT_ONLY_TABLES = (
    "negotiation_sessions_entry",
    "negotiation_sessions_act",
    "negotiation_sessions_minutesapproval",
    "agreements_agreement",
    "agreements_agreement_parties",
)


class Command(BaseCommand):
    help = (
        "Create or update the PostgreSQL role the application runs as: it may read and write rows, and nothing "
        "else (no DDL, no TRUNCATE, no trigger changes, not a superuser). Run it as the database owner, the "
        "role that runs the migrations, after each migrate."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--role", default="verbatim_app", help="the application's role (default verbatim_app)")
        parser.add_argument(
            "--password-env",
            default="VERBATIM_APP_DB_PASSWORD",
            help="the environment variable holding the role's password (default VERBATIM_APP_DB_PASSWORD); "
            "when it is unset the password is left as it is",
        )
        parser.add_argument(
            "--database",
            default=None,
            help="the database alias to run as: the owner (default 'owner' when MIGRATE_DATABASE_URL is set)",
        )

    def handle(self, *args, role: str, password_env: str, database: str | None, **options) -> None:
        alias = database or ("owner" if "owner" in connections.settings else "default")
        connection = connections[alias]
        if connection.vendor != "postgresql":
            raise CommandError(
                "The embedded SQLite database has no roles; the application role is for PostgreSQL. "
                "Set DATABASE_URL (and MIGRATE_DATABASE_URL) to postgres:// URLs first."
            )
        password = os.environ.get(password_env)
        name = sql.Identifier(role)
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_database()")
            owner, database_name = cursor.fetchone()
            if owner == role:
                raise CommandError(
                    f"This runs as {role}, the application's own role. Run it as the database owner: "
                    "set MIGRATE_DATABASE_URL to the owner's URL, or give --database."
                )
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            verb = "ALTER" if cursor.fetchone() else "CREATE"
            attributes = sql.SQL("LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS")
            statement = sql.SQL("{} ROLE {} {}").format(sql.SQL(verb), name, attributes)
            if password:
                statement = sql.SQL("{} PASSWORD {}").format(statement, sql.Literal(password))
            cursor.execute(statement)
            db = sql.Identifier(database_name)
            for grant in (
                "GRANT CONNECT ON DATABASE {db} TO {role}",
                "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
                "REVOKE ALL ON SCHEMA public FROM {role}",
                "GRANT USAGE ON SCHEMA public TO {role}",
                "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
                "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
                # tables and sequences the owner's later migrations create
                "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
                "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}",
            ):
                cursor.execute(sql.SQL(grant).format(db=db, role=name))
            for table in INSERT_ONLY_TABLES:
                cursor.execute(sql.SQL("REVOKE UPDATE, DELETE ON {} FROM {}").format(sql.Identifier(table), name))
        self.stdout.write(
            f"{role}: {'updated' if verb == 'ALTER' else 'created'}; it reads and writes the rows of {database_name} as the owner {owner} "
            f"allows, and cannot change the schema, its triggers or {len(INSERT_ONLY_TABLES)} insert-only tables."
        )
