"""Record types behave as the NamedTuples they replace."""

from __future__ import annotations

import pickle

import pytest

from backpain_cli.records import Record


class Point(Record):
    x: int
    y: int
    label: str = ""


def test_built_by_position_or_name_with_defaults() -> None:
    assert Point(1, 2) == (1, 2, "")
    assert Point(1, y=2, label="a") == Point(x=1, y=2, label="a") == (1, 2, "a")
    assert Point(1, 2).label == "" and Point(1, 2, "b").y == 2


@pytest.mark.parametrize(
    ("args", "kwargs", "words"),
    [
        ((1,), {}, "missing field 'y'"),
        ((1, 2, "a", 4), {}, "takes 3 fields"),
        ((1, 2), {"z": 3}, "unknown or repeated field 'z'"),
        ((1, 2), {"x": 3}, "unknown or repeated field 'x'"),
    ],
)
def test_wrong_fields_are_refused(
    args: tuple[object, ...], kwargs: dict[str, object], words: str
) -> None:
    with pytest.raises(TypeError, match=words):
        Point(*args, **kwargs)


def test_a_field_without_a_default_cannot_follow_one_with() -> None:
    with pytest.raises(TypeError, match="without a default"):

        class Broken(Record):
            a: int = 0
            b: int


def test_a_tuple_underneath() -> None:
    point = Point(1, 2, "a")
    x, y, label = point
    assert (x, y, label) == (1, 2, "a") and point[1] == 2 and len(point) == 3
    assert hash(point) == hash((1, 2, "a"))
    assert point._fields == ("x", "y", "label")
    with pytest.raises(AttributeError):
        point.x = 5  # type: ignore[misc]
    with pytest.raises(AttributeError):
        point.other = 5  # type: ignore[attr-defined]


def test_replace_repr_and_pickle() -> None:
    point = Point(1, 2)
    assert point._replace(y=5) == Point(1, 5)
    assert type(point._replace(y=5)) is Point
    assert repr(point) == "Point(x=1, y=2, label='')"
    again = pickle.loads(pickle.dumps(point))
    assert again == point and type(again) is Point and again.y == 2
