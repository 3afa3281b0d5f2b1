"""`schema.plan_common.compile_object`: the compiled builder gives what the pairs describe."""

from __future__ import annotations

import operator

import pytest

from schema.plan_common import Col, Const, compile_object


def test_the_compiled_object_is_the_one_the_pairs_describe() -> None:
    row = (7, "2570", None, 3, "บ้านหนองบัว", None)
    village = [("__typename", Const("Village")), ("number", Col(3)), ("nameTh", Col(4))]
    pairs = [
        ("__typename", Const("WaterSupplySystem")),
        ("id", Col(0)),
        ("year", Col(1, int)),
        ("k0_name", Col(2)),
        ("called", operator.itemgetter(0)),
        ("place", ("object", [("n", Col(3)), ("t", Const("x"))])),
        ("village", ("village", 3, village)),
        ("gone", ("village", 5, village)),
    ]
    built = compile_object(pairs)(row)
    assert built == {
        "__typename": "WaterSupplySystem",
        "id": 7,
        "year": 2570,
        "k0_name": None,
        "called": 7,
        "place": {"n": 3, "t": "x"},
        "village": {"__typename": "Village", "number": 3, "nameTh": "บ้านหนองบัว"},
        "gone": None,
    }
    assert list(built) == [k for k, _ in pairs]  # the document's order
    flat = [p for p in pairs if not isinstance(p[1], tuple)] + [pairs[5]]
    assert compile_object(flat)(row) == {k: v for k, v in built.items() if k in dict(flat)}


def test_slots_filled_later_keep_their_place_and_unknown_slots_are_refused() -> None:
    pairs = [("a", Col(0)), ("systems", ("records", 0)), ("b", Const(True))]
    built = compile_object(pairs, placeholders=True)((1,))
    assert list(built.items()) == [("a", 1), ("systems", None), ("b", True)]
    with pytest.raises(TypeError):
        compile_object(pairs)


def test_keys_and_values_never_become_code() -> None:
    evil = "x'] + __import__('os').getcwd() + ['"
    built = compile_object([(evil, Const(evil)), ("v", Col(0))])(("'); raise SystemExit #",))
    assert built == {evil: evil, "v": "'); raise SystemExit #"}
