"""Load the IAEA documents of the joint statement and the common languages."""

from django.db import migrations

from practices.taxonomy import ensure_iaea_documents, ensure_languages


def load(apps, schema_editor):
    ensure_iaea_documents(apps.get_model("practices", "IAEADocument"))
    ensure_languages(apps.get_model("practices", "Language"))


class Migration(migrations.Migration):
    dependencies = [("practices", "0004_content_pages")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
