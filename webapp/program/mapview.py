"""Build the venue map with folium, every asset served from this app, once per data version."""

from dataclasses import dataclass
from html import escape

import folium
from branca.element import MacroElement
from folium.template import Template
from markupsafe import Markup


@dataclass(frozen=True)
class MapPin:
    """What the map needs to know about one venue, already in the page's language."""

    id: str
    name: str
    short_name: str
    lat: float
    lon: float
    approximate: bool
    accuracy_m: float
    popup_html: str


@dataclass(frozen=True)
class MapParts:
    """A rendered folium map, split to sit inside one of our own pages."""

    name: str
    css_urls: tuple[str, ...]
    js_urls: tuple[str, ...]
    html: Markup
    script: Markup


class VenueMarker(MacroElement):
    """A marker created with its label icon (folium's Marker first loads Leaflet's default image icon)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.marker({{ this.location|tojson }}, {
            icon: L.divIcon({{ this.icon|tojson }}),
            title: {{ this.title|tojson }},
            alt: {{ this.title|tojson }},
            keyboard: true,
            riseOnHover: true
        }).addTo({{ this._parent.get_name() }});
        {% endmacro %}"""
    )

    def __init__(self, pin: "MapPin") -> None:
        super().__init__()
        self._name = "VenueMarker"
        self.location = [pin.lat, pin.lon]
        self.title = pin.name
        self.icon = {"html": pin_html(pin), "className": "venue-marker", "iconSize": None}


class HtmlPopup(MacroElement):
    """A popup bound to its parent marker, with HTML we escaped ourselves (folium's Popup needs jQuery)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindPopup({{ this.html|tojson }}, {{ this.options|tojson }});
        {% endmacro %}"""
    )

    def __init__(self, html: str, max_width: int = 272) -> None:
        super().__init__()
        self._name = "HtmlPopup"
        self.html = html
        # Keep the popup clear of the zoom buttons at the top left.
        self.options = {
            "maxWidth": max_width,
            "autoPanPaddingTopLeft": [48, 12],
            "autoPanPaddingBottomRight": [12, 12],
        }


def pin_html(pin: MapPin) -> str:
    """Return the marker's label: a dot and the venue's short name, as text."""
    css = "venue-pin venue-pin--approximate" if pin.approximate else "venue-pin"
    return (
        f'<span class="{css}" data-venue="{escape(pin.id)}" role="img" aria-label="{escape(pin.name)}">'
        f'<span class="venue-pin__dot"></span><span class="venue-pin__label">{escape(pin.short_name)}</span>'
        "</span>"
    )


def add_pin(fmap: folium.Map, pin: MapPin) -> None:
    """Add a venue's marker with its popup, and for an approximate position the circle it lies within."""
    if pin.approximate:
        folium.Circle(
            location=(pin.lat, pin.lon),
            radius=pin.accuracy_m,
            color="#9a3412",
            weight=2,
            dash_array="6 6",
            fill=True,
            fill_opacity=0.08,
            interactive=False,
        ).add_to(fmap)
    marker = VenueMarker(pin)
    HtmlPopup(pin.popup_html).add_to(marker)
    marker.add_to(fmap)


def build_map(
    pins: list[MapPin],
    *,
    tiles_url: str,
    attribution: str,
    leaflet_js: str,
    leaflet_css: str,
    focus: str | None = None,
) -> MapParts:
    """Render a folium map of the venues; with focus, centre it on that venue instead of fitting all."""
    fmap = folium.Map(location=None, tiles=None, zoom_start=13, control_scale=True, prefer_canvas=False)
    # Per-instance asset lists: folium's class-level defaults point at CDNs and pull in jQuery,
    # Bootstrap and Font Awesome, none of which this map needs.
    fmap.default_js = [("leaflet", leaflet_js)]
    fmap.default_css = [("leaflet_css", leaflet_css)]
    folium.TileLayer(tiles=tiles_url, attr=attribution, max_zoom=19, name="tiles").add_to(fmap)
    for pin in pins:
        add_pin(fmap, pin)
    focused = [p for p in pins if p.id == focus]
    if focused:
        fmap.location = [focused[0].lat, focused[0].lon]
        fmap.options["zoom"] = 15
    else:
        lats, lons = [p.lat for p in pins], [p.lon for p in pins]
        # Labels sit right of their dots: leave room for them on the right.
        fmap.fit_bounds(
            [[min(lats), min(lons)], [max(lats), max(lons)]],
            padding_top_left=(30, 30),
            padding_bottom_right=(170, 30),
        )
    figure = fmap.get_root()
    figure.render()
    # folium's header is left out on purpose: it adds a viewport that forbids zooming.
    return MapParts(
        name=fmap.get_name(),
        css_urls=tuple(url for _, url in fmap.default_css),
        js_urls=tuple(url for _, url in fmap.default_js),
        # folium's output is ours: every text in it was escaped or JSON-encoded when it was built.
        html=Markup(figure.html.render()),  # noqa: S704
        script=Markup(figure.script.render()),  # noqa: S704
    )
