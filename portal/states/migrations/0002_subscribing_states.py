"""Load the 35 subscribing States of the joint statement into the register."""

from django.db import migrations

from portal.states.register import SUBSCRIBING_STATES, ensure_subscribing_states


def load(apps, schema_editor):
    ensure_subscribing_states(apps.get_model("states", "State"))


def unload(apps, schema_editor):
    State = apps.get_model("states", "State")
    State.objects.filter(iso_code__in=[alpha2 for _, alpha2, _ in SUBSCRIBING_STATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("states", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
