""""Might I qualify?": the pre-check of one exemption entry.

The rules live in ``portal.guides.conditions`` (shared with the JSON pre-check
and, later, exemption applications); this module names them for the pages and
finds what may apply instead when an entry does not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from portal.guides.conditions import (
    Answers,
    Assessment,
    ConditionCheck,
    ConditionStatus,
    Corrected,
    FirstTime,
    Ground,
    Harm,
    PrecheckOutcome,
    Reason,
    assess_entry,
)

__all__ = ["Answers", "Assessment", "ConditionCheck", "ConditionStatus", "Corrected",
           "FirstTime", "Ground", "Harm", "PrecheckOutcome", "Reason", "alternative_entries",
           "assess_entry"]


def alternative_entries(entry: Any, candidates: Iterable[Any], answers: Answers, *,
                        today: dt.date) -> list[Any]:
    """Return the candidates that may apply instead of ``entry`` and cover one of its duties.

    ``entry`` and the candidates are stored entry versions (with ``id`` and ``data``);
    ``entry`` itself is skipped. Only candidates whose every condition is met are offered.
    """
    duties = set(entry.data["obligations"])
    return [candidate for candidate in candidates
            if candidate.id != entry.id and candidate.data["obligations"]
            and set(candidate.data["obligations"]) & duties
            and assess_entry(candidate.data, answers, today=today).outcome
            == PrecheckOutcome.MAY_APPLY]
