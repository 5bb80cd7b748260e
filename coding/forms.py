from __future__ import annotations

from django import forms

from coding.models import Code, Memo


class ColourInput(forms.TextInput):
    input_type = "color"


class BootstrapMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            else:
                widget.attrs.setdefault("class", "form-control")


class CodeForm(BootstrapMixin, forms.ModelForm):
    """The fields of a code a lead edits; the tree position is changed by moving."""

    class Meta:
        model = Code
        fields = ["name", "colour", "definition", "inclusion", "exclusion", "example", "is_codable"]
        widgets = {
            "colour": ColourInput(attrs={"class": "form-control form-control-color"}),
            "definition": forms.Textarea(attrs={"rows": 2}),
            "inclusion": forms.Textarea(attrs={"rows": 2}),
            "exclusion": forms.Textarea(attrs={"rows": 2}),
            "example": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"is_codable": "Can be applied to text (untick for a grouping code)"}

    def validate_unique(self) -> None:
        # Sibling names are checked by the service with a message naming the place.
        pass

    def _post_clean(self) -> None:
        # The service cleans the model; the form only checks its own fields.
        pass


class MemoForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Memo
        fields = ["title", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 6})}
