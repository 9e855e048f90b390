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
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

#: What an expression is evaluated against: the set of "key.id" facts, and the numeric answers.
Facts = frozenset[str]
Numbers = Mapping[str, float]
Predicate = Callable[[Facts, Numbers], bool]
_Part = tuple[Predicate, str | None]
Node = tuple[Any, ...]

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}
_TOKEN = re.compile(r"\s*(?:(>=|<=|==|>|<)|([A-Za-z_][A-Za-z0-9_]*)|(\d+(?:\.\d+)?)|([().,]))")


class ExprError(ValueError):
    """A condition in data/ that does not parse or names something unknown."""


class Expr(NamedTuple):
    """A parsed condition: its source text, a compiled predicate and what it refers to."""

    text: str
    test: Predicate
    facts: frozenset[str]
    numbers: frozenset[tuple[str, str, float]]
    negated: bool
    #: The parsed condition, for other translations (FHIR enableWhen): ("fact", key, id) |
    #: ("cmp", key, op, number) | ("not", node) | ("and" | "or", [nodes]) |
    #: ("atleast", count, [nodes])
    tree: Node

    def __call__(self, facts: Facts, numbers: Numbers) -> bool:
        return self.test(facts, numbers)

    @property
    def single_fact(self) -> str | None:
        """The fact when the whole expression is one `key.id` atom, else None."""
        return f"{self.tree[1]}.{self.tree[2]}" if self.tree[0] == "fact" else None


_SINGLE_FACT = re.compile(r"\s*([a-z_][a-z0-9_]*\.[a-z0-9_]+)\s*")


def parse(text: str) -> Expr:
    """Parse a condition, raising ExprError with the position of the problem."""
    single = _SINGLE_FACT.fullmatch(text)
    if single is not None:  # most conditions are one answer: skip the parser
        fact = single.group(1)
        key, _, value = fact.partition(".")
        tree: Node = ("fact", key, value)
        return Expr(text, lambda f, n: fact in f, frozenset((fact,)), frozenset(), False, tree)
    tokens = _tokenize(text)
    parser = _Parser(text, tokens)
    tree = parser.expression()
    if parser.pos != len(tokens):
        raise ExprError(f"unexpected {tokens[parser.pos]!r} in {text!r}")
    test, _fact = _compile(tree)
    facts = frozenset(parser.facts)
    if not parser.negated and not parser.numbers:
        # Without `not` or numbers, nothing holds unless one of its facts was answered: a quick
        # C-level check turns most conditions down before the full test runs.
        full = test

        def test(f: Facts, n: Numbers) -> bool:
            return not facts.isdisjoint(f) and full(f, n)

    return Expr(text, test, facts, frozenset(parser.numbers), parser.negated, tree)


def _tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    text = text.rstrip()
    for match in _TOKEN.finditer(text):
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
            self.facts.add(f"{token}.{value}")
            return ("fact", token, value)
        if following in _OPS:
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
    """A parsed condition as a test. Returns (predicate, fact): `fact` is set when the node is
    one plain `key.id` atom, so that `or` and `and` of plain atoms become one set operation,
    done in C."""
    kind = node[0]
    if kind == "fact":
        fact = f"{node[1]}.{node[2]}"
        return (lambda f, n: fact in f), fact
    if kind == "cmp":
        key, compare, number = node[1], _OPS[node[2]], node[3]
        return (lambda f, n: key in n and compare(n[key], number)), None
    if kind == "not":
        inner, _fact = _compile(node[1])
        return (lambda f, n: not inner(f, n)), None
    if kind == "atleast":
        count, parts = node[1], [_compile(part)[0] for part in node[2]]
        return (lambda f, n: sum(1 for part in parts if part(f, n)) >= count), None
    compiled = [_compile(part) for part in node[1]]
    facts = frozenset(fact for _test, fact in compiled if fact)
    others = [test for test, fact in compiled if not fact]
    if kind == "or":
        if not others:
            return (lambda f, n: not facts.isdisjoint(f)), None
        if len(others) == 1:
            other = others[0]
            return (lambda f, n: not facts.isdisjoint(f) or other(f, n)), None
        return (lambda f, n: not facts.isdisjoint(f) or any(o(f, n) for o in others)), None
    if not others:
        return (lambda f, n: facts <= f), None
    if len(others) == 1:
        other = others[0]
        return (lambda f, n: facts <= f and other(f, n)), None
    return (lambda f, n: facts <= f and all(o(f, n) for o in others)), None
