"""The ids that name a venue, room, session, track or speaker: one rule for the data files, the change log and the API."""

import hashlib
import re
from collections.abc import Iterable
from typing import Annotated

from pydantic import StrictStr, StringConstraints

from webapp.folding import fold

# Lowercase letters and digits in words joined by "-": "main-hall", "s-101".
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MAX_ID = 80

# An id as read from a file (a YAML number may arrive as text); Id refuses anything but a string.
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=MAX_ID)]
Id = Annotated[StrictStr, StringConstraints(pattern=SLUG_PATTERN, max_length=MAX_ID)]

# A speaker id the source gave (pretalx code, frab id, hub guid), as a URL segment may carry it.
SPEAKER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}")


def speaker_id(source_id: str | None, names: Iterable[str]) -> str:
    """Return a speaker's id: the source's (pretalx code, frab id, hub guid), else one made from the name."""
    if source_id and SPEAKER_ID.fullmatch(source_id):
        return source_id
    name = fold(" ".join(sorted(set(names))))
    return "p-" + hashlib.sha256(name.encode()).hexdigest()[:12]
