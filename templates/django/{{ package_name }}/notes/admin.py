"""Notes in the admin: listed newest first, searchable by title and body."""

from django.contrib import admin

from .models import Note


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    """How the admin lists and edits notes."""

    list_display = ["title", "created_at"]
    search_fields = ["title", "body"]
    date_hierarchy = "created_at"
