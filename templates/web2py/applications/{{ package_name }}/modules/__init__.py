"""Python modules of the application, importable from its models and controllers."""
