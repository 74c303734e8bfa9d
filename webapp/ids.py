"""The ids that name a venue, room, session, track or speaker: one rule for the data files, the change log and the API."""

import hashlib
import re
from collections.abc import Iterable
from typing import Annotated

from pydantic import BeforeValidator, StrictStr, StringConstraints
from pydantic_core import PydanticCustomError

from webapp.folding import fold

# Lowercase letters and digits in words joined by "-": "main-hall", "s-101".
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MAX_ID = 80


def _not_a_number(value: object) -> object:
    """Refuse a number where an id belongs, saying so: a file may carry "id": 101 for "s-101"."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise PydanticCustomError(
            "string_type",
            'Input should be a valid string: an id is text in quotes, such as "s-101", not the number {number}',
            {"number": value},
        )
    return value


# The one id type, for the data files, the change log, the push subscriptions and the API: a string
# (never a number or bytes made into one), lowercase words joined by "-", at most MAX_ID characters.
Id = Annotated[
    StrictStr, StringConstraints(pattern=SLUG_PATTERN, max_length=MAX_ID), BeforeValidator(_not_a_number)
]

# A speaker id the source gave (pretalx code, frab id, hub guid), as a URL segment may carry it.
SPEAKER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}")


def speaker_id(source_id: str | None, names: Iterable[str]) -> str:
    """Return a speaker's id: the source's (pretalx code, frab id, hub guid), else one made from the name."""
    if source_id and SPEAKER_ID.fullmatch(source_id):
        return source_id
    name = fold(" ".join(sorted(set(names))))
    return "p-" + hashlib.sha256(name.encode()).hexdigest()[:12]
