"""The form that adds a note."""

from django import forms

from .models import Note


class NoteForm(forms.ModelForm):
    """A note's title and body; the title may not be blank."""

    class Meta:
        model = Note
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 4})}
