"""Household numbers are namespaced by county (issue 11, item 16): unique on (region_code,
code) instead of code alone. Existing rows were unique by code, so they stay valid."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assistance", "0004_registration_status_and_work_form"),
    ]

    operations = [
        migrations.AlterField(
            model_name="household",
            name="code",
            field=models.CharField(max_length=40, verbose_name="household number"),
        ),
        migrations.AddConstraint(
            model_name="household",
            constraint=models.UniqueConstraint(fields=("region_code", "code"), name="assist_household_region_code_uniq"),
        ),
    ]
