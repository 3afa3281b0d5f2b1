"""The registry of named operations kept in the repository (`schema/operations/*.graphql`).

Each `.graphql` file holds exactly one named operation. Comment lines at the top of the file,
before the operation, carry its metadata:

    # version: 1
    # rest: GET /api/v1/laos/{code}
    # summary: One LAO's public profile
    query LaoProfile($code: String!) { ... }

- `version` (required, a positive integer): bumped whenever the document changes in a way a
  client would notice; a persisted operation is addressed by `name` + `version` or by the
  SHA-256 of its exact document text (`sha256`, as in the automatic-persisted-queries protocol).
- `rest` (optional): the REST route generated from the operation, `METHOD /path`; each
  `{name}` in the path is the operation variable of that name, the other variables are query
  parameters.
- `summary` (optional): one line for the OpenAPI document and `hub operations list`.

The registry is read once per process (`repository_operations()`); the database may add more
operations at run time (see the persisted-operations service), using the same `Operation`
dataclass. Contract: names are unique, each document parses and names exactly one operation
whose name equals the registry name; `load_operations` raises `OperationFileError` naming the
file otherwise (the test suite loads the registry, so a broken file fails the build).
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from graphql import OperationDefinitionNode, parse
from graphql.error import GraphQLSyntaxError

OPERATIONS_DIR = Path(__file__).resolve().parent

_META = re.compile(r"^#\s*(?P<key>[a-z_]+)\s*:\s*(?P<value>.*?)\s*$")
_REST = re.compile(r"^(?P<method>GET|POST)\s+(?P<path>/\S*)$")


class OperationFileError(ValueError):
    """An operation file that cannot be registered; the message names the file and why."""


@dataclass(frozen=True)
class RestRoute:
    method: str
    path: str

    @property
    def path_parameters(self) -> tuple[str, ...]:
        return tuple(re.findall(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", self.path))


@dataclass(frozen=True)
class Operation:
    """One persisted operation: a named, versioned GraphQL document."""

    name: str
    version: int
    document: str
    kind: str  # "query" or "mutation"
    rest: RestRoute | None = None
    summary: str = ""
    source: str = "repository"  # or "database"

    @functools.cached_property
    def sha256(self) -> str:
        """Hex SHA-256 of the document text exactly as stored (the APQ hash)."""
        return hashlib.sha256(self.document.encode("utf-8")).hexdigest()


def parse_operation(text: str, *, origin: str, source: str = "repository") -> Operation:
    """Build an `Operation` from a file's text; `origin` names it in errors."""
    meta: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        match = _META.match(stripped)
        if match:
            meta[match["key"]] = match["value"]
    try:
        document = parse(text)
    except GraphQLSyntaxError as exc:
        raise OperationFileError(f"{origin}: does not parse: {exc.message}") from exc
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].name is None:
        raise OperationFileError(f"{origin}: must hold exactly one named operation")
    node = operations[0]
    assert node.name is not None
    try:
        version = int(meta.get("version", ""))
    except ValueError:
        raise OperationFileError(f"{origin}: needs a '# version: N' line") from None
    if version < 1:
        raise OperationFileError(f"{origin}: version must be 1 or more")
    rest = None
    if "rest" in meta:
        match = _REST.match(meta["rest"])
        if not match:
            raise OperationFileError(f"{origin}: '# rest:' must read 'GET /path' or 'POST /path'")
        rest = RestRoute(match["method"], match["path"])
        variables = {v.variable.name.value for v in node.variable_definitions or ()}
        missing = [p for p in rest.path_parameters if p not in variables]
        if missing:
            raise OperationFileError(f"{origin}: path parameters {missing} are not variables")
    return Operation(
        name=node.name.value,
        version=version,
        document=text,
        kind=node.operation.value,
        rest=rest,
        summary=meta.get("summary", ""),
        source=source,
    )


def load_operations(directory: Path = OPERATIONS_DIR) -> dict[str, Operation]:
    """Every operation file under `directory`, by name."""
    found: dict[str, Operation] = {}
    for path in sorted(directory.glob("*.graphql")):
        operation = parse_operation(path.read_text(encoding="utf-8"), origin=path.name)
        if operation.name in found:
            raise OperationFileError(f"{path.name}: operation {operation.name} is defined twice")
        found[operation.name] = operation
    return found


@functools.cache
def repository_operations() -> dict[str, Operation]:
    """The repository's operations, read once per process."""
    return load_operations()
