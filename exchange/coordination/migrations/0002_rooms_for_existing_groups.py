"""Give every partner group that exists already its default coordination room."""

from django.db import migrations


def create_default_rooms(apps, schema_editor):
    PartnerGroup = apps.get_model("exchange", "PartnerGroup")
    Room = apps.get_model("coordination", "Room")
    for group in PartnerGroup.objects.all():
        if not Room.objects.filter(group=group, is_default=True).exists():
            Room.objects.create(
                group=group, name="Coordination", tier="restricted", is_default=True
            )


class Migration(migrations.Migration):
    dependencies = [("coordination", "0001_initial"), ("exchange", "0001_initial")]

    operations = [migrations.RunPython(create_default_rooms, migrations.RunPython.noop)]
