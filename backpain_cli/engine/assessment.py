"""What an assessment gives: plain records, and the stable JSON output (version 1)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ..answers import Answers
from ..knowledge import Source
from ..records import Record

OUTPUT_VERSION = 1


class Reason(Record):
    """Why the level is what it is: an urgency rule that fired, a safety-net sign the answers
    already describe, or a cause likely enough to act on. `rule` is its id."""

    rule: str
    level: str
    text: str
    sources: tuple[str, ...]
    #: "rule" | "sign" | "cause" (a likely cause) | "check" (a cause to rule out)
    kind: str = "rule"
    #: the answers that made it hold, in the person's words
    because: tuple[str, ...] = ()


class PossibleCause(Record):
    """One of the most likely causes. Its usual urgency is never above the assessment's level."""

    id: str
    name: str
    score: float
    urgency: str
    summary: str
    because: tuple[str, ...]
    against: tuple[str, ...]
    suspected_by: tuple[str, ...]
    doctor_checks: tuple[str, ...]
    see_doctor: str
    sources: tuple[str, ...]
    #: reached its threshold: likely enough to act on, so its urgency is part of the level
    likely: bool = False


class RuleOut(Record):
    """A serious cause a doctor should rule out: an urgency rule points to it, or there is
    real evidence for it below the score at which it would have to be acted on."""

    id: str
    name: str
    urgency: str
    summary: str
    because: tuple[str, ...]
    suspected_by: tuple[str, ...]
    urgent_if: tuple[str, ...]
    doctor_checks: tuple[str, ...]
    sources: tuple[str, ...]


class AdviceItem(Record):
    id: str
    topic: str
    title: str
    text: str
    grade: str
    sources: tuple[str, ...]


class SafetyNetGroup(Record):
    level: str
    action: str
    signs: tuple[str, ...]


class Assessment(Record):
    level: str
    headline: str
    action: str
    reasons: tuple[Reason, ...]
    conditions: tuple[PossibleCause, ...]
    advice: tuple[AdviceItem, ...]
    see_a_doctor: tuple[SafetyNetGroup, ...]
    region: str
    emergency_number: str
    disclaimer: str
    answers: Answers
    library: Mapping[str, Source] = MappingProxyType({})
    rule_out: tuple[RuleOut, ...] = ()

    @property
    def cited(self) -> tuple[str, ...]:
        """The ids of every source the reasons, causes and advice rest on, sorted."""
        cited = {sid for reason in self.reasons for sid in reason.sources}
        cited.update(sid for cause in self.conditions for sid in cause.sources)
        cited.update(sid for cause in self.rule_out for sid in cause.sources)
        cited.update(sid for item in self.advice for sid in item.sources)
        return tuple(sorted(cited))

    @property
    def sources(self) -> dict[str, dict[str, str]]:
        """Every source cited in this assessment: id -> citation and url."""
        return {
            sid: {"citation": self.library[sid].citation, "url": self.library[sid].url}
            for sid in self.cited
        }

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON output (version 1)."""
        return {
            "version": OUTPUT_VERSION,
            "urgency": {
                "level": self.level,
                "headline": self.headline,
                "action": self.action,
                "reasons": [
                    {
                        "rule": r.rule,
                        "kind": r.kind,
                        "level": r.level,
                        "text": r.text,
                        "because": list(r.because),
                        "sources": list(r.sources),
                    }
                    for r in self.reasons
                ],
            },
            "conditions": [
                {
                    "id": c.id,
                    "name": c.name,
                    "score": c.score,
                    "likely": c.likely,
                    "urgency": c.urgency,
                    "summary": c.summary,
                    "because": list(c.because),
                    "against": list(c.against),
                    "suspected_by": list(c.suspected_by),
                    "doctor_checks": list(c.doctor_checks),
                    "see_doctor": c.see_doctor,
                    "sources": list(c.sources),
                }
                for c in self.conditions
            ],
            "rule_out": [
                {
                    "id": c.id,
                    "name": c.name,
                    "urgency": c.urgency,
                    "because": list(c.because),
                    "suspected_by": list(c.suspected_by),
                    "urgent_if": list(c.urgent_if),
                    "sources": list(c.sources),
                }
                for c in self.rule_out
            ],
            "advice": [
                {
                    "id": a.id,
                    "topic": a.topic,
                    "title": a.title,
                    "text": a.text,
                    "grade": a.grade,
                    "sources": list(a.sources),
                }
                for a in self.advice
            ],
            "see_a_doctor": [
                {"level": g.level, "action": g.action, "signs": list(g.signs)}
                for g in self.see_a_doctor
            ],
            "emergency_number": self.emergency_number,
            "region": self.region,
            "disclaimer": self.disclaimer,
            "sources": self.sources,
            "answers": self.answers.to_dict(),
        }

    def to_summary(self) -> dict[str, Any]:
        """A compact form for cohorts: the same decisions, with ids instead of prose."""
        return {
            "version": OUTPUT_VERSION,
            "urgency": self.level,
            "reasons": [r.rule for r in self.reasons],
            "conditions": [
                {"id": c.id, "score": c.score, "because": list(c.because)} for c in self.conditions
            ],
            "rule_out": [c.id for c in self.rule_out],
            "advice": [a.id for a in self.advice],
        }
