"""Build the map's frame with folium (Leaflet, tiles, the view), every asset served from this app.

Only the frame is folium's: the venues (markers, labels, approximate-position circles, popups) are page
data, a JSON block drawn by static/js/venue-map.js, at load and live. Data never reaches folium's
templates, because branca renders what a template produced as a template again: `MacroElement.render`
(branca 0.8.2, branca/element.py) wraps each macro's output in `Element(script(self, kwargs))`, whose
constructor compiles that text with `Template(template)`, and `figure.script.render()` then runs it. A
venue named `{{7*7}}` placed in a folium marker showed as "49"; `{{lipsum.__globals__...}}` ran Python.
What folium still renders (tile URL, attribution, numbers) is operator configuration, checked here.
"""

import re
from dataclasses import dataclass

import folium
from markupsafe import Markup

# What Jinja would read as the start of an expression, a statement or a comment.
TEMPLATE_SYNTAX = re.compile(r"\{[{%#]")


@dataclass(frozen=True)
class MapParts:
    """A rendered folium map frame, split to sit inside one of our own pages, and the venues it shows."""

    name: str
    css_urls: tuple[str, ...]
    js_urls: tuple[str, ...]
    html: Markup
    script: Markup
    data: dict


def check_no_template_syntax(name: str, text: str) -> str:
    """Return text, or raise ValueError when it holds Jinja syntax (folium renders its output again)."""
    if TEMPLATE_SYNTAX.search(text):
        raise ValueError(f"{name} must not contain '{{{{', '{{%' or '{{#' (the map renders it as a template)")
    return text


def build_map(
    venues: list[dict],
    *,
    labels: dict,
    tiles_url: str,
    attribution: str,
    leaflet_js: str,
    leaflet_css: str,
    focus: str | None = None,
) -> MapParts:
    """Render the map frame fitting venues (with focus, centred on that venue); venues travel as data."""
    fmap = folium.Map(location=None, tiles=None, zoom_start=13, control_scale=True, prefer_canvas=False)
    # Per-instance asset lists: folium's class-level defaults point at CDNs and pull in jQuery,
    # Bootstrap and Font Awesome, none of which this map needs.
    fmap.default_js = [("leaflet", leaflet_js)]
    fmap.default_css = [("leaflet_css", leaflet_css)]
    folium.TileLayer(
        tiles=check_no_template_syntax("TILES_URL", tiles_url),
        attr=check_no_template_syntax("TILES_ATTRIBUTION", attribution),
        max_zoom=19,
        name="tiles",
    ).add_to(fmap)
    focused = [v for v in venues if v["id"] == focus]
    if focused:
        fmap.location = [float(focused[0]["lat"]), float(focused[0]["lon"])]
        fmap.options["zoom"] = 15
    elif venues:
        lats, lons = [float(v["lat"]) for v in venues], [float(v["lon"]) for v in venues]
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
        # The frame holds only numbers and the checked configuration above, JSON-encoded by folium.
        html=Markup(figure.html.render()),  # noqa: S704
        script=Markup(figure.script.render()),  # noqa: S704
        data={"venues": venues, "focus": focus if focused else None, "labels": labels},
    )
