"""Redaction of natural persons' personal data before a decision is published (DOMAIN.md §5).

Published decisions show the document number, the party's basic data, the violation,
the outcome, the authority and the date — never a natural person's resident ID, mobile
number or name. Names are those the portal knows (the legal representative, the
person running an individual business); ID and mobile numbers are found by pattern
wherever they were typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: A mainland resident ID number (18 characters, the last may be X), or the old 15 digits.
RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(?:[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])"
                         r"(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx]|[1-9]\d{14})(?![0-9A-Za-z])")
#: A mainland mobile number, with or without +86 and separators.
MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)")
#: A Hong Kong or Macau identity card number (A123456(7), 1234567(8)).
HK_MO_ID = re.compile(r"(?<![0-9A-Za-z])(?:[A-Z]{1,2}\d{6}\(?[0-9A]\)?|[157]\d{6}\(?\d\)?)"
                      r"(?![0-9A-Za-z])")

ID_MASK = "[身份证号已隐去]"
MOBILE_MASK = "[手机号已隐去]"


def mask_name(name: str) -> str:
    """Return a person's name with all but its first character masked (张三 → 张*)."""
    name = name.strip()
    if not name:
        return name
    return name[0] + "*" * max(1, len(name) - 1)


def redact(text: str | None, *, names: Iterable[str] = ()) -> str:
    """Return ``text`` with ID numbers, mobile numbers and the given persons' names masked."""
    if not text:
        return ""
    result = RESIDENT_ID.sub(ID_MASK, text)
    result = HK_MO_ID.sub(ID_MASK, result)
    result = MOBILE.sub(MOBILE_MASK, result)
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2},
                       key=len, reverse=True):
        result = result.replace(name, mask_name(name))
    return result


def is_individual_business(uscc: str) -> bool:
    """Return whether a USCC is an individual business's (个体工商户: registering
    authority 9, entity type 2), whose name and operator are a natural person's."""
    return len(uscc) == 18 and uscc[0] == "9" and uscc[1] == "2"
