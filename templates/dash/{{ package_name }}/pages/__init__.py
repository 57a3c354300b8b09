"""The pages of the app: Dash imports each module here and registers its page (`use_pages=True`)."""
