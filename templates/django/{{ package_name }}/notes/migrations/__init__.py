"""The notes app's migrations; `python manage.py makemigrations` adds new ones here."""
