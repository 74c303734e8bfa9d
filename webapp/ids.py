"""The ids that name a venue, room, session or track: one rule for the data files, the change log and the API."""

from typing import Annotated

from pydantic import StrictStr, StringConstraints

# Lowercase letters and digits in words joined by "-": "main-hall", "s-101".
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MAX_ID = 80

# An id as read from a file (a YAML number may arrive as text); Id refuses anything but a string.
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=MAX_ID)]
Id = Annotated[StrictStr, StringConstraints(pattern=SLUG_PATTERN, max_length=MAX_ID)]
