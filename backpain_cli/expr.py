"""The small condition language used in data/ by rules, features, exclusions and questions.

    symptoms.fever                  the list answer holds the id, or the choice answer is the id
    age >= 50                       a number compared (>=, >, <=, <, ==); false when not answered
    not X    X and Y    X or Y      (...)
    atleast(2, X, Y, Z)             at least N of the parts hold

Every atom is false when its key was not answered, so an expression without `not` can only turn
from false to true as answers are added: urgency rules are required to be of that kind, which is
what makes urgency monotone.
"""

from __future__ import annotations

import operator
import re
import sys
from collections.abc import Callable, Mapping
from typing import Any

from .records import Record

#: What an expression is evaluated against: the set of "key.id" facts, and the numeric answers.
Facts = frozenset[str]
Numbers = Mapping[str, float]
Predicate = Callable[[Facts, Numbers], bool]
#: Facts and the atoms of comparisons that hold, in one set (see `atom`).
Atoms = frozenset[str]
AtomPredicate = Callable[[Atoms], bool]
_Part = tuple[AtomPredicate, str | frozenset[str] | None]
Node = tuple[Any, ...]

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}
# The parser's patterns, compiled by `re` when something is first parsed: an installed run
# loads conditions already parsed (the compiled knowledge base) and never needs them.
_TOKEN = r"\s*(?:(>=|<=|==|>|<)|([A-Za-z_][A-Za-z0-9_]*)|(\d+(?:\.\d+)?)|([().,]))"


class ExprError(ValueError):
    """A condition in data/ that does not parse or names something unknown."""


class Expr(Record):
    """A parsed condition: its source text, its tree and what it refers to. Plain data (it
    pickles as a tuple); its tests are compiled the first time one is used, and kept."""

    text: str
    facts: frozenset[str]
    numbers: frozenset[tuple[str, str, float]]
    negated: bool
    #: The parsed condition, for other translations (FHIR enableWhen): ("fact", key, id) |
    #: ("cmp", key, op, number) | ("not", node) | ("and" | "or", [nodes]) |
    #: ("atleast", count, [nodes])
    tree: Node
    #: Atoms of which at least one must be present for the condition to hold (None when it
    #: uses `not`, and so may hold with nothing answered). The engine tests a condition only
    #: when one of its trigger atoms is there.
    trigger: frozenset[str] | None

    def __call__(self, facts: Facts, numbers: Numbers) -> bool:
        return _compiled(self)[1](facts, numbers)

    @property
    def test(self) -> Predicate:
        """The condition over the answers: (facts, numbers) -> bool."""
        return _compiled(self)[1]

    @property
    def holds(self) -> AtomPredicate:
        """The same condition over atoms: one set holding the facts and the comparisons that
        hold (`atom(key, op, number)`), which is how the engine evaluates many at once."""
        return _compiled(self)[0]

    @property
    def single_fact(self) -> str | None:
        """The fact when the whole expression is one `key.id` atom, else None."""
        return f"{self.tree[1]}.{self.tree[2]}" if self.tree[0] == "fact" else None


#: id(expr) -> its compiled tests, and the expr itself (kept alive, so that its id stays its own)
_COMPILED: dict[int, tuple[AtomPredicate, Predicate, Expr]] = {}


def _compiled(expr: Expr) -> tuple[AtomPredicate, Predicate, Expr]:
    found = _COMPILED.get(id(expr))
    if found is None:
        holds, test = _compile_tests(expr)
        found = _COMPILED[id(expr)] = (holds, test, expr)
    return found


def _compile_tests(expr: Expr) -> tuple[AtomPredicate, Predicate]:
    tree, comparisons = expr.tree, expr.numbers
    if tree[0] == "fact":  # one answer: the most common condition by far
        fact = f"{tree[1]}.{tree[2]}"
        return expr.facts.issubset, (lambda f, n: fact in f)
    holds, _shape = _compile(tree)
    if comparisons:
        return holds, (lambda f, n: holds(f | comparison_atoms(comparisons, n)))
    return holds, (lambda f, n: holds(f))


def atom(key: str, op: str, number: float) -> str:
    """The atom of a comparison: `age>=50.0`. Facts always hold a dot and never an operator."""
    return sys.intern(f"{key}{op}{number!r}")


def comparison_atoms(
    comparisons: frozenset[tuple[str, str, float]], numbers: Numbers
) -> frozenset[str]:
    """The atoms of the comparisons that hold for these numbers (unanswered: none hold)."""
    return frozenset(
        atom(key, op, value)
        for key, op, value in comparisons
        if key in numbers and OPERATORS[op](numbers[key], value)
    )


_SINGLE_FACT = r"\s*([a-z_][a-z0-9_]*\.[a-z0-9_]+)\s*"


def parse(text: str) -> Expr:
    """Parse a condition, raising ExprError with the position of the problem."""
    single = re.fullmatch(_SINGLE_FACT, text)
    if single is not None:  # most conditions are one answer: skip the parser
        fact = sys.intern(single.group(1))
        key, _, value = fact.partition(".")
        facts = frozenset((fact,))
        return Expr(text, facts, frozenset(), False, ("fact", sys.intern(key), value), facts)
    tokens = _tokenize(text)
    parser = _Parser(text, tokens)
    tree = parser.expression()
    if parser.pos != len(tokens):
        raise ExprError(f"unexpected {tokens[parser.pos]!r} in {text!r}")
    return Expr(
        text,
        frozenset(parser.facts),
        frozenset(parser.numbers),
        parser.negated,
        tree,
        _trigger(tree),
    )


def _tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    text = text.rstrip()
    for match in re.finditer(_TOKEN, text):
        if match.start() != pos:
            break
        tokens.append(match.group(match.lastindex or 0))
        pos = match.end()
    if pos != len(text):
        raise ExprError(f"cannot read {text[pos:]!r} in {text!r}")
    return tokens


class _Parser:
    def __init__(self, text: str, tokens: list[str]) -> None:
        self.text = text
        self.tokens = tokens
        self.pos = 0
        self.facts: set[str] = set()
        self.numbers: set[tuple[str, str, float]] = set()
        self.negated = False

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None:
            raise ExprError(f"{self.text!r} ends too early")
        if expected is not None and token != expected:
            raise ExprError(f"expected {expected!r} but found {token!r} in {self.text!r}")
        self.pos += 1
        return token

    def expression(self) -> Node:
        parts = [self.conjunction()]
        while self.peek() == "or":
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else ("or", parts)

    def conjunction(self) -> Node:
        parts = [self.negation()]
        while self.peek() == "and":
            self.take()
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else ("and", parts)

    def negation(self) -> Node:
        if self.peek() == "not":
            self.take()
            self.negated = True
            return ("not", self.negation())
        return self.atom()

    def atom(self) -> Node:
        token = self.take()
        if token == "(":
            inner = self.expression()
            self.take(")")
            return inner
        if token == "atleast":
            return self.atleast()
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", token) or token in ("and", "or", "not"):
            raise ExprError(f"expected an answer but found {token!r} in {self.text!r}")
        following = self.peek()
        if following == ".":
            self.take()
            value = self.take()
            self.facts.add(sys.intern(f"{token}.{value}"))
            return ("fact", sys.intern(token), value)
        if following in OPERATORS:
            op_text = self.take()
            number_text = self.take()
            try:
                number = float(number_text)
            except ValueError:
                raise ExprError(f"expected a number after {op_text!r} in {self.text!r}") from None
            self.numbers.add((token, op_text, number))
            return ("cmp", token, op_text, number)
        raise ExprError(f"expected '.' or a comparison after {token!r} in {self.text!r}")

    def atleast(self) -> Node:
        self.take("(")
        count_text = self.take()
        if not count_text.isdigit():
            raise ExprError(f"atleast needs a whole number first, in {self.text!r}")
        count = int(count_text)
        parts: list[Node] = []
        while self.peek() == ",":
            self.take()
            parts.append(self.expression())
        self.take(")")
        if not 1 <= count <= len(parts):
            raise ExprError(f"atleast({count}, ...) has {len(parts)} parts in {self.text!r}")
        return ("atleast", count, parts)


def _compile(node: Node) -> _Part:
    """A parsed condition as a test over atoms. Returns (predicate, shape): the shape is the
    atom when the node is one fact or comparison, the set of atoms when it is an `or` of atoms
    (true when any is present), else None; `and` and `or` fold these into set operations done
    in C, so that a typical condition is one Python call."""
    kind = node[0]
    if kind in ("fact", "cmp"):
        name = f"{node[1]}.{node[2]}" if kind == "fact" else atom(node[1], node[2], node[3])
        return (lambda a: name in a), name
    if kind == "not":
        inner, _shape = _compile(node[1])
        return (lambda a: not inner(a)), None
    if kind == "atleast":
        count, compiled = node[1], [_compile(part) for part in node[2]]
        atoms = [shape for _test, shape in compiled if isinstance(shape, str)]
        if len(atoms) == len(compiled):
            return (lambda a: sum(1 for name in atoms if name in a) >= count), None
        parts = [test for test, _shape in compiled]
        return (lambda a: sum(1 for part in parts if part(a)) >= count), None
    compiled = [_compile(part) for part in node[1]]
    names = frozenset(shape for _test, shape in compiled if isinstance(shape, str))
    sets = [shape for _test, shape in compiled if isinstance(shape, frozenset)]
    others = [test for test, shape in compiled if shape is None]
    if kind == "or":
        names = names.union(*sets)
        if not others:
            return (lambda a: not names.isdisjoint(a)), names
        if not names and len(others) == 2:
            first, second = others
            return (lambda a: first(a) or second(a)), None
        if len(others) == 1:
            other = others[0]
            return (lambda a: not names.isdisjoint(a) or other(a)), None
        return (lambda a: not names.isdisjoint(a) or any(o(a) for o in others)), None
    return _all_of(names, sets, others), None


def _all_of(
    names: frozenset[str], sets: list[frozenset[str]], others: list[AtomPredicate]
) -> AtomPredicate:
    """`and`: every atom in `names` present, one of each set present, every other part true."""
    if not others and not sets:
        return lambda a: names <= a
    if not others and len(sets) == 1:
        (one,) = sets
        if not names:
            return lambda a: not one.isdisjoint(a)
        return lambda a: names <= a and not one.isdisjoint(a)
    if not others and len(sets) == 2:
        one, two = sets
        return lambda a: names <= a and not one.isdisjoint(a) and not two.isdisjoint(a)
    if not sets and len(others) == 1:
        (other,) = others
        return lambda a: names <= a and other(a)
    if len(sets) == 1 and len(others) == 1:
        (one,), (other,) = sets, others
        return lambda a: names <= a and not one.isdisjoint(a) and other(a)
    if not sets and not names and len(others) == 2:
        first, second = others
        return lambda a: first(a) and second(a)
    return lambda a: (
        names <= a and all(not one.isdisjoint(a) for one in sets) and all(o(a) for o in others)
    )


def _is_comparison(name: str) -> bool:
    return "<" in name or ">" in name or "=" in name


def _trigger(node: Node) -> frozenset[str] | None:
    """Atoms of which at least one must be present for the node to hold; None if there are
    none (under `not`). For `and`, one part's trigger is enough: the one with fewest
    comparisons (facts are rarer than `age >= 50`), then the smallest."""
    kind = node[0]
    if kind == "fact":
        return frozenset((f"{node[1]}.{node[2]}",))
    if kind == "cmp":
        return frozenset((atom(node[1], node[2], node[3]),))
    if kind == "not":
        return None
    parts = [_trigger(part) for part in (node[2] if kind == "atleast" else node[1])]
    if kind == "and":
        known = [part for part in parts if part is not None]
        if not known:
            return None
        return min(known, key=lambda part: (sum(1 for a in part if _is_comparison(a)), len(part)))
    if any(part is None for part in parts):
        return None
    return frozenset().union(*parts)  # type: ignore[arg-type]
