"""Every registered operation: the repository's (`schema/operations/*.graphql`) and those an
operator added to the database (`hub operations add`, hub/services/persisted_operations.py),
as `Operation`s; and whether they still validate against the schema.

Both are addressed the same way: by the SHA-256 of the exact document text (the hash an
automatic-persisted-queries client sends, `extensions.persistedQuery.sha256Hash`, or a
`documentId` of `sha256:<hash>`) or by name and version (`documentId` `Name@version`). The
repository's names are reserved: the database cannot register an operation of the same name.
A lookup reads the repository from memory and the database with one indexed query.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import GraphQLSchema, parse, validate
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.services import persisted_operations as stored
from schema.operations import Operation, OperationFileError, parse_operation, repository_operations


def _from_database(row: stored.StoredOperation) -> Operation:
    return parse_operation(row.document, origin=f"{row.name}@{row.version}", source="database")


async def all_operations(engine: AsyncEngine) -> list[Operation]:
    """The repository's operations, then the database's, each by name and version."""
    ours = sorted(repository_operations().values(), key=lambda o: o.name)
    return ours + [_from_database(r) for r in await stored.stored_operations(engine)]


async def find_operation(
    engine: AsyncEngine,
    *,
    sha256: str | None = None,
    name: str | None = None,
    version: int | None = None,
) -> Operation | None:
    """The registered operation with this document hash, or this name and version."""
    for operation in repository_operations().values():
        if (sha256 is not None and operation.sha256 == sha256) or (
            sha256 is None and operation.name == name and operation.version == version
        ):
            return operation
    row = await stored.stored_operation(engine, sha256=sha256, name=name, version=version)
    return None if row is None else _from_database(row)


def problems_of(schema: GraphQLSchema, operation: Operation) -> list[str]:
    """Why `operation` does not validate against `schema` (nothing: it does)."""
    return [error.message for error in validate(schema, parse(operation.document))]


@dataclass(frozen=True)
class Checked:
    operation: Operation
    problems: list[str]


async def check_operations(engine: AsyncEngine, schema: GraphQLSchema) -> list[Checked]:
    """Every registered operation against `schema`."""
    return [Checked(op, problems_of(schema, op)) for op in await all_operations(engine)]


async def register_operation(
    engine: AsyncEngine, schema: GraphQLSchema, text: str, origin: str
) -> Operation:
    """Registers the operation file `text` in the database once it parses, names an operation
    the repository does not hold and validates against `schema`; `OperationFileError` or
    `stored.OperationConflict` says why not."""
    operation = parse_operation(text, origin=origin, source="database")
    if operation.name in repository_operations():
        raise OperationFileError(
            f"{origin}: {operation.name} is a repository operation (schema/operations); "
            "change it there"
        )
    problems = problems_of(schema, operation)
    if problems:
        raise OperationFileError(f"{origin}: does not validate: {'; '.join(problems)}")
    await stored.add_operation(
        engine,
        stored.StoredOperation(
            operation.name,
            operation.version,
            operation.sha256,
            operation.kind,
            operation.document,
            operation.summary,
        ),
    )
    return operation
