"""On PostgreSQL, the log's tables reject UPDATE and DELETE (the ledger is append-only at the database too).

SQLite has no such guard here; there ``sanxiang ledger verify`` is what finds a change made behind the services.
TRUNCATE (used by test teardown) is a statement-level operation these row triggers do not see.
"""

from django.db import migrations

TABLES = ("ledger_entry", "ledger_node", "ledger_checkpoint", "ledger_blob")

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION sanxiang_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'sanxiang ledger table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION sanxiang_ledger_append_only()"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS sanxiang_ledger_append_only()")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
