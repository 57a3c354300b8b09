"""The users app's migrations; `python manage.py makemigrations` adds new ones here."""
