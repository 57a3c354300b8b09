"""Users: the project's own user model (AUTH_USER_MODEL), its admin and its account pages."""
