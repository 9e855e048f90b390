"""What people type into the wizard, read strictly: numbers, and durations in their own words.

Plain Python, no prompt library: the menus and the line mode of the wizard share these, and the
tests call them directly. Each reader returns the value, or raises `NotUnderstood` with the
message to show; nothing typed can raise anything else (`nan`, `inf`, `1e309` and five thousand
digits are all just "not a number from 0 to 120").
"""

from __future__ import annotations

import re

#: Longer than any number a question takes ("36500", "7.5"): more is a slip, not an answer.
MAX_TYPED = 40
_PLAIN_NUMBER = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,6})?")

#: Days in each unit a duration may be said in.
UNITS = {
    "minute": 1 / 1440,
    "hour": 1 / 24,
    "day": 1.0,
    "week": 7.0,
    "month": 30.0,
    "year": 365.0,
}
_UNIT_WORDS = {
    **{unit: unit for unit in UNITS},
    **{f"{unit}s": unit for unit in UNITS},
    "min": "minute",
    "mins": "minute",
    "hr": "hour",
    "hrs": "hour",
    "wk": "week",
    "wks": "week",
    "yr": "year",
    "yrs": "year",
}
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "couple": 2,
    "half": 0.5,
}
#: Words that say the pain comes and goes ("on and off for years").
_COMES_AND_GOES = (
    "on and off",
    "off and on",
    "on off",
    "comes and goes",
    "come and go",
    "coming and going",
    "keeps coming back",
    "keep coming back",
)
#: Words around a duration that change nothing ("for about 3 weeks", "over 2 months now").
_FILLER = {"for", "about", "around", "roughly", "nearly", "almost", "over", "now", "the", "past"}
_FILLER |= {"last", "of", "and", "just", "since", "approximately", "approx", "some"}
_JOINED = re.compile(r"^([0-9]+(?:\.[0-9]+)?)([a-z]+)$")  # "3weeks", "6h"
_SHORT_UNITS = {"h": "hour", "d": "day", "w": "week", "m": "month", "y": "year"}


class NotUnderstood(ValueError):
    """What was typed is not an answer to the question; the message says what would be."""


def read_number(text: str, low: float, high: float, whole: bool) -> float | int:
    """A plain number from `low` to `high` (whole when `whole`): digits, with at most one
    decimal point. Anything else, however Python would read it, is NotUnderstood."""
    wanted = f"a {'whole ' if whole else ''}number from {low:g} to {high:g}"
    typed = text.strip()
    if len(typed) > MAX_TYPED or not _PLAIN_NUMBER.fullmatch(typed):
        raise NotUnderstood(f"Please type {wanted}.")
    number = float(typed)
    if whole and not number.is_integer():
        raise NotUnderstood(f"Please type {wanted}.")
    if not low <= number <= high:
        raise NotUnderstood(f"Please type {wanted}.")
    return int(number) if number.is_integer() else number


def read_duration(text: str, most_days: float) -> tuple[float, bool]:
    """How long, in days, from words such as "6 hours", "3 weeks", "2 months", "a year",
    "today", "since yesterday", "on and off for years" or a plain number of days; and whether
    the words say it comes and goes.

    A unit without a number means one ("a week"); a plural alone means at least two ("years":
    two years); a range, the first of its numbers ("2 to 3 weeks", "2-3 weeks": two weeks): the
    least the words can mean. Days are rounded to hundredths.
    """
    words_only = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", text.lower())  # "on-and-off"
    words_only = re.sub(r"(?<=[0-9])\s*-\s*(?=[0-9])", " to ", words_only)  # "2-3 weeks"
    typed = " ".join(words_only.replace(",", " ").split())
    if len(typed) > 3 * MAX_TYPED:
        raise NotUnderstood(_DURATION_HELP)
    recurring = False
    for phrase in _COMES_AND_GOES:
        if phrase in typed:
            recurring = True
            typed = typed.replace(phrase, " ")
    words = [word for word in typed.rstrip(".").split() if word not in _FILLER]
    days = _days(words)
    if days is None:
        raise NotUnderstood(_DURATION_HELP)
    days = round(days, 2)
    if days > most_days:
        raise NotUnderstood(f"That is longer than {most_days / 365:g} years. {_DURATION_HELP}")
    return days, recurring


_DURATION_HELP = "Please say how long, such as 6 hours, 3 days, 2 weeks, 4 months or 2 years."


#: When it started, as people say it ("since yesterday", "last night"), in days.
_SINCE = {
    ("today",): 0.0,
    ("this", "morning"): 0.0,
    ("this", "afternoon"): 0.0,
    ("this", "evening"): 0.0,
    ("tonight",): 0.0,
    ("less", "than", "a", "day"): 0.0,
    ("under", "a", "day"): 0.0,
    ("night",): 0.5,  # "last night", "since last night" ("last" and "since" change nothing)
    ("yesterday",): 1.0,
}


def _days(words: list[str]) -> float | None:
    if tuple(words) in _SINCE:
        return _SINCE[tuple(words)]
    if len(words) == 1:
        joined = _JOINED.match(words[0])
        if joined:
            words = [joined.group(1), joined.group(2)]
    if len(words) == 1:
        word = words[0]
        if _PLAIN_NUMBER.fullmatch(word):
            return float(word)  # a plain number is days, as answers format v1 counts
        unit = _UNIT_WORDS.get(word)
        if unit is None:
            return None
        return UNITS[unit] * (2 if word.endswith("s") and word != unit else 1)
    if len(words) == 2:
        amount, unit_word = words
        unit = _UNIT_WORDS.get(unit_word) or _SHORT_UNITS.get(unit_word)
        if unit is None:
            return None
        if _PLAIN_NUMBER.fullmatch(amount):
            return float(amount) * UNITS[unit]
        if amount in _NUMBER_WORDS:
            return _NUMBER_WORDS[amount] * UNITS[unit]
        if amount == "few":
            return 3 * UNITS[unit]
        return None
    if len(words) == 4 and words[1] in ("to", "or"):  # "2 to 3 weeks": the least it can mean
        first, last = _days(words[:1] + words[3:]), _days(words[2:])
        return None if first is None or last is None else min(first, last)
    if len(words) == 3 and words[:2] in (["a", "few"], ["a", "couple"]):
        unit = _UNIT_WORDS.get(words[2])
        return None if unit is None else (3 if words[1] == "few" else 2) * UNITS[unit]
    if len(words) == 3 and words[0] == "half" and words[1] == "a":
        unit = _UNIT_WORDS.get(words[2])
        return None if unit is None else 0.5 * UNITS[unit]
    return None


def say_days(days: float) -> str:
    """A number of days as people say it back: "6 hours", "3 weeks", "2 months", "12 days"."""
    if days == 0:
        return "less than a day"
    if days < 1:
        hours = round(days * 24)
        if hours:
            return f"{hours} hour{'s' if hours != 1 else ''}"
        minutes = max(1, round(days * 1440))
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    for unit, size in (("year", 365), ("month", 30), ("week", 7)):
        count = days / size
        if days >= size and abs(count - round(count)) < 0.01:
            whole = round(count)
            return f"{whole} {unit}{'s' if whole != 1 else ''}"
    return f"{days:g} day{'s' if days != 1 else ''}"
