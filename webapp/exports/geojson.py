"""GeoJSON export of the sessions: a Point at each session's venue."""

from typing import Any
from zoneinfo import ZoneInfo

from webapp.models import Session


def sessions_geojson(sessions: list[Session], tz: ZoneInfo) -> dict[str, Any]:
    """Return sessions as a GeoJSON FeatureCollection: a Point at the venue, or no geometry when online-only."""
    geometry: dict[str, Any] = {}
    features = []
    for s in sessions:
        if s.venue is not None and s.venue_id not in geometry:
            geometry[s.venue_id] = s.venue.to_feature()["geometry"]
        features.append(
            {
                "type": "Feature",
                "id": s.id,
                # RFC 7946 allows a null geometry: online-only sessions happen nowhere on the map.
                "geometry": geometry[s.venue_id] if s.venue is not None else None,
                "properties": s.to_dict(tz),
            }
        )
    return {"type": "FeatureCollection", "features": features}
