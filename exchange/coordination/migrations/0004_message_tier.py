from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_room_tiers(apps, schema_editor):
    Message = apps.get_model("coordination", "Message")
    Room = apps.get_model("coordination", "Room")
    Message.objects.update(
        tier=Subquery(Room.objects.filter(pk=OuterRef("room_id")).values("tier")[:1])
    )


class Migration(migrations.Migration):

    dependencies = [
        ("coordination", "0003_message_and_notification_documents"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="tier",
            field=models.CharField(
                choices=[
                    ("public", "Public"),
                    ("restricted", "Restricted"),
                    ("confidential", "Confidential"),
                    ("highly_confidential", "Highly confidential"),
                ],
                default="restricted",
                max_length=32,
            ),
        ),
        migrations.RunPython(copy_room_tiers, migrations.RunPython.noop),
    ]
