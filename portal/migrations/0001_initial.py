from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="DailyFact",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("scope", models.CharField(max_length=24)),
                ("family", models.CharField(max_length=16)),
                ("day", models.DateField()),
                ("k1", models.CharField(blank=True, max_length=255)),
                ("k2", models.CharField(blank=True, max_length=255)),
                ("n", models.BigIntegerField(default=0)),
                ("s", models.BigIntegerField(default=0)),
                ("m", models.BigIntegerField(default=0)),
            ],
            options={
                "indexes": [models.Index(fields=["scope", "family", "day"], name="dailyfact_scope_fam_day")],
            },
        ),
        migrations.CreateModel(
            name="RollupDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("scope", models.CharField(max_length=24)),
                ("source", models.CharField(max_length=16)),
                ("day", models.DateField()),
                ("signature", models.CharField(blank=True, max_length=64)),
                ("built_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("scope", "source", "day"), name="rollupday_unique")],
            },
        ),
        migrations.CreateModel(
            name="RollupState",
            fields=[
                ("source", models.CharField(max_length=16, primary_key=True, serialize=False)),
                ("marks", models.JSONField(default=list)),
            ],
        ),
    ]
