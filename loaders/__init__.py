"""Bulk loading: the geography importer and the demo dataset generator.

Loaders write many rows at once, in their own transactions, and refresh the planner's
statistics of what they filled (`hub.db.engine.analyze`). They may import `hub.rules`,
`hub.db` and `hub.services` (the change log); nothing of the web or the schema. The
per-request DataLoaders of the GraphQL schema are `schema.loaders`.
"""
