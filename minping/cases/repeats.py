"""Finding repeat complaints (二次投诉, R-31): the same matter, the same unit, after closing.

A closed case of the same unit is suggested when the complainant is the same
(same phone number, or same name) or the text is similar. Staff confirm or
dismiss the suggestion (``do_confirm_repeat`` / ``do_dismiss_repeat``); nothing
is counted against a unit on a guess.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from minping.cases.models import Case, Complainant, State

# Dice similarity of character pairs at which two complaints read as the same matter.
# Chosen on the tests' examples: rewordings of one complaint score 0.45-0.7,
# different matters at the same window below 0.25.
SIMILAR_TEXT = 0.4
MAX_SUGGESTIONS = 5


@dataclass(frozen=True)
class RepeatSuggestion:
    previous: Case
    same_complainant: bool
    similarity: float

    @property
    def reason(self) -> str:
        parts = []
        if self.same_complainant:
            parts.append("同一投诉人")
        if self.similarity >= SIMILAR_TEXT:
            parts.append(f"内容相似度 {self.similarity:.0%}")
        return "、".join(parts)


def bigrams(text: str) -> set[str]:
    """Pairs of neighbouring characters, ignoring spaces and punctuation (works for Chinese)."""
    chars = [c for c in text if c.isalnum()]
    return {a + b for a, b in itertools.pairwise(chars)}


def similarity(a: str, b: str) -> float:
    """Dice coefficient of the character pairs of two texts: 0 (nothing shared) to 1."""
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


def _text(case: Case) -> str:
    return f"{case.summary} {case.details}"


def suggest_repeats(case: Case) -> list[RepeatSuggestion]:
    """Closed cases of the same unit this case may repeat, best first; none once decided."""
    if case.unit_id is None or case.is_repeat or case.repeat_dismissed:
        return []
    earlier = Case.objects.filter(
        unit_id=case.unit_id, state=State.CLOSED, closed_on__lte=case.registered_on
    ).exclude(pk=case.pk)
    identity = Complainant.objects.filter(case=case).first()
    same_person: set[int] = set()
    if identity is not None:
        people = Complainant.objects.filter(case__in=earlier)
        if identity.phone:
            same_person |= set(
                people.filter(phone=identity.phone).values_list("case_id", flat=True)
            )
        if identity.name:
            same_person |= set(people.filter(name=identity.name).values_list("case_id", flat=True))
    text = _text(case)
    found = []
    for previous in earlier.order_by("-closed_on")[:500]:
        score = similarity(text, _text(previous))
        if previous.pk in same_person or score >= SIMILAR_TEXT:
            found.append(RepeatSuggestion(previous, previous.pk in same_person, score))
    found.sort(key=lambda s: (s.same_complainant and s.similarity >= SIMILAR_TEXT, s.similarity))
    return list(reversed(found))[:MAX_SUGGESTIONS]
