from __future__ import annotations

from django import forms
from django.conf import settings


class _UploadForm(forms.Form):
    suffix = ""

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(self.suffix):
            raise forms.ValidationError(f"Choose a {self.suffix} file.")
        if upload.size > settings.PARLEY_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {settings.PARLEY_MAX_UPLOAD_BYTES // (1024 * 1024)} MB."
            )
        return upload


class ProjectImportForm(_UploadForm):
    suffix = ".qdpx"
    file = forms.FileField(label="REFI-QDA project (.qdpx)")


class CodebookImportForm(_UploadForm):
    suffix = ".qdc"
    file = forms.FileField(label="REFI-QDA codebook (.qdc)")


class ExportForm(forms.Form):
    include_identities = forms.BooleanField(
        required=False,
        label="Include interviewees' real names, contact and consent details, and the "
        "identified text",
        help_text="Only for a trusted recipient: the file will identify people. "
        "The export is recorded in the project's history.",
    )
