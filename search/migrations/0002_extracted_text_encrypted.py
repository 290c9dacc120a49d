"""Extracted text kept encrypted under the file's data key, one row per version.

Rows were keyed by the file's SHA-256 and held the text in clear. Each one is now
sealed for every version with that content whose data key opens (a version of a
highly confidential document gets none: those are searchable by metadata only);
rows that cannot be tied to a version and its key are dropped. Nothing is lost: the
table is a cache, and the next index of a document extracts its file again.

Schema changes on the rows written here follow in 0003 (a separate transaction:
PostgreSQL refuses to alter a table with deferred constraint checks pending).
"""

from django.core.exceptions import ImproperlyConfigured
from django.db import migrations, models
import django.db.models.deletion

TEXT_PURPOSE = "search extracted text"  # as search.files.TEXT_PURPOSE


def seal_existing_texts(apps, schema_editor):
    from exchange import crypto

    ExtractedText = apps.get_model("portal_search", "ExtractedText")
    DocumentVersion = apps.get_model("exchange", "DocumentVersion")
    old_rows = list(ExtractedText.objects.filter(version__isnull=True))
    if not old_rows:
        return
    try:
        ring = crypto.keyring()
    except ImproperlyConfigured:
        ring = None
    for row in old_rows:
        versions = DocumentVersion.objects.filter(sha256=row.sha256).exclude(
            document__tier="highly_confidential"
        )
        for version in versions if ring else ():
            kek = ring.keys.get(version.kek_id)
            if kek is None:
                continue
            file_id = bytes.fromhex(version.file_id)
            try:
                data_key = crypto.unwrap_key(version.wrapped_key, file_id, kek)
            except crypto.TamperedFile:
                continue
            nonce, ciphertext = crypto.seal_derived(
                row.text.encode(),
                data_key=data_key,
                file_id=file_id,
                purpose=TEXT_PURPOSE,
            )
            ExtractedText.objects.create(
                version=version,
                sha256=row.sha256,
                status=row.status,
                reason=row.reason,
                nonce=nonce,
                ciphertext=ciphertext,
            )
    ExtractedText.objects.filter(pk__in=[row.pk for row in old_rows]).delete()


def drop_texts(apps, schema_editor):
    # Going back, the cache is emptied rather than written out in clear again.
    apps.get_model("portal_search", "ExtractedText").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("exchange", "0002_documents"),
        ("portal_search", "0001_outbox"),
    ]

    operations = [
        migrations.AlterField(
            model_name="extractedtext",
            name="sha256",
            field=models.CharField(max_length=64),
        ),
        migrations.AddField(
            model_name="extractedtext",
            name="version",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="extracted_text",
                to="exchange.documentversion",
            ),
        ),
        migrations.AddField(
            model_name="extractedtext",
            name="nonce",
            field=models.BinaryField(default=b""),
        ),
        migrations.AddField(
            model_name="extractedtext",
            name="ciphertext",
            field=models.BinaryField(default=b""),
        ),
        migrations.RunPython(seal_existing_texts, drop_texts),
    ]
