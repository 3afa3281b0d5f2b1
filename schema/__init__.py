"""The strawberry GraphQL schema: types, queries, mutations (`schema.mutations`), field
permissions, query limits, the planned read path and the per-request DataLoaders.

It may import `hub.rules`, `hub.db` and `hub.services`; the web layer (`hub.web`) serves
it and nothing here imports the web layer. `schema/schema.graphql` is the exported contract
(`hub schema export --check`).
"""

from schema.root import schema

__all__ = ["schema"]
