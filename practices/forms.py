"""Wagtail's document and image forms, checked like exchange uploads (malware etc.)."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile

from wagtail.documents.forms import BaseDocumentForm
from wagtail.images.forms import BaseImageForm

from exchange.uploads import InfectedUpload, inspect_upload, scan_or_refuse
from portal.audit.actions import record


class _CheckedUploadMixin:
    """Checks a newly uploaded `file` with `check`; audits malware found.

    Published documents and images reach every visitor: JavaScript in a PDF, macros
    in an office file or malware would run on their computers. The refusal is the
    form's error, for the editor.
    """

    audit_action = ""

    def __init__(self, *args, user=None, **kwargs):
        self.acting_user = user  # Wagtail's form does not keep it
        super().__init__(*args, user=user, **kwargs)

    def check(self, file: UploadedFile) -> None:
        raise NotImplementedError

    def clean_file(self):
        file = self.cleaned_data.get("file")
        if file and "file" in self.changed_data:
            try:
                self.check(file)
            except InfectedUpload as error:
                record(
                    self.audit_action,
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


class CheckedDocumentForm(_CheckedUploadMixin, BaseDocumentForm):
    """Documents get all of the exchange's upload checks (`inspect_upload`)."""

    audit_action = "practices.document.malware_found"

    def check(self, file: UploadedFile) -> None:
        inspect_upload(file)


class CheckedImageForm(_CheckedUploadMixin, BaseImageForm):
    """Images, whose type Wagtail checks itself, are scanned for malware."""

    audit_action = "practices.image.malware_found"

    def check(self, file: UploadedFile) -> None:
        scan_or_refuse(file)
