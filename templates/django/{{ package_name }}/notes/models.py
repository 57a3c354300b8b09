"""The example model: a note with a title and a body."""

from django.db import models


class Note(models.Model):
    """A titled note; the newest come first."""

    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title
