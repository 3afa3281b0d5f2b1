"""INFO Hub: the ASGI app, settings, database models and domain services."""
