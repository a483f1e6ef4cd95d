"""PostgreSQL refuses to change a history row (issue 10 item 15), whatever
code or SQL tries: the ORM's refusal (HistoryQuerySet) covers the portal,
this covers everything else. The only UPDATE a row accepts is its account or
user reference becoming NULL (ON DELETE SET NULL when they are deleted; the
IDs and names stay as text). Deletion stays possible for the retention purge.

A later data migration that must rewrite history rows has to
`ALTER TABLE ... DISABLE TRIGGER` around its change, on purpose."""
from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION syslogcloud_history_append_only() RETURNS trigger AS $$
DECLARE
    refs text[] := TG_ARGV;  -- columns that may only become NULL
    ref text;
BEGIN
    FOREACH ref IN ARRAY refs LOOP
        IF to_jsonb(NEW) -> ref <> 'null'::jsonb
           AND (to_jsonb(NEW) -> ref) IS DISTINCT FROM (to_jsonb(OLD) -> ref) THEN
            RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME
                USING ERRCODE = 'check_violation';
        END IF;
    END LOOP;
    IF (to_jsonb(NEW) - refs) IS DISTINCT FROM (to_jsonb(OLD) - refs) THEN
        RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""
TABLES = ("audit_loginhistory", "audit_operationhistory")


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite (make run): the ORM's refusal is the guard
    schema_editor.execute(FUNCTION, params=None)  # "%" is PL/pgSQL's, not a placeholder
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION syslogcloud_history_append_only('account_id', 'user_id')"
        )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS syslogcloud_history_append_only()")


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0002_history_keeps_account_id"),
    ]

    operations = [migrations.RunPython(install, remove)]
