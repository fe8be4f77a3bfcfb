"""Drop the triggers and functions that the run-time installer generated before the audit triggers became
declared on the models (audit/triggers.py). A database made by the migrations of today never had them;
one made before has `audit_capture`, `audit_seal` and `audit_append_only` triggers on its tables, which
would otherwise write and seal every history row a second time next to the declared ones, and an index on
(id, history_id) of each history table, which the history models now declare themselves."""

from django.db import migrations

DROP = r"""
DO $drop$
DECLARE
  t record;
BEGIN
  FOR t IN
    SELECT c.relname AS tablename, tg.tgname AS triggername
    FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE NOT tg.tgisinternal AND n.nspname = current_schema()
      AND tg.tgname IN ('audit_capture', 'audit_seal', 'audit_append_only')
  LOOP
    EXECUTE format('DROP TRIGGER %I ON %I', t.triggername, t.tablename);
  END LOOP;
  FOR t IN
    SELECT p.oid::regprocedure AS fn FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = current_schema()
      AND (p.proname LIKE 'audit\_capture\_\_%' OR p.proname LIKE 'audit\_seal\_\_%' OR p.proname = 'audit_refuse_change')
  LOOP
    EXECUTE format('DROP FUNCTION %s', t.fn);
  END LOOP;
  -- Its (id, history_id) indexes: the history models declare their own now.
  FOR t IN
    SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()
      AND (indexname LIKE '%\_audit\_prev' OR indexname LIKE 'audit\_prev\_%')
  LOOP
    EXECUTE format('DROP INDEX %I', t.indexname);
  END LOOP;
END
$drop$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_squashed_0002_install_seal_triggers"),
    ]

    # Going back to the run-time installer is not possible: its code is gone.
    operations = [migrations.RunSQL(DROP, reverse_sql=migrations.RunSQL.noop)]
