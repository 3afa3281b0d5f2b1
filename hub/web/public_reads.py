"""GraphQL operations run in-process as the public: what the open-data files and the LAO card
read (`hub.web.open_data`, `hub.web.embed`).

They read exactly what an anonymous caller of `/graphql` would: the identity is `PUBLIC`, so
the row rule (certified LAO-years only) and the field guards apply as they do to anyone, and
nothing they publish can be more than the public already sees. The planned read path
(`schema.planner`) answers what it supports, the resolvers the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from strawberry.http import GraphQLRequestData

from hub.db.replicas import reader_for
from hub.rules.identity import PUBLIC
from schema.context import HubContext


class PublicReadFailed(Exception):
    """A public operation answered errors (a bug of the operation, or the database failed)."""


async def public_graphql(state: Any, query: str, variables: Mapping[str, Any]) -> Any:
    """`query`'s data, read as the public; its errors raise (the request guard answers)."""
    context = HubContext(
        engine=state.engine,
        writer=state.writer,
        reader=reader_for(state, PUBLIC),
        identity=PUBLIC,
        settings=state.settings,
    )
    result = None
    if state.planner is not None:
        request = GraphQLRequestData(
            query=query, variables=dict(variables), operation_name=None, extensions=None
        )
        result = await state.planner.execute(request, context)
    if result is None:
        result = await state.schema.execute(
            query, variable_values=dict(variables), context_value=context
        )
    if result.errors:
        original = result.errors[0].original_error
        raise original if original is not None else PublicReadFailed(result.errors[0].message)
    return result.data
