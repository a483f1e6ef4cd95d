"""The log tables' unique key becomes (time, digest) instead of (digest, time).

Same uniqueness, cheaper upkeep: comparisons mostly end on the 8-byte time,
and records arriving in time order insert at the index's right edge (issue 9,
ingest.models.digest_unique). The new key is built before the old one goes,
so a table is never without one; on PostgreSQL each ADD builds the index on
every partition under a lock, like 0009: on a large live database, a quiet hour.
"""
from django.db import migrations, models

# Frozen here (a migration must not follow later model changes).
TABLES = [
    ("activelog", "start"),
    ("activeuserlog", "at"),
    ("authlog", "start"),
    ("controllog", "at"),
    ("dhcplog", "at"),
    ("maillog", "at"),
    ("sessionlog", "at"),
    ("trafficlog", "at"),
]


class Migration(migrations.Migration):

    dependencies = [("ingest", "0009_partition_log_tables")]

    operations = [
        *(migrations.AddConstraint(
            model_name=model,
            constraint=models.UniqueConstraint(fields=[time, "digest"],
                                               name=f"{model}_time_digest"))
          for model, time in TABLES),
        *(migrations.RemoveConstraint(model_name=model, name=f"{model}_digest_time")
          for model, _time in TABLES),
    ]
