"""Drop the clear text and the SHA-256 key of extracted texts (sealed in 0002)."""

from django.db import migrations, models
import django.db.models.deletion


def drop_untied_rows(apps, schema_editor):
    apps.get_model("portal_search", "ExtractedText").objects.filter(
        version__isnull=True
    ).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("portal_search", "0002_extracted_text_encrypted"),
    ]

    operations = [
        migrations.RunPython(drop_untied_rows, migrations.RunPython.noop),
        migrations.RemoveField(model_name="extractedtext", name="text"),
        migrations.RemoveField(model_name="extractedtext", name="sha256"),
        migrations.AlterField(
            model_name="extractedtext",
            name="version",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="extracted_text",
                to="exchange.documentversion",
            ),
        ),
        migrations.AlterField(
            model_name="extractedtext",
            name="nonce",
            field=models.BinaryField(),
        ),
        migrations.AlterField(
            model_name="extractedtext",
            name="ciphertext",
            field=models.BinaryField(),
        ),
    ]
