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
#: How the wizard may take a number in people's words (`ask` in questions.toml).
ASK_KINDS = ("duration",)
#: What who the person is and where it hurts are answered with: features that name nothing else
#: shape a score but are not clinical evidence.
CONTEXT_KEYS = frozenset({"age", "sex", "side", "area"})
#: Levels at or above which a cause counts as serious: it is shown only with evidence specific
#: to its organ, and is listed to be ruled out when it is not likely enough to act on.
SERIOUS = LEVELS.index("urgent")

#: Every key each kind of table in data/ may hold (data/README.md documents each one). Any other
#: key is a load error naming the file and the key: a misspelt `exlude` must not load silently.
KEYS: dict[str, frozenset[str]] = {
    "questions.toml": frozenset({"question"}),
    "question": frozenset(
        {
            "key", "id", "type", "required", "min", "max", "short", "prompt", "help", "when",
            "choices", "wizard", "specific", "alarm", "said", "default", "ask", "comes_and_goes",
            "choices_from",
        }
    ),
    "choice": frozenset({"id", "label", "help", "when", "specific", "wizard", "said"}),
    "source": frozenset({"title", "year", "authors", "publisher", "journal", "url", "kind"}),
    "levels.toml": frozenset({"disclaimer", "level", "safety_net"}),
    "level": frozenset({"name", "headline", "action"}),
    "safety_net": frozenset({"id", "level", "text", "sources", "when"}),
    "regions.toml": frozenset({"region"}),
    "region": frozenset({"name", "emergency", "urgent"}),
    "advice.toml": frozenset({"advice"}),
    "advice": frozenset(
        {
            "id", "topic", "title", "text", "grade", "sources", "levels", "when", "unless",
            "general", "avoid_with",
        }
    ),
    "rules.toml": frozenset({"rule"}),
    "rule": frozenset({"id", "level", "when", "reason", "sources", "suspects", "rule_out"}),
    "condition": frozenset(
        {
            "id", "name", "group", "summary", "urgency", "see_doctor", "urgent_if", "prior",
            "prior_note", "threshold", "threshold_note", "doctor_checks", "advice", "sources",
            "exclude", "feature", "rule", "diagnosis_of_exclusion",
        }
    ),
    "feature": frozenset({"when", "weight", "label", "estimate", "source", "note", "specific"}),
    "doctor_check": frozenset({"text", "when"}),
}  # fmt: skip


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
    """The compiled knowledge base shipped in `root`, if there is one (`compile_knowledge` makes
    it at build time).

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

    kb = loads(item.read_bytes())
    if not isinstance(kb, Knowledge):
        raise KnowledgeError(f"{COMPILED} does not hold a knowledge base")
    return kb


def compile_knowledge(root: Traversable) -> bytes:
    """The knowledge base in `root` (TOML), loaded and checked, as the bytes of COMPILED: what
    the wheel build hook ships for a fast start. A broken knowledge base fails the build."""
    import pickle

    return pickle.dumps(load_knowledge(root), protocol=5)


# -- questions ----------------------------------------------------------------------------------


class Choice(Record):
    id: str
    label: str
    help: str = ""
    #: shown in the wizard only when this holds (an option for women only, say); an answers
    #: file may still give it
    when: expr.Expr | None = None
    #: does this answer, on its own, point to an organ? (see `Feature.specific`)
    specific: bool = True
    #: false for an id kept for answers files that the wizard no longer offers (a v1 id split
    #: into two plainer ones)
    wizard: bool = True
    #: the label as the wizard words it for someone answering for another person
    label_they: str = ""
    #: how a reason quotes this answer ("You said: ..."), where the label reads badly out of
    #: its question ("nothing I know of"); else the label
    said: str = ""


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
    #: the alarm signs: adding one never lowers the level (`Questions.alarms`)
    alarm: bool = False
    #: how a reason quotes a number answer: "age {value}"
    said: str = ""
    #: the choice the wizard's cursor starts on (a neutral one: "not sure", "nothing I know of")
    default: str = ""
    #: "duration": the wizard takes the number in people's words ("6 hours", "3 weeks") and
    #: stores days
    ask: str = ""
    #: the fact ("pattern.keeps_coming_back") a duration said to come and go ("on and off for
    #: years") also records
    comes_and_goes: str = ""
    #: the prompt and help as the wizard words them for someone answering for another person
    prompt_they: str = ""
    help_they: str = ""

    def words(self, value: float) -> str:
        """A number answered, as people say it: "72"; a duration "3 weeks", "less than a day"."""
        if self.ask == "duration":
            from .typed import say_days

            return say_days(value)
        return f"{value:g}"

    def quote(self, value: float) -> str:
        """The answer as a reason quotes it: "age 72", "a pain score of 9 out of 10", "pain for
        3 weeks"."""
        template = self.said or (
            "{value}" if self.ask == "duration" else f"{self.short.lower()}: {{value}}"
        )
        return template.format(value=self.words(value))

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
    #: "key.id" -> how a reason quotes the answer: its `said`, else its label
    quoted: Mapping[str, str] = {}

    def fact_exists(self, fact: str) -> bool:
        return fact in self.labels

    @property
    def alarms(self) -> frozenset[str]:
        """The answers ("symptoms.saddle_numbness", ...) of the alarm question."""
        return frozenset(
            f"{q.key}.{choice.id}" for q in self.questions if q.alarm for choice in q.choices
        )

    def specific_answers(self) -> dict[str, bool]:
        """ "key.id" -> does the answer on its own point to an organ (`Choice.specific`)."""
        return {
            f"{question.key}.{choice.id}": choice.specific
            for question in self.questions
            for choice in question.choices
        }

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


def _log_odds(value: object, where: str) -> float:
    """Priors, weights and thresholds are log odds to two decimal places: the engine adds them
    exactly, as whole hundredths, so that no order of adding can change a score, a tie or
    whether a threshold is reached."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise KnowledgeError(f"{where} must be a number")
    if abs(value * 100 - round(value * 100)) > 1e-6:
        raise KnowledgeError(f"{where} {value} has more than two decimal places")
    return float(value)


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
    raw = _known_keys(_files(root).read("questions.toml"), "questions.toml", "questions.toml")
    raw = raw.get("question", [])
    questions: list[Question] = []
    keys: dict[str, Question] = {}
    vocabulary: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    ids: set[str] = set()
    # What `choices_from = "questions"` lists: every question the wizard asks, by id.
    asked = [
        {"id": entry.get("id", entry.get("key")), "label": entry.get("short", entry.get("key"))}
        for entry in raw
        if isinstance(entry, Mapping) and entry.get("wizard", True)
    ]
    for index, entry in enumerate(raw):
        where = f"questions.toml: question {entry.get('id', entry.get('key', index))}"
        question = _question(entry, where, asked)
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
        {
            f"{question.key}.{choice.id}": choice.said or choice.label
            for question in questions
            for choice in question.choices
        },
    )
    for question in questions:
        where = f"questions.toml: question {question.id}"
        if question.when is not None:
            result.check(question.when, where)
        if question.comes_and_goes and question.comes_and_goes not in labels:
            raise KnowledgeError(f"{where}: comes_and_goes names no answer id")
        for choice in question.choices:
            if choice.when is not None:
                result.check(choice.when, f"{where}: choice {choice.id}")
    return result


def _question(
    entry: Mapping[str, Any], where: str, asked: list[dict[str, Any]] | None = None
) -> Question:
    _known_keys(entry, "question", where)
    _require(entry, ("key", "type", "prompt"), where)
    kind = entry.get("type")
    if kind not in QUESTION_TYPES:
        raise KnowledgeError(f"{where}: type must be one of {QUESTION_TYPES}")
    raw_choices = entry.get("choices", [])
    if "choices_from" in entry:
        if entry["choices_from"] != "questions" or kind != "multi" or entry.get("wizard", True):
            raise KnowledgeError(
                f"{where}: choices_from = 'questions' is for a multi question with wizard = false"
            )
        raw_choices = asked or []
    choices = tuple(
        _choice(c, f"{where}: choice {c.get('id', '?') if isinstance(c, Mapping) else '?'}", entry)
        for c in raw_choices
    )
    if kind in ("choice", "multi") and not choices:
        raise KnowledgeError(f"{where}: a {kind} question needs choices")
    if kind in ("int", "number") and ("min" not in entry or "max" not in entry):
        raise KnowledgeError(f"{where}: a {kind} question needs min and max")
    default = entry.get("default", "")
    if default and (kind != "choice" or default not in [c.id for c in choices]):
        raise KnowledgeError(f"{where}: default {default!r} is not one of its choices")
    ask = entry.get("ask", "")
    if ask and (ask not in ASK_KINDS or kind != "number"):
        raise KnowledgeError(f"{where}: ask must be one of {ASK_KINDS}, on a number question")
    if entry.get("comes_and_goes") and ask != "duration":
        raise KnowledgeError(f"{where}: comes_and_goes is for a question with ask = 'duration'")
    when = entry.get("when")
    prompt, prompt_they = _wordings(entry["prompt"], where)
    help_text, help_they = _wordings(entry.get("help", ""), where)
    return Question(
        id=entry.get("id", entry["key"]),
        key=entry["key"],
        type=kind,
        prompt=prompt,
        short=entry.get("short", entry["key"]),
        help=help_text,
        required=entry.get("required", False),
        min=entry.get("min"),
        max=entry.get("max"),
        when=_parse_expr(when, where) if when is not None else None,
        choices=choices,
        wizard=entry.get("wizard", True),
        alarm=bool(entry.get("alarm", False)),
        said=str(entry.get("said", "")),
        default=default,
        ask=ask,
        comes_and_goes=str(entry.get("comes_and_goes", "")),
        prompt_they=prompt_they,
        help_they=help_they,
    )


def _choice(raw: object, where: str, question: Mapping[str, Any]) -> Choice:
    entry = _known_keys(raw, "choice", where)
    _require(entry, ("id", "label"), where)
    when = entry.get("when")
    label, label_they = _wordings(entry["label"], where)
    return Choice(
        entry["id"],
        label,
        entry.get("help", ""),
        _parse_expr(when, where) if when is not None else None,
        bool(entry.get("specific", question.get("specific", True))),
        bool(entry.get("wizard", True)),
        label_they,
        entry.get("said", ""),
    )


#: How text written to the person reads for someone answering for another: "you" the subject
#: becomes "they" (English gives both the same verb forms), "your" "their". "You" as an object
#: ("wakes you") is written `[you|them]`: the first part for the person, the second for another.
_THEIR_WORDS = {
    "you": "they",
    "your": "their",
    "yours": "theirs",
    "yourself": "themselves",
    "you're": "they're",
    "you've": "they've",
    "you'll": "they'll",
}


def _wordings(text: object, where: str) -> tuple[str, str]:
    """The text as written to the person answering for themselves, and for someone else."""
    import re

    if not isinstance(text, str):
        raise KnowledgeError(f"{where}: expected text, got {text!r}")

    def theirs(part: str) -> str:
        def swap(match: re.Match[str]) -> str:
            word = match.group(0)
            other = _THEIR_WORDS[word.lower()]
            return other.capitalize() if word[0].isupper() else other

        return re.sub(r"\b(?:[Yy]ou(?:r|rs|rself|'re|'ve|'ll)?)\b", swap, part)

    own: list[str] = []
    other: list[str] = []
    for index, part in enumerate(re.split(r"\[([^\[\]|]*\|[^\[\]|]*)\]", text)):
        if index % 2:
            first, second = part.split("|")
            own.append(first)
            other.append(second)
        else:
            if "[" in part or "]" in part:
                raise KnowledgeError(f"{where}: '[' and ']' are only for [you|them]: {text!r}")
            own.append(part)
            other.append(theirs(part))
    return "".join(own), "".join(other)


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
    """A sign that means getting help sooner, shown below every lower level."""

    id: str
    level: str
    text: str
    sources: tuple[str, ...]
    #: the answers that describe the same sign: when they were given, the sign is already here,
    #: and the level reaches the sign's level (the engine raises it), so a report never tells
    #: someone to watch for what they have just reported
    when: expr.Expr


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
    rule_out: tuple[str, ...]  # named to rule out; unlike `suspects`, not lifted to threshold


class Feature(Record):
    when: expr.Expr
    weight: float
    label: str
    estimate: bool
    source: str | None
    note: str
    #: does it point to this cause's organ? Who the person is, where it hurts, how it began,
    #: how bad it is and general risk factors do not (questions.toml marks those answers
    #: `specific = false`); a feature may say otherwise for its cause. A cause that needs a
    #: doctor needs a specific feature to be listed at all.
    specific: bool = True
    #: does it say anything beyond age, sex, side and area?
    clinical: bool = True


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
    #: the score (ln odds) at which it is likely enough to act on: its urgency then becomes the
    #: least the assessment gives (the threshold approach, Pauker and Kassirer 1980)
    threshold: float = 0.0
    threshold_note: str = ""
    #: the signs that would make it urgent, for the list of causes to rule out
    urgent_if: tuple[str, ...] = ()
    #: what is left when the signs of other causes are absent (non-specific back pain): never
    #: likely beside a red flag for same-day care or more
    diagnosis_of_exclusion: bool = False
    #: doctor check text -> the answers it applies to, for the checks that do not always apply
    #: (a pregnancy test only for someone who could be pregnant); see `checks_for`
    doctor_checks_when: Mapping[str, expr.Expr] = {}

    def checks_for(self, facts: expr.Facts, numbers: expr.Numbers) -> tuple[str, ...]:
        """The doctor checks that apply to someone with these answers."""
        return tuple(
            check
            for check in self.doctor_checks
            if check not in self.doctor_checks_when
            or self.doctor_checks_when[check](facts, numbers)
        )

    @property
    def serious(self) -> bool:
        return LEVEL_RANK[self.urgency] >= SERIOUS


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


def _known_keys(entry: object, table: str, where: str) -> Mapping[str, Any]:
    """The entry itself when every key in it is one `KEYS[table]` allows; else KnowledgeError
    naming the file, the entry and the key."""
    if not isinstance(entry, Mapping):
        raise KnowledgeError(f"{where}: expected a table, got {type(entry).__name__}")
    allowed = KEYS[table]
    for key in entry:
        if key not in allowed:
            import difflib  # only on the error path

            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise KnowledgeError(f"{where}: unknown key {key!r}{hint}")
    return entry


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
            _known_keys(entry, "source", where)
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

    levels_raw = _known_keys(files.read("levels.toml"), "levels.toml", "levels.toml")
    levels = {}
    for lid in levels_raw.get("level", {}):
        if lid not in LEVEL_RANK:
            raise KnowledgeError(f"levels.toml: unknown level {lid!r}")
    for lid in LEVELS:
        entry = levels_raw.get("level", {}).get(lid)
        if entry is None:
            raise KnowledgeError(f"levels.toml: level {lid} is missing")
        _known_keys(entry, "level", f"levels.toml: level {lid}")
        _require(entry, ("name", "headline", "action"), f"levels.toml: {lid}")
        levels[lid] = Level(lid, LEVEL_RANK[lid], entry["name"], entry["headline"], entry["action"])
    safety_net = tuple(
        _safety_net_entry(entry, f"levels.toml: safety_net {i}", questions, cited, level)
        for i, entry in enumerate(levels_raw.get("safety_net", []))
    )
    disclaimer = levels_raw.get("disclaimer", "")
    if not disclaimer:
        raise KnowledgeError("levels.toml: disclaimer is missing")

    regions = {}
    regions_raw = _known_keys(files.read("regions.toml"), "regions.toml", "regions.toml")
    for rid, entry in regions_raw.get("region", {}).items():
        where = f"regions.toml: region {rid}"
        _known_keys(entry, "region", where)
        _require(entry, ("name", "emergency", "urgent"), where)
        regions[rid] = Region(rid, entry["name"], entry["emergency"], entry["urgent"])
    if "default" not in regions:
        raise KnowledgeError("regions.toml: region 'default' is missing")

    advice: dict[str, Advice] = {}
    advice_raw = _known_keys(files.read("advice.toml"), "advice.toml", "advice.toml")
    for entry in advice_raw.get("advice", []):
        where = f"advice.toml: {entry.get('id', '?')}"
        _known_keys(entry, "advice", where)
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
    rules_raw = _known_keys(files.read("rules.toml"), "rules.toml", "rules.toml")
    rule_entries: list[tuple[str, str | None, Mapping[str, Any]]] = [
        ("rules.toml", None, e) for e in rules_raw.get("rule", [])
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
        _known_keys(entry, "rule", where)
        _require(entry, ("id", "level", "when", "reason", "sources"), where)
        if entry["id"] in rule_ids:
            raise KnowledgeError(f"{where}: id used twice")
        rule_ids.add(entry["id"])
        when = _positive(
            entry["when"], questions, where, "adding an answer must never lower the urgency"
        )
        suspects = _strings(entry.get("suspects", [owner] if owner else []), where)
        rule_out = _strings(entry.get("rule_out", []), where)
        for key, cids in (("suspects", suspects), ("rule_out", rule_out)):
            for cid in cids:
                if cid not in conditions:
                    raise KnowledgeError(f"{where}: unknown condition {cid!r} in {key}")
        if set(suspects) & set(rule_out):
            raise KnowledgeError(f"{where}: a condition is in both suspects and rule_out")
        for cid in rule_out:
            if conditions[cid].diagnosis_of_exclusion:
                raise KnowledgeError(
                    f"{where}: {cid!r} is a diagnosis of exclusion, never one to rule out"
                )
        rules.append(
            Rule(
                entry["id"],
                level(entry["level"], where),
                when,
                entry["reason"],
                cited(_strings(entry["sources"], where), where),
                suspects,
                rule_out,
            )
        )

    # Rules, safety-net signs and causes are all named by id among the reasons of a report.
    named: dict[str, str] = {}
    for kind, ids in (
        ("condition", list(conditions)),
        ("rule", [rule.id for rule in rules]),
        ("safety_net", [sign.id for sign in safety_net]),
    ):
        for one in ids:
            if one in named:
                raise KnowledgeError(f"{kind} id {one!r} is also a {named[one]} id")
            named[one] = kind

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
    """One safety-net line; its `when` is checked like an urgency rule (no `not`)."""
    _known_keys(entry, "safety_net", where)
    _require(entry, ("id", "level", "text", "sources", "when"), where)
    when = _positive(entry["when"], questions, where, "it names answers that describe the sign")
    return SafetyNet(
        entry["id"],
        level(entry["level"], where),
        entry["text"],
        cited(_strings(entry["sources"], where), where),
        when,
    )


def _doctor_checks(
    raw: object, questions: Questions, where: str
) -> tuple[tuple[str, ...], dict[str, expr.Expr]]:
    """The check texts, and `when` each conditional one applies. Each entry is the text, or a
    table with the text and its `when` (a pregnancy test only for someone who could be
    pregnant)."""
    if not isinstance(raw, list):
        raise KnowledgeError(f"{where}: doctor_checks must be a list")
    texts: list[str] = []
    conditional: dict[str, expr.Expr] = {}
    for index, entry in enumerate(raw):
        cwhere = f"{where}: doctor_checks {index + 1}"
        if isinstance(entry, str):
            texts.append(entry)
            continue
        _known_keys(entry, "doctor_check", cwhere)
        _require(entry, ("text", "when"), cwhere)
        when = _parse_expr(entry["when"], cwhere)
        questions.check(when, cwhere)
        texts.append(str(entry["text"]))
        conditional[texts[-1]] = when
    if len(set(texts)) != len(texts):
        raise KnowledgeError(f"{where}: a doctor check is listed twice")
    return tuple(texts), conditional


def _citation(entry: Mapping[str, Any]) -> str:
    parts = [entry.get("authors") or entry.get("publisher", ""), entry.get("title", "")]
    where = entry.get("journal", "")
    year = str(entry.get("year", ""))
    tail = ", ".join(part for part in (where, year) if part)
    text = ". ".join(part.rstrip(".") for part in parts if part)
    return f"{text}. {tail}." if tail else (f"{text}." if text else "")


def _specific(condition: expr.Expr, answers: Mapping[str, bool]) -> bool:
    """Can the condition only hold through an answer that points to an organ? A number (age,
    severity, days) never does, nor a `not`; an `or` does when every part does, an `and` when
    one part does, `atleast(n, ...)` when fewer than n parts do not."""

    def walk(node: expr.Node) -> bool:
        kind = node[0]
        if kind == "fact":
            return answers.get(f"{node[1]}.{node[2]}", False)
        if kind in ("cmp", "not"):
            return False
        if kind == "or":
            return all(map(walk, node[1]))
        if kind == "and":
            return any(map(walk, node[1]))
        count, parts = node[1], node[2]
        return bool(sum(1 for part in parts if not walk(part)) < count)

    return walk(condition.tree)


def _condition(
    name: str,
    entry: Mapping[str, Any],
    questions: Questions,
    cited: Any,
    level: Any,
    advice: Mapping[str, Advice],
) -> tuple[Condition, list[Mapping[str, Any]]]:
    """A condition, and the raw urgency rules its file holds (checked with the other rules)."""
    cid = name.removeprefix("conditions/").removesuffix(".toml")
    where = name
    _known_keys(entry, "condition", where)
    if entry.get("id", cid) != cid:
        raise KnowledgeError(f"{where}: id {entry.get('id')!r} does not match the file name")
    _require(
        entry,
        (
            "name", "group", "summary", "urgency", "prior", "prior_note", "threshold",
            "threshold_note", "urgent_if", "feature", "sources", "doctor_checks",
        ),
        where,
    )  # fmt: skip
    urgency = level(entry["urgency"], where)
    specific_answers = questions.specific_answers()
    features = []
    for index, raw in enumerate(entry["feature"]):
        fwhere = f"{where}: feature {index + 1} ({raw.get('when', '?')})"
        _known_keys(raw, "feature", fwhere)
        when = _parse_expr(raw.get("when"), fwhere)
        questions.check(when, fwhere)
        weight = _log_odds(raw.get("weight"), f"{fwhere}: weight")
        against = when.facts & questions.alarms
        if weight < 0 and against and LEVEL_RANK[urgency] > 0:
            raise KnowledgeError(
                f"{fwhere}: counts the alarm sign {sorted(against)[0]!r} against a cause that "
                "needs more than self-care (adding an alarm sign must never lower the level)"
            )
        if weight > 0 and when.negated:
            raise KnowledgeError(
                f"{fwhere}: a feature for the cause may not use 'not' (adding an answer must "
                "never take away evidence for a cause)"
            )
        label = raw.get("label") or (questions.labels.get(when.single_fact or "", ""))
        if not label:
            raise KnowledgeError(f"{fwhere}: a feature that is not one answer needs a label")
        source = raw.get("source")
        estimate = bool(raw.get("estimate", source is None))
        if source is not None:
            cited((source,), fwhere)
        elif not estimate:
            raise KnowledgeError(f"{fwhere}: a weight needs a source, or estimate = true")
        keys = {fact.split(".")[0] for fact in when.facts} | {key for key, _, _ in when.numbers}
        specific = raw.get("specific")
        features.append(
            Feature(
                when,
                weight,
                label,
                estimate,
                source,
                raw.get("note", ""),
                _specific(when, specific_answers) if specific is None else bool(specific),
                # a feature the data calls specific is evidence, even about age or side
                not keys <= CONTEXT_KEYS or specific is True,
            )
        )
    # Strongest first, so that "because you said ..." lists read strongest first.
    features.sort(key=lambda feature: -abs(feature.weight))
    exclude = []
    for text in _strings(entry.get("exclude", []), where):
        ruled_out = _parse_expr(text, f"{where}: exclude")
        questions.check(ruled_out, f"{where}: exclude")
        exclude.append(ruled_out)
    prior = _log_odds(entry["prior"], f"{where}: prior")
    threshold = _log_odds(entry["threshold"], f"{where}: threshold")
    checks, checks_when = _doctor_checks(entry["doctor_checks"], questions, where)
    advice_ids = _strings(entry.get("advice", []), where)
    for aid in advice_ids:
        if aid not in advice:
            raise KnowledgeError(f"{where}: unknown advice {aid!r}")
    condition = Condition(
        id=cid,
        name=entry["name"],
        group=entry["group"],
        summary=entry["summary"],
        urgency=urgency,
        prior=prior,
        features=tuple(features),
        exclude=tuple(exclude),
        doctor_checks=checks,
        see_doctor=entry.get("see_doctor", ""),
        advice=advice_ids,
        sources=cited(_strings(entry["sources"], where), where),
        threshold=threshold,
        threshold_note=str(entry["threshold_note"]),
        urgent_if=_strings(entry["urgent_if"], where),
        diagnosis_of_exclusion=bool(entry.get("diagnosis_of_exclusion", False)),
        doctor_checks_when=checks_when,
    )
    return condition, list(entry.get("rule", []))
