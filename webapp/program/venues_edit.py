"""An organiser's edits to the venues (from /staff/venues), applied to the venues document.

The page sends, for each venue, what it lets the organiser change: names, address, position (or none
yet), whether the position is approximate, and which rooms are in it. Everything else a venue has in
the document (station, transit hints, sources, a room's capacity and floor) is kept as it is. The
result is checked afterwards exactly as a venues file is (eventdata.load_event).
"""

import copy
import json
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, ValidationError

from webapp.ids import Id
from webapp.localized import LangCode

MAX_VENUES = 500
MAX_ROOMS = 5_000
# A pin dragged by less than this (in degrees, about 1 cm) has not moved: the stored value is kept.
SAME_PLACE = 1e-7

Number = StrictFloat | StrictInt
UNION_TAGS = {"float", "int", "str", "bool", "none"}
Texts = Annotated[dict[LangCode, Annotated[str, Field(max_length=20_000)]], Field(max_length=20)]


class VenueEdit(BaseModel):
    """One venue as the page left it."""

    model_config = ConfigDict(extra="forbid")

    id: Id
    name: Texts
    short_name: Texts = {}
    address: Texts = {}
    # [longitude, latitude], as in GeoJSON; null while the venue is not placed.
    position: tuple[Number, Number] | None
    approximate: StrictBool = False
    accuracy_m: Number | None = None
    rooms: Annotated[list[Id], Field(max_length=MAX_ROOMS)]


class VenuesEdit(BaseModel):
    """What the page saves: the data version it started from and every venue."""

    model_config = ConfigDict(extra="forbid")

    base: Annotated[str, Field(max_length=64)]
    venues: Annotated[list[VenueEdit], Field(min_length=1, max_length=MAX_VENUES)]


class EditError(ValueError):
    """Edits that cannot be applied to the document; the message is one sentence."""


def parse_edits(data: Any) -> VenuesEdit:
    """Return the page's edits checked for shape; raise EditError with a sentence naming the field."""
    try:
        return VenuesEdit.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        # pydantic names the branch of a union it tried ("float", "tuple[...]"): not a field.
        parts = [p for p in error["loc"] if not (isinstance(p, str) and ("[" in p or p in UNION_TAGS))]
        where = ".".join(str(part) for part in parts)
        raise EditError(f"'{where}': {error['msg']}" if where else error["msg"]) from None


def _set_text(props: dict, key: str, texts: dict[str, str]) -> None:
    kept = {lang: text.strip() for lang, text in texts.items() if text.strip()}
    if kept or key == "name":
        props[key] = kept  # an empty name is refused by the same check as the file's
    else:
        props.pop(key, None)


def centre(geometry: dict | None) -> tuple[float, float] | None:
    """Return where a venue's pin is: its Point, the mean of its footprint's outer ring, or None."""
    if not geometry:
        return None
    if geometry.get("type") == "Point":
        return tuple(geometry["coordinates"])
    ring = geometry["coordinates"][0][:-1]
    return (sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring))


def edit_view(feature: dict) -> dict:
    """Return one venue of the document as the page edits it (and, unchanged, sends it back)."""
    props, geometry = feature["properties"], feature.get("geometry")
    position = centre(geometry)
    return {
        "id": props["id"],
        "name": props.get("name") or {},
        "short_name": props.get("short_name") or {},
        "address": props.get("address") or {},
        "position": list(position) if position else None,
        "approximate": props.get("position") == "approximate",
        "accuracy_m": props.get("accuracy_m"),
        "rooms": [room["id"] for room in props["rooms"]],
    }


def _place(feature: dict, position: tuple[float, float] | None) -> None:
    """Set the feature's position; a footprint moves with its pin, keeping its shape."""
    old = centre(feature.get("geometry"))
    if position is None:
        feature["geometry"] = None
    elif old is None or max(abs(position[0] - old[0]), abs(position[1] - old[1])) > SAME_PLACE:
        geometry = feature.get("geometry")
        if geometry and geometry.get("type") == "Polygon":
            dx, dy = position[0] - old[0], position[1] - old[1]
            geometry["coordinates"] = [
                [[x + dx, y + dy] for x, y in ring] for ring in geometry["coordinates"]
            ]
        else:
            feature["geometry"] = {"type": "Point", "coordinates": [position[0], position[1]]}
        # Where a geocoder put it is no longer where it is.
        feature["properties"].pop("geocoded", None)


def apply_edits(document: dict, edits: VenuesEdit) -> dict:
    """Return a copy of the venues document with the edits applied; raise EditError when they do not fit it.

    Every room of the document must be in exactly one venue; a venue left out is removed (with any
    transit hints pointing at it); a venue the document does not have is added.
    """
    features = {f["properties"]["id"]: f for f in document["features"]}
    rooms = {room["id"]: room for f in features.values() for room in f["properties"]["rooms"]}
    placed: set[str] = set()
    out = []
    for venue in edits.venues:
        if any(f["properties"]["id"] == venue.id for f in out):
            raise EditError(f"Venue '{venue.id}' is listed twice.")
        feature = copy.deepcopy(features.get(venue.id)) or {
            "type": "Feature", "id": venue.id, "geometry": None, "properties": {"id": venue.id},
        }  # fmt: skip
        props = feature["properties"]
        _set_text(props, "name", venue.name)
        _set_text(props, "short_name", venue.short_name)
        _set_text(props, "address", venue.address)
        _place(feature, venue.position)
        props["position"] = "approximate" if venue.approximate else "exact"
        if venue.accuracy_m is not None:
            props["accuracy_m"] = venue.accuracy_m
        for room in venue.rooms:
            if room not in rooms:
                raise EditError(f"Room '{room}' is not a room of this event; reload the page.")
            if room in placed:
                raise EditError(f"Room '{room}' is in two venues.")
            placed.add(room)
        props["rooms"] = [copy.deepcopy(rooms[room]) for room in venue.rooms]
        out.append(feature)
    if missing := [room for room in rooms if room not in placed]:
        raise EditError(
            f"Room '{missing[0]}' is in no venue ({len(missing)} rooms are missing); reload the page."
        )
    kept = {f["properties"]["id"] for f in out}
    for feature in out:
        hints = feature["properties"].get("transit_hints")
        if hints:
            feature["properties"]["transit_hints"] = {k: v for k, v in hints.items() if k in kept}
    return {**document, "features": out}


def document_text(document: dict) -> str:
    """Return a venues document as a venues file holds it: indented UTF-8 JSON, keys in their order."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
