"""Load the joint statement's commitments and additional actions into every database."""

from django.db import migrations

from practices.taxonomy import ensure_additional_actions, ensure_commitments


def load(apps, schema_editor):
    ensure_commitments(apps.get_model("practices", "Commitment"))
    ensure_additional_actions(apps.get_model("practices", "AdditionalAction"))


class Migration(migrations.Migration):
    dependencies = [("practices", "0002_taxonomy")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
