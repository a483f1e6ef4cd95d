"""PostgreSQL guards the provisioning history like the other two (issue 10
item 15): a row's outcome is written once, while it is 処理中 (pending):
result, detail, errors, finished_at and the attempt counter; after that only
its account, service or re-run references may become NULL (their rows were
deleted). Deletion stays possible for the retention purge."""
from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION syslogcloud_provisioning_append_only() RETURNS trigger AS $$
DECLARE
    refs text[] := ARRAY['account_id', 'service_id', 'rerun_of_id'];
    outcome text[] := ARRAY['result', 'detail', 'errors', 'finished_at', 'attempts'];
    ref text;
BEGIN
    FOREACH ref IN ARRAY refs LOOP
        IF to_jsonb(NEW) -> ref <> 'null'::jsonb
           AND (to_jsonb(NEW) -> ref) IS DISTINCT FROM (to_jsonb(OLD) -> ref) THEN
            RAISE EXCEPTION 'provisioning history rows are append-only'
                USING ERRCODE = 'check_violation';
        END IF;
    END LOOP;
    IF OLD.result = 'pending' THEN
        refs := refs || outcome;
    END IF;
    IF (to_jsonb(NEW) - refs) IS DISTINCT FROM (to_jsonb(OLD) - refs) THEN
        RAISE EXCEPTION 'provisioning history rows are append-only'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""
TABLE = "provisioning_provisioninghistory"


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite (make run): the ORM's refusal is the guard
    schema_editor.execute(FUNCTION, params=None)  # "%" is PL/pgSQL's, not a placeholder
    schema_editor.execute(
        f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE ON {TABLE} FOR EACH ROW "
        f"EXECUTE FUNCTION syslogcloud_provisioning_append_only()"
    )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
    schema_editor.execute("DROP FUNCTION IF EXISTS syslogcloud_provisioning_append_only()")


class Migration(migrations.Migration):

    dependencies = [
        ("provisioning", "0002_history_keeps_account_id"),
    ]

    operations = [migrations.RunPython(install, remove)]
