# The application's own language: web2py's T() returns its text as written.
{
    "!langcode!": "en",
    "!langname!": "English",
}
