"""Fill in venues' missing coordinates from their addresses, once, and keep the answers in the data file.

Geocoding runs only from the command line (`flask --app webapp venues geocode`), never while serving a
request: the answer is written into venues.geojson, so the app itself never calls a geocoder.
"""

import json
import math
import os
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from geopy.distance import geodesic
from geopy.exc import GeocoderServiceError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim

from webapp.config import ROOT

# Nominatim's bounding box is how big the thing it matched is: under this diagonal it is a building.
EXACT_DIAGONAL_M = 100
APPROXIMATE_MIN_ACCURACY_M = 100
# A geocoder that gives no bounding box says nothing about its precision: assume a neighbourhood.
UNKNOWN_ACCURACY_M = 500


class Location(Protocol):
    """What a geocoder returns for a hit (geopy's Location has these)."""

    latitude: float
    longitude: float
    raw: dict[str, Any]


Geocoder = Callable[[str], Location | None]


class GeocoderUnreachable(Exception):
    """The geocoder could not be asked (no network, timed out, refused); nothing was written."""


@dataclass(frozen=True)
class GeocodeResult:
    """What geocoding did for one venue."""

    venue: str
    outcome: Literal["found", "not found", "skipped"]
    queries: tuple[str, ...] = ()
    lon_lat: tuple[float, float] | None = None
    position: str | None = None
    accuracy_m: float | None = None

    def __str__(self) -> str:
        if self.outcome == "skipped":
            return f"{self.venue}: skipped (has coordinates)"
        tried = " / ".join(f"'{q}'" for q in self.queries)
        if self.outcome == "not found":
            return f"{self.venue}: not found (tried {tried})"
        lon, lat = self.lon_lat  # set on every found result
        return (
            f"{self.venue}: found {lon:.7f}, {lat:.7f} ({self.position}, within {self.accuracy_m:g} m) "
            f"for {self.queries[-1]!r}"
        )


def user_agent() -> str:
    """Return the User-Agent Nominatim's usage policy asks for: the application's name and version."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return f"{project['name']}/{project['version']} (self-hosted event map)"


def make_nominatim() -> Geocoder:
    """Return OpenStreetMap's Nominatim as a query -> location callable, at most one request a second."""
    nominatim = Nominatim(user_agent=user_agent(), timeout=10)
    # A network failure must stop the run, not read as "address not found"; no retries, because the
    # RateLimiter logs a traceback for each one and a failed run writes nothing, so it is safe to rerun.
    return RateLimiter(nominatim.geocode, min_delay_seconds=1, max_retries=0, swallow_exceptions=False)


def placement(raw: dict[str, Any]) -> tuple[Literal["exact", "approximate"], int]:
    """Return how sure a hit is and its radius in metres, from Nominatim's bounding box."""
    try:
        south, north, west, east = (float(v) for v in raw["boundingbox"])
    except (KeyError, TypeError, ValueError):
        return "approximate", UNKNOWN_ACCURACY_M
    diagonal = geodesic((south, west), (north, east)).meters
    radius = max(1, math.ceil(diagonal / 2))
    if diagonal < EXACT_DIAGONAL_M:
        return "exact", radius
    return "approximate", max(APPROXIMATE_MIN_ACCURACY_M, radius)


def _wanted(feature: dict[str, Any], refresh_approximate: bool) -> bool:
    if feature.get("geometry") is None:
        return True
    return refresh_approximate and feature["properties"].get("position") == "approximate"


def _root_cause(exc: BaseException) -> str:
    """Return the innermost reason in one short line: geopy's own message repeats the whole URL."""
    while (inner := exc.__cause__ or exc.__context__) is not None:
        exc = inner
    reason = " ".join(str(exc).split()) or type(exc).__name__
    return reason if len(reason) <= 200 else reason[:199] + "…"


def _look_up(geocoder: Geocoder, queries: list[str]) -> tuple[list[str], Location | None]:
    """Ask for each query in turn until one is found; return the queries asked and the hit."""
    asked: list[str] = []
    for query in queries:
        asked.append(query)
        try:
            location = geocoder(query)
        except (GeocoderServiceError, OSError) as exc:
            raise GeocoderUnreachable(_root_cause(exc)) from exc
        if location is not None:
            return asked, location
    return asked, None


def _place(feature: dict[str, Any], location: Location, asked: list[str], by: str) -> GeocodeResult:
    """Set the feature's geometry, position and provenance from a hit, keeping its key order."""
    props = feature["properties"]
    lon_lat = (location.longitude, location.latitude)
    position, accuracy = placement(location.raw or {})
    feature["geometry"] = {"type": "Point", "coordinates": list(lon_lat)}
    props["position"], props["accuracy_m"] = position, accuracy
    props["geocoded"] = {"by": by, "query": asked[-1], "at": datetime.now(UTC).date().isoformat()}
    if match := (location.raw or {}).get("display_name"):
        props["geocoded"]["match"] = match
    return GeocodeResult(props["id"], "found", tuple(asked), lon_lat, position, accuracy)


def write_json_atomically(path: Path, data: Any) -> None:
    """Replace path with data as indented UTF-8 JSON; readers see the old file or the new, never half."""
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    temporary = None
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
        ) as handle:
            temporary = Path(handle.name)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.chmod(path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise


def geocode_venues(
    path: str | Path,
    geocoder: Geocoder,
    *,
    refresh_approximate: bool = False,
    dry_run: bool = False,
    by: str = "nominatim",
) -> list[GeocodeResult]:
    """Geocode every venue without coordinates (and approximate ones on request); write the file once.

    Raise GeocoderUnreachable, having written nothing, when the geocoder cannot be asked.
    """
    path = Path(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    results: list[GeocodeResult] = []
    for feature in data["features"]:
        props = feature["properties"]
        if not _wanted(feature, refresh_approximate):
            results.append(GeocodeResult(props["id"], "skipped"))
            continue
        queries = [props["address"]["ko"], props["address"]["en"]]
        asked, location = _look_up(geocoder, list(dict.fromkeys(queries)))
        if location is None:
            results.append(GeocodeResult(props["id"], "not found", tuple(asked)))
        else:
            results.append(_place(feature, location, asked, by))
    if not dry_run and any(r.outcome == "found" for r in results):
        write_json_atomically(path, data)
    return results
