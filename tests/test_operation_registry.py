"""The repository's registry of named operations (`schema/operations`) loads and validates."""

from __future__ import annotations

import pytest
from graphql import parse, validate

from schema.operations import OperationFileError, parse_operation, repository_operations
from schema.root import build_schema


def test_every_repository_operation_validates_against_the_schema() -> None:
    schema = build_schema()._schema
    operations = repository_operations()
    assert operations, "the registry is empty"
    for name, operation in operations.items():
        errors = validate(schema, parse(operation.document))
        assert not errors, f"{name}: {[e.message for e in errors]}"
        assert len(operation.sha256) == 64


def test_rest_paths_name_variables() -> None:
    with pytest.raises(OperationFileError, match="not variables"):
        parse_operation(
            "# version: 1\n# rest: GET /api/v1/x/{nope}\nquery X($code: String!) { lao(code: $code) { code } }",
            origin="x.graphql",
        )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("query X { provinces { code } }", "version"),
        ("# version: 1\n{ provinces { code } }", "exactly one named"),
        ("# version: 1\nquery X {", "does not parse"),
        ("# version: 0\nquery X { provinces { code } }", "1 or more"),
    ],
)
def test_a_broken_operation_file_is_named(text: str, reason: str) -> None:
    with pytest.raises(OperationFileError, match=reason):
        parse_operation(text, origin="broken.graphql")
