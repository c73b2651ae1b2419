"""Split ``employment_status`` into the registration status and the current work form (issue 11,
item 6), add the occupation category (item 7), the graduation date (item 9) and the member's own
zero-employment report (item 14). The old values map one to one, so the migration reverses:

    unemployed → registered + none      flexible → registered + flexible
    employed   → registered + employed  exited   → deregistered + none

An employed person stays on the registry (followed to stable employment, 有进有出) until an
officer records the exit; see docs/REGISTRY_IMPORT.md.
"""

from django.db import migrations, models

FORWARD = {
    "unemployed": ("registered", "none"),
    "flexible": ("registered", "flexible"),
    "employed": ("registered", "employed"),
    "exited": ("deregistered", "none"),
}


def split_status(apps, schema_editor):
    person = apps.get_model("assistance", "RegistryPerson")
    for old, (registration, work) in FORWARD.items():
        person.objects.filter(employment_status=old).update(registration_status=registration, work_form=work)
    # Which member reported it is unknown: every member of a zero-employment household did.
    person.objects.filter(household__zero_employment=True).update(reports_zero_employment=True)


def join_status(apps, schema_editor):
    person = apps.get_model("assistance", "RegistryPerson")
    person.objects.update(employment_status="unemployed")
    person.objects.filter(work_form="flexible").update(employment_status="flexible")
    person.objects.filter(work_form="employed").update(employment_status="employed")
    person.objects.filter(registration_status="deregistered").update(employment_status="exited")


class Migration(migrations.Migration):
    dependencies = [
        ("assistance", "0003_discovery_write_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="registryperson",
            name="graduation_date",
            field=models.DateField(blank=True, null=True, verbose_name="graduation date"),
        ),
        migrations.AddField(
            model_name="registryperson",
            name="occupation_category",
            field=models.CharField(
                choices=[("worker", "Worker (工人)"), ("cadre", "Cadre (干部)")],
                default="worker",
                max_length=10,
                verbose_name="occupation category",
            ),
        ),
        migrations.AddField(
            model_name="registryperson",
            name="registration_status",
            field=models.CharField(
                choices=[
                    ("registered", "Registered (登记失业)"),
                    ("deregistered", "Deregistered (注销, left the registry)"),
                ],
                default="registered",
                max_length=20,
                verbose_name="registration status",
            ),
        ),
        migrations.AddField(
            model_name="registryperson",
            name="reports_zero_employment",
            field=models.BooleanField(default=False, verbose_name="reports a zero-employment household"),
        ),
        migrations.AddField(
            model_name="registryperson",
            name="work_form",
            field=models.CharField(
                choices=[
                    ("none", "Not working"),
                    ("flexible", "Flexible employment (灵活就业)"),
                    ("employed", "Employed by a unit (单位就业)"),
                ],
                default="none",
                max_length=20,
                verbose_name="current work",
            ),
        ),
        migrations.RunPython(split_status, join_status),
        migrations.RemoveField(
            model_name="registryperson",
            name="employment_status",
        ),
    ]
