"""Create notes

Migration ID: 267a71c489a4
Revises:
Creation Date: 2026-11-24 13:10:56.554281

"""

from emmett.orm import migrations


class Migration(migrations.Migration):
    revision = "267a71c489a4"
    revises = None

    def up(self):
        self.create_table(
            "notes",
            migrations.Column("id", "id"),
            migrations.Column("title", "string", length=200),
            migrations.Column("body", "text", default=""),
            migrations.Column("created_at", "datetime"),
            primary_keys=["id"],
        )

    def down(self):
        self.drop_table("notes")
