"""Immutable value records: tuples with named fields, as typing.NamedTuple makes, but cheap to
define.

typing.NamedTuple compiles a constructor for every class it makes, about 0.3 ms a class: for
the twenty record types an assessment loads, a sixth of the time backpain adds to Python's own
start. A Record class is built without compiling anything. Declared the same way:

    class Source(Record):
        id: str
        url: str = ""

it is a tuple (equality, hashing, unpacking and indexing as a tuple's), with the fields as
read-only properties, positional or keyword construction with defaults, `_replace`, a readable
repr, and pickling that rebuilds it in C.
"""

from __future__ import annotations

from collections import _tuplegetter  # type: ignore[attr-defined]  # namedtuple's field getter
from typing import Any, ClassVar, dataclass_transform


@dataclass_transform(frozen_default=True)
class _RecordType(type):
    def __new__(
        mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any
    ) -> _RecordType:
        namespace.setdefault("__slots__", ())
        if bases != (tuple,):  # a record type, not Record itself
            fields = tuple(namespace.get("__annotations__", {}))
            defaults: dict[str, Any] = {}
            for position, field in enumerate(fields):
                if field in namespace:
                    defaults[field] = namespace[field]
                elif defaults:
                    raise TypeError(f"{name}.{field}: a field without a default after one with")
                namespace[field] = _tuplegetter(position, f"Field {position}")
            namespace["_fields"] = fields
            namespace["_defaults"] = defaults
        return super().__new__(mcs, name, bases, namespace, **kwargs)


class Record(tuple[Any, ...], metaclass=_RecordType):
    """The base of record types: see the module's docstring."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if kwargs or len(args) != len(cls._fields):
            args = cls._complete(args, kwargs)
        return tuple.__new__(cls, args)

    @classmethod
    def _complete(cls, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        fields = cls._fields
        if len(args) > len(fields):
            raise TypeError(f"{cls.__name__} takes {len(fields)} fields, got {len(args)}")
        values = list(args)
        for field in fields[len(args) :]:
            if field in kwargs:
                values.append(kwargs.pop(field))
            elif field in cls._defaults:
                values.append(cls._defaults[field])
            else:
                raise TypeError(f"{cls.__name__}: missing field {field!r}")
        if kwargs:
            raise TypeError(f"{cls.__name__}: unknown or repeated field {next(iter(kwargs))!r}")
        return tuple(values)

    def _replace(self, **changes: Any) -> Any:
        """A copy with some fields changed."""
        return type(self)(**{**dict(zip(self._fields, self, strict=True)), **changes})

    def __repr__(self) -> str:
        inner = ", ".join(f"{f}={v!r}" for f, v in zip(self._fields, self, strict=True))
        return f"{type(self).__name__}({inner})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (tuple.__new__, (type(self), tuple(self)))
