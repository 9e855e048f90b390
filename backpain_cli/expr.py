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
from typing import NamedTuple

#: What an expression is evaluated against: the set of "key.id" facts, and the numeric answers.
Facts = frozenset[str]
Numbers = Mapping[str, float]
Predicate = Callable[[Facts, Numbers], bool]
_Part = tuple[Predicate, str | None]

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

    def __call__(self, facts: Facts, numbers: Numbers) -> bool:
        return self.test(facts, numbers)

    @property
    def single_fact(self) -> str | None:
        """The fact when the whole expression is one `key.id` atom, else None."""
        match = _SINGLE_FACT.fullmatch(self.text)
        return match.group(1) if match else None


_SINGLE_FACT = re.compile(r"\s*([a-z_][a-z0-9_]*\.[a-z0-9_]+)\s*")


def parse(text: str) -> Expr:
    """Parse a condition, raising ExprError with the position of the problem."""
    single = _SINGLE_FACT.fullmatch(text)
    if single is not None:  # most conditions are one answer: skip the parser
        fact = single.group(1)
        return Expr(text, lambda f, n: fact in f, frozenset((fact,)), frozenset(), False)
    tokens = _tokenize(text)
    parser = _Parser(text, tokens)
    test, _fact = parser.expression()
    if parser.pos != len(tokens):
        raise ExprError(f"unexpected {tokens[parser.pos]!r} in {text!r}")
    facts = frozenset(parser.facts)
    if not parser.negated and not parser.numbers:
        # Without `not` or numbers, nothing holds unless one of its facts was answered: a quick
        # C-level check turns most conditions down before the full test runs.
        full = test

        def test(f: Facts, n: Numbers) -> bool:
            return not facts.isdisjoint(f) and full(f, n)

    return Expr(text, test, facts, frozenset(parser.numbers), parser.negated)


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

    # Each step returns (predicate, fact): `fact` is set when the part is one plain `key.id`
    # atom, so that `or` and `and` of plain atoms compile to one set operation, done in C.

    def expression(self) -> _Part:
        parts = [self.conjunction()]
        while self.peek() == "or":
            self.take()
            parts.append(self.conjunction())
        if len(parts) == 1:
            return parts[0]
        facts = frozenset(fact for _test, fact in parts if fact)
        others = [test for test, fact in parts if not fact]
        if not others:
            return (lambda f, n: not facts.isdisjoint(f)), None
        if len(others) == 1:
            other = others[0]
            return (lambda f, n: not facts.isdisjoint(f) or other(f, n)), None
        return (lambda f, n: not facts.isdisjoint(f) or any(o(f, n) for o in others)), None

    def conjunction(self) -> _Part:
        parts = [self.negation()]
        while self.peek() == "and":
            self.take()
            parts.append(self.negation())
        if len(parts) == 1:
            return parts[0]
        facts = frozenset(fact for _test, fact in parts if fact)
        others = [test for test, fact in parts if not fact]
        if not others:
            return (lambda f, n: facts <= f), None
        if len(others) == 1:
            other = others[0]
            return (lambda f, n: facts <= f and other(f, n)), None
        return (lambda f, n: facts <= f and all(o(f, n) for o in others)), None

    def negation(self) -> _Part:
        if self.peek() == "not":
            self.take()
            self.negated = True
            inner, _fact = self.negation()
            return (lambda f, n: not inner(f, n)), None
        return self.atom()

    def atom(self) -> _Part:
        token = self.take()
        if token == "(":
            inner = self.expression()
            self.take(")")
            return inner
        if token == "atleast":
            return self.atleast(), None
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", token) or token in ("and", "or", "not"):
            raise ExprError(f"expected an answer but found {token!r} in {self.text!r}")
        following = self.peek()
        if following == ".":
            self.take()
            value = self.take()
            fact = f"{token}.{value}"
            self.facts.add(fact)
            return (lambda f, n: fact in f), fact
        if following in _OPS:
            op_text = self.take()
            number_text = self.take()
            try:
                number = float(number_text)
            except ValueError:
                raise ExprError(f"expected a number after {op_text!r} in {self.text!r}") from None
            compare = _OPS[op_text]
            self.numbers.add((token, op_text, number))
            key = token
            return (lambda f, n: key in n and compare(n[key], number)), None
        raise ExprError(f"expected '.' or a comparison after {token!r} in {self.text!r}")

    def atleast(self) -> Predicate:
        self.take("(")
        count_text = self.take()
        if not count_text.isdigit():
            raise ExprError(f"atleast needs a whole number first, in {self.text!r}")
        count = int(count_text)
        parts: list[Predicate] = []
        while self.peek() == ",":
            self.take()
            parts.append(self.expression()[0])
        self.take(")")
        if not 1 <= count <= len(parts):
            raise ExprError(f"atleast({count}, ...) has {len(parts)} parts in {self.text!r}")
        return lambda f, n: sum(1 for part in parts if part(f, n)) >= count
