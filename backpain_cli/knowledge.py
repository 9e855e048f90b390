"""Load the knowledge base in data/ into typed objects, once per process, and validate it.

Anything a reviewer could get wrong is a load-time error here (and so a failing test): an unknown
id, a condition naming an answer that does not exist, a rule, condition or advice without a
source, an urgency rule that could be lowered by adding an answer.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from . import expr
from .records import Record

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

LEVELS = ("self_care", "see_doctor_soon", "urgent", "emergency")
LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}
GRADES = ("recommended", "may_help", "guidelines_disagree", "not_recommended")
ADVICE_TOPICS = (
    "getting_help",
    "self_care",
    "medicines",
    "treatments",
    "lifestyle",
    "prevention",
)
QUESTION_TYPES = ("int", "number", "choice", "multi")


class KnowledgeError(ValueError):
    """The knowledge base in data/ is inconsistent. The message names the file and the entry."""


@functools.cache
def data_dir() -> Traversable:
    """The knowledge base: data/ of a source checkout, else the copy inside the installed package.

    An editable install also gets a copy in site-packages, which would go stale as data/ is
    edited; a checkout (pyproject.toml beside data/) therefore wins.
    """
    here = Path(__file__).resolve().parent
    checkout = here.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "data" / "questions.toml").is_file():
        return checkout / "data"
    if (here / "data").is_dir():  # an ordinary install: skip importlib.resources (slow import)
        return here / "data"
    from importlib import resources

    return resources.files("backpain_cli") / "data"


#: The knowledge base compiled at build time (hatch_build.py): loaded and checked from the TOML,
#: then pickled. An installed backpain loads it in a few milliseconds instead of reading,
#: checking and parsing some forty TOML files; a source checkout has none and reads the TOML.
COMPILED = "knowledge.pickle"


class _Files:
    """The knowledge base files by name ("conditions/kidney_stone.toml"), parsed."""

    def __init__(self, root: Traversable) -> None:
        self.root = root

    def read(self, name: str) -> dict[str, Any]:
        import tomllib

        item = self.root.joinpath(*name.split("/"))
        try:
            return tomllib.loads(item.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise KnowledgeError(f"{name} is missing from the knowledge base") from None
        except tomllib.TOMLDecodeError as error:
            raise KnowledgeError(f"{name}: {error}") from None

    def names(self, folder: str) -> list[str]:
        """The .toml files in a folder, sorted, as names relative to the root."""
        return sorted(
            f"{folder}/{item.name}"
            for item in (self.root / folder).iterdir()
            if item.name.endswith(".toml")
        )


@functools.cache
def _files(root: Any) -> _Files:  # Any: a Traversable, hashable in practice
    return _Files(root)


@functools.cache
def _compiled(root: Any) -> Knowledge | None:  # Any: a Traversable, hashable in practice
    """The compiled knowledge base shipped in `root`, if there is one (engine.compile_knowledge
    makes it at build time, with what the engine prepares from it).

    It is a pickle, which can run code when loaded: only ever the one built into this package
    from its own data, never a file from anywhere else.
    """
    item = root / COMPILED
    if not item.is_file():
        return None
    try:
        from _pickle import loads  # the C unpickler alone: `import pickle` costs 1.5 ms more
    except ImportError:  # pragma: no cover - CPython always has it
        from pickle import loads

    loaded = loads(item.read_bytes())
    kb = loaded.get("knowledge") if isinstance(loaded, dict) else None
    if not isinstance(kb, Knowledge):
        raise KnowledgeError(f"{COMPILED} does not hold a knowledge base")
    _PREPARED[id(kb)] = loaded
    return kb


#: id(knowledge base) -> what was compiled with it: {"knowledge": kb, name: prepared, ...}
_PREPARED: dict[int, dict[str, Any]] = {}


def prepared(kb: Knowledge, name: str) -> Any:
    """What the build prepared from this knowledge base under `name`, or None (none is, for a
    knowledge base read from TOML)."""
    loaded = _PREPARED.get(id(kb))
    return loaded.get(name) if loaded is not None and loaded["knowledge"] is kb else None


# -- questions ----------------------------------------------------------------------------------


class Choice(Record):
    id: str
    label: str
    help: str = ""


class Question(Record):
    id: str
    key: str
    type: str
    prompt: str
    short: str = ""
    help: str = ""
    required: bool = False
    min: float | None = None
    max: float | None = None
    when: expr.Expr | None = None
    choices: tuple[Choice, ...] = ()
    wizard: bool = True

    def expected(self) -> str:
        if self.type == "int":
            return f"a whole number from {self.min:g} to {self.max:g}"
        if self.type == "number":
            return f"a number from {self.min:g} to {self.max:g}"
        return "one id" if self.type == "choice" else "a list of ids"


class Questions(Record):
    """The questions in order, and the answers vocabulary they define."""

    questions: tuple[Question, ...]
    #: key -> the question that defines its type (the first one filling that key)
    keys: Mapping[str, Question]
    #: key -> ids allowed, in the order they are asked
    vocabulary: Mapping[str, tuple[str, ...]]
    #: "key.id" -> the plain label, in the person's words
    labels: Mapping[str, str]
    required: tuple[str, ...]
    #: key -> id -> its fact "key.id": the ids allowed, for checking answers quickly
    fact_names: Mapping[str, Mapping[str, str]] = {}
    #: key -> its place in `keys`
    order: Mapping[str, int] = {}

    def fact_exists(self, fact: str) -> bool:
        return fact in self.labels

    def check(self, condition: expr.Expr, where: str) -> None:
        """Raise KnowledgeError when a condition names an answer or id that does not exist."""
        for fact in sorted(condition.facts):
            if fact not in self.labels:
                key = fact.split(".")[0]
                hint = "unknown key" if key not in self.vocabulary else "unknown id"
                raise KnowledgeError(f"{where}: {hint} in {fact!r} ({condition.text!r})")
        for key, _op, _value in condition.numbers:
            if key not in self.keys or self.keys[key].type not in ("int", "number"):
                raise KnowledgeError(
                    f"{where}: {key!r} is not a number answer ({condition.text!r})"
                )


def _positive(text: object, questions: Questions, where: str, why: str) -> expr.Expr:
    """A condition that may not use `not`, over answers that exist."""
    condition = _parse_expr(text, where)
    questions.check(condition, where)
    if condition.negated:
        raise KnowledgeError(f"{where}: this condition may not use 'not' ({why})")
    return condition


def _two_places(value: float, where: str) -> None:
    """Priors and weights are log odds to two decimal places: the engine adds them exactly, as
    whole hundredths, so that no order of adding can change a score, a tie or a threshold."""
    if abs(value * 100 - round(value * 100)) > 1e-6:
        raise KnowledgeError(f"{where} {value} has more than two decimal places")


def _parse_expr(text: object, where: str) -> expr.Expr:
    if not isinstance(text, str):
        raise KnowledgeError(f"{where}: a condition must be a string, got {text!r}")
    try:
        return expr.parse(text)
    except expr.ExprError as error:
        raise KnowledgeError(f"{where}: {error}") from None


def load_questions(root: Traversable | None = None) -> Questions:
    """The questions and the answers vocabulary (cached: read once per process)."""
    return _load_questions(cast(Hashable, root or data_dir()))


@functools.cache
def _load_questions(root: Any) -> Questions:  # Any: a Traversable, hashable in practice
    compiled = _compiled(root)
    if compiled is not None:
        return compiled.questions
    raw = _files(root).read("questions.toml").get("question", [])
    questions: list[Question] = []
    keys: dict[str, Question] = {}
    vocabulary: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    ids: set[str] = set()
    for index, entry in enumerate(raw):
        where = f"questions.toml: question {entry.get('id', entry.get('key', index))}"
        question = _question(entry, where)
        if question.id in ids:
            raise KnowledgeError(f"{where}: question id used twice")
        ids.add(question.id)
        first = keys.setdefault(question.key, question)
        if first.type != question.type:
            raise KnowledgeError(f"{where}: key {question.key!r} asked with two types")
        for choice in question.choices:
            fact = f"{question.key}.{choice.id}"
            if fact in labels:
                raise KnowledgeError(f"{where}: choice {choice.id!r} listed twice")
            labels[fact] = choice.label
            vocabulary.setdefault(question.key, []).append(choice.id)
        questions.append(question)
    result = Questions(
        tuple(questions),
        keys,
        {key: tuple(values) for key, values in vocabulary.items()},
        labels,
        tuple(key for key, question in keys.items() if question.required),
        {key: {i: f"{key}.{i}" for i in values} for key, values in vocabulary.items()},
        {key: place for place, key in enumerate(keys)},
    )
    for question in questions:
        if question.when is not None:
            result.check(question.when, f"questions.toml: question {question.id}")
    return result


def _question(entry: Mapping[str, Any], where: str) -> Question:
    kind = entry.get("type")
    if kind not in QUESTION_TYPES:
        raise KnowledgeError(f"{where}: type must be one of {QUESTION_TYPES}")
    choices = tuple(
        Choice(c["id"], c["label"], c.get("help", "")) for c in entry.get("choices", [])
    )
    if kind in ("choice", "multi") and not choices:
        raise KnowledgeError(f"{where}: a {kind} question needs choices")
    if kind in ("int", "number") and ("min" not in entry or "max" not in entry):
        raise KnowledgeError(f"{where}: a {kind} question needs min and max")
    when = entry.get("when")
    return Question(
        id=entry.get("id", entry["key"]),
        key=entry["key"],
        type=kind,
        prompt=entry["prompt"],
        short=entry.get("short", entry["key"]),
        help=entry.get("help", ""),
        required=entry.get("required", False),
        min=entry.get("min"),
        max=entry.get("max"),
        when=_parse_expr(when, where) if when is not None else None,
        choices=choices,
        wizard=entry.get("wizard", True),
    )


# -- the rest of the knowledge base -------------------------------------------------------------


class Source(Record):
    id: str
    citation: str
    url: str
    kind: str


class Level(Record):
    id: str
    rank: int
    name: str
    headline: str
    action: str


class SafetyNet(Record):
    level: str
    text: str
    sources: tuple[str, ...]
    #: the answers that describe the same sign: when it holds, the level must already be at least
    #: `level` (tests/test_safety_net.py), so the report never names a reported sign as a reason
    #: to get help sooner under a lower level
    when: expr.Expr | None = None


class Region(Record):
    id: str
    name: str
    emergency: str
    urgent: str


class Rule(Record):
    id: str
    level: str
    when: expr.Expr
    reason: str
    sources: tuple[str, ...]
    suspects: tuple[str, ...]


class Feature(Record):
    when: expr.Expr
    weight: float
    label: str
    estimate: bool
    source: str | None
    note: str


class Condition(Record):
    id: str
    name: str
    group: str
    summary: str
    urgency: str
    prior: float
    features: tuple[Feature, ...]
    exclude: tuple[expr.Expr, ...]
    doctor_checks: tuple[str, ...]
    see_doctor: str
    advice: tuple[str, ...]
    sources: tuple[str, ...]


class Advice(Record):
    id: str
    topic: str
    title: str
    text: str
    grade: str
    sources: tuple[str, ...]
    levels: tuple[str, ...]
    when: expr.Expr | None
    general: bool
    unless: expr.Expr | None = None
    avoid_with: tuple[str, ...] = ()


class Knowledge(Record):
    questions: Questions
    sources: Mapping[str, Source]
    levels: Mapping[str, Level]
    safety_net: tuple[SafetyNet, ...]
    regions: Mapping[str, Region]
    rules: tuple[Rule, ...]
    conditions: Mapping[str, Condition]
    advice: Mapping[str, Advice]
    disclaimer: str


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise KnowledgeError(f"{where}: expected a list of strings")
    return tuple(value)


def _require(entry: Mapping[str, Any], names: tuple[str, ...], where: str) -> None:
    missing = [name for name in names if name not in entry or entry[name] in ("", [])]
    if missing:
        raise KnowledgeError(f"{where}: missing {', '.join(missing)}")


def load_knowledge(root: Traversable | None = None) -> Knowledge:
    """Load and validate the whole knowledge base (cached: loaded once per process)."""
    return _load_knowledge(cast(Hashable, root or data_dir()))


@functools.cache
def _load_knowledge(root: Any) -> Knowledge:  # Any: a Traversable, hashable in practice
    compiled = _compiled(root)
    if compiled is not None:
        return compiled
    questions = load_questions(root)
    files = _files(root)

    sources: dict[str, Source] = {}
    for name in files.names("sources"):
        for sid, entry in files.read(name).items():
            where = f"{name}: {sid}"
            if sid in sources:
                raise KnowledgeError(f"{where}: source id used twice")
            _require(entry, ("title", "year"), where)
            sources[sid] = Source(
                sid, _citation(entry), entry.get("url", ""), entry.get("kind", "")
            )

    def cited(ids: tuple[str, ...], where: str) -> tuple[str, ...]:
        if not ids:
            raise KnowledgeError(f"{where}: no source")
        for sid in ids:
            if sid not in sources:
                raise KnowledgeError(f"{where}: unknown source {sid!r}")
        return ids

    def level(value: object, where: str) -> str:
        if value not in LEVEL_RANK:
            raise KnowledgeError(f"{where}: level must be one of {LEVELS}, got {value!r}")
        return str(value)

    levels_raw = files.read("levels.toml")
    levels = {}
    for lid in LEVELS:
        entry = levels_raw.get("level", {}).get(lid)
        if entry is None:
            raise KnowledgeError(f"levels.toml: level {lid} is missing")
        _require(entry, ("name", "headline", "action"), f"levels.toml: {lid}")
        levels[lid] = Level(lid, LEVEL_RANK[lid], entry["name"], entry["headline"], entry["action"])
    safety_net = tuple(
        _safety_net_entry(entry, f"levels.toml: safety_net {i}", questions, cited, level)
        for i, entry in enumerate(levels_raw.get("safety_net", []))
    )
    disclaimer = levels_raw.get("disclaimer", "")
    if not disclaimer:
        raise KnowledgeError("levels.toml: disclaimer is missing")

    regions = {
        rid: Region(rid, entry["name"], entry["emergency"], entry["urgent"])
        for rid, entry in files.read("regions.toml").get("region", {}).items()
    }
    if "default" not in regions:
        raise KnowledgeError("regions.toml: region 'default' is missing")

    advice: dict[str, Advice] = {}
    for entry in files.read("advice.toml").get("advice", []):
        where = f"advice.toml: {entry.get('id', '?')}"
        _require(entry, ("id", "topic", "title", "text", "grade", "sources"), where)
        if entry["id"] in advice:
            raise KnowledgeError(f"{where}: id used twice")
        if entry["topic"] not in ADVICE_TOPICS:
            raise KnowledgeError(f"{where}: topic must be one of {ADVICE_TOPICS}")
        if entry["grade"] not in GRADES:
            raise KnowledgeError(f"{where}: grade must be one of {GRADES}")
        when = _parse_expr(entry["when"], where) if "when" in entry else None
        unless = _parse_expr(entry["unless"], where) if "unless" in entry else None
        for test in (when, unless):
            if test is not None:
                questions.check(test, where)
        advice_levels = _strings(entry.get("levels", list(LEVELS[:2])), where)
        for lid in advice_levels:
            level(lid, where)
        advice[entry["id"]] = Advice(
            entry["id"],
            entry["topic"],
            entry["title"],
            entry["text"],
            entry["grade"],
            cited(_strings(entry["sources"], where), where),
            advice_levels,
            when,
            bool(entry.get("general", False)),
            unless,
            _strings(entry.get("avoid_with", []), where),
        )

    conditions: dict[str, Condition] = {}
    rule_entries: list[tuple[str, str | None, dict[str, Any]]] = [
        ("rules.toml", None, e) for e in files.read("rules.toml").get("rule", [])
    ]
    for name in files.names("conditions"):
        condition, raw_rules = _condition(name, files.read(name), questions, cited, level, advice)
        conditions[condition.id] = condition
        rule_entries += [(name, condition.id, e) for e in raw_rules]

    for item in advice.values():
        for cid in item.avoid_with:
            if cid not in conditions:
                raise KnowledgeError(
                    f"advice.toml: {item.id}: unknown condition {cid!r} in avoid_with"
                )

    rules: list[Rule] = []
    rule_ids: set[str] = set()
    for filename, owner, entry in rule_entries:
        where = f"{filename}: rule {entry.get('id', '?')}"
        _require(entry, ("id", "level", "when", "reason", "sources"), where)
        if entry["id"] in rule_ids:
            raise KnowledgeError(f"{where}: id used twice")
        rule_ids.add(entry["id"])
        when = _positive(
            entry["when"], questions, where, "adding an answer must never lower the urgency"
        )
        suspects = _strings(entry.get("suspects", [owner] if owner else []), where)
        for cid in suspects:
            if cid not in conditions:
                raise KnowledgeError(f"{where}: unknown condition {cid!r} in suspects")
        rules.append(
            Rule(
                entry["id"],
                level(entry["level"], where),
                when,
                entry["reason"],
                cited(_strings(entry["sources"], where), where),
                suspects,
            )
        )

    return Knowledge(
        questions,
        sources,
        levels,
        safety_net,
        regions,
        tuple(rules),
        conditions,
        advice,
        disclaimer,
    )


def _safety_net_entry(
    entry: Mapping[str, Any], where: str, questions: Questions, cited: Any, level: Any
) -> SafetyNet:
    """One safety-net line; its optional `when` is checked like an urgency rule (no `not`)."""
    _require(entry, ("level", "text", "sources"), where)
    when = None
    if "when" in entry:
        when = _positive(entry["when"], questions, where, "it names answers that describe the sign")
    return SafetyNet(
        level(entry["level"], where),
        entry["text"],
        cited(_strings(entry["sources"], where), where),
        when,
    )


def _citation(entry: Mapping[str, Any]) -> str:
    parts = [entry.get("authors") or entry.get("publisher", ""), entry.get("title", "")]
    where = entry.get("journal", "")
    year = str(entry.get("year", ""))
    tail = ", ".join(part for part in (where, year) if part)
    text = ". ".join(part.rstrip(".") for part in parts if part)
    return f"{text}. {tail}." if tail else (f"{text}." if text else "")


def _condition(
    name: str,
    entry: dict[str, Any],
    questions: Questions,
    cited: Any,
    level: Any,
    advice: Mapping[str, Advice],
) -> tuple[Condition, list[dict[str, Any]]]:
    """A condition, and the raw urgency rules its file holds (checked with the other rules)."""
    cid = name.removeprefix("conditions/").removesuffix(".toml")
    where = name
    if entry.get("id", cid) != cid:
        raise KnowledgeError(f"{where}: id {entry.get('id')!r} does not match the file name")
    _require(entry, ("name", "group", "summary", "urgency", "prior", "feature", "sources"), where)
    _require(entry, ("doctor_checks",), where)
    features = []
    for index, raw in enumerate(entry["feature"]):
        fwhere = f"{where}: feature {index + 1} ({raw.get('when', '?')})"
        when = _parse_expr(raw.get("when"), fwhere)
        questions.check(when, fwhere)
        if not isinstance(raw.get("weight"), int | float):
            raise KnowledgeError(f"{fwhere}: weight must be a number")
        _two_places(raw["weight"], f"{fwhere}: weight")
        label = raw.get("label") or (questions.labels.get(when.single_fact or "", ""))
        if not label:
            raise KnowledgeError(f"{fwhere}: a feature that is not one answer needs a label")
        source = raw.get("source")
        estimate = bool(raw.get("estimate", source is None))
        if source is not None:
            cited((source,), fwhere)
        elif not estimate:
            raise KnowledgeError(f"{fwhere}: a weight needs a source, or estimate = true")
        features.append(
            Feature(when, float(raw["weight"]), label, estimate, source, raw.get("note", ""))
        )
    exclude = []
    for text in _strings(entry.get("exclude", []), where):
        ruled_out = _parse_expr(text, f"{where}: exclude")
        questions.check(ruled_out, f"{where}: exclude")
        exclude.append(ruled_out)
    if not isinstance(entry["prior"], int | float):
        raise KnowledgeError(f"{where}: prior must be a number")
    _two_places(entry["prior"], f"{where}: prior")
    advice_ids = _strings(entry.get("advice", []), where)
    for aid in advice_ids:
        if aid not in advice:
            raise KnowledgeError(f"{where}: unknown advice {aid!r}")
    condition = Condition(
        id=cid,
        name=entry["name"],
        group=entry["group"],
        summary=entry["summary"],
        urgency=level(entry["urgency"], where),
        prior=float(entry["prior"]),
        features=tuple(features),
        exclude=tuple(exclude),
        doctor_checks=_strings(entry["doctor_checks"], where),
        see_doctor=entry.get("see_doctor", ""),
        advice=advice_ids,
        sources=cited(_strings(entry["sources"], where), where),
    )
    return condition, entry.get("rule", [])
