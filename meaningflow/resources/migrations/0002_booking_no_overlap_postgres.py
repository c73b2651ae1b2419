"""No two blocking bookings of one unit may overlap (SW-4), as a PostgreSQL exclusion
constraint over (unit, [starts_at, blocked_until)) for the states that keep the unit.

PostgreSQL only: SQLite has no exclusion constraints; there the booking service checks
for overlaps inside an IMMEDIATE transaction, which serialises writers. The constraint is
raw SQL (not in Model.Meta) so that the same migration path works on both vendors; its
GiST index also serves the "is this unit free" lookups."""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CREATE = """
ALTER TABLE resources_booking ADD CONSTRAINT resources_bk_no_overlap
EXCLUDE USING gist (unit_id WITH =, tstzrange(starts_at, blocked_until, '[)') WITH &&)
WHERE (status IN ('requested', 'accepted', 'in_use'))
"""
DROP = "ALTER TABLE resources_booking DROP CONSTRAINT IF EXISTS resources_bk_no_overlap"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("resources", "0001_initial")]

    operations = [
        # CreateExtension does nothing on other vendors.
        BtreeGistExtension(),
        migrations.RunPython(forwards, backwards),
    ]
