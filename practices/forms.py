"""Wagtail's document form, checked like exchange uploads (active content, malware)."""

from __future__ import annotations

from wagtail.documents.forms import BaseDocumentForm

from exchange.uploads import InfectedUpload, inspect_upload
from portal.audit.actions import record


class CheckedDocumentForm(BaseDocumentForm):
    """Public documents are checked as exchange uploads are (`inspect_upload`).

    A published document reaches every visitor: JavaScript in a PDF, macros in an
    office file or malware would run on their computers. The refusal is the form
    error, for the editor; malware found is audited.
    """

    def __init__(self, *args, user=None, **kwargs):
        self.acting_user = user  # Wagtail's form does not keep it
        super().__init__(*args, user=user, **kwargs)

    def clean_file(self):
        file = self.cleaned_data.get("file")
        if file and "file" in self.changed_data:
            try:
                inspect_upload(file)
            except InfectedUpload as error:
                record(
                    "practices.document.malware_found",
                    actor=self.acting_user,
                    outcome="denied",
                    details={
                        "signature": error.signature,
                        "sha256": error.sha256,
                        "size": file.size,
                    },
                )
                raise
        return file
