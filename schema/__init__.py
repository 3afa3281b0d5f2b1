"""The strawberry GraphQL schema: types, queries and (later) mutations and permissions."""

from schema.root import schema

__all__ = ["schema"]
