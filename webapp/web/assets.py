"""Serve our static files and the npm libraries from this origin, compressed once and kept in memory."""

import gzip
import hashlib
import json
import mimetypes
from dataclasses import dataclass
from pathlib import Path

import brotli
from flask import Blueprint, Flask, Response, abort, current_app, request, url_for
from werkzeug.security import safe_join

bp = Blueprint("assets", __name__)

# Public name -> (npm package, file inside it). Only these files are served from node_modules.
VENDOR_FILES = {
    "leaflet.js": ("leaflet", "dist/leaflet.js"),
    "leaflet.css": ("leaflet", "dist/leaflet.css"),
    "socket.io.esm.min.js": ("socket.io-client", "dist/socket.io.esm.min.js"),
}
COMPRESSIBLE = (
    "text/",
    "application/javascript",
    "application/json",
    "image/svg+xml",
    "application/manifest+json",
)
YEAR = 365 * 24 * 3600


class MissingAssetError(Exception):
    """A front-end library is not installed; start-up stops and says how to install it."""


@dataclass(frozen=True)
class Asset:
    """One file's bytes, its compressed forms and its validator."""

    mimetype: str
    etag: str
    bodies: dict[str | None, bytes]


_cache: dict[Path, tuple[float, Asset]] = {}


def load_asset(path: Path) -> Asset:
    """Return the file at path, compressed with brotli and gzip, cached until the file changes."""
    mtime = path.stat().st_mtime
    hit = _cache.get(path)
    if hit and hit[0] == mtime:
        return hit[1]
    body = path.read_bytes()
    mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    bodies: dict[str | None, bytes] = {None: body}
    if mimetype.startswith(COMPRESSIBLE) and len(body) > 256:
        bodies["br"] = brotli.compress(body, quality=11)
        bodies["gzip"] = gzip.compress(body, compresslevel=9, mtime=0)
    asset = Asset(mimetype, hashlib.sha256(body).hexdigest()[:20], bodies)
    _cache[path] = (mtime, asset)
    return asset


def asset_response(path: Path, max_age: int) -> Response:
    """Answer with the best encoding the client accepts, an ETag, and 304 when it already has it."""
    try:
        asset = load_asset(path) if path.is_file() else abort(404)
    except OSError:  # a name too long for the file system (ENAMETOOLONG), which is_file() raises
        abort(404)
    encoding = next((e for e in ("br", "gzip") if e in asset.bodies and e in request.accept_encodings), None)
    response = Response(asset.bodies[encoding], mimetype=asset.mimetype)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    response.set_etag(f"{asset.etag}-{encoding or 'identity'}")
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    return response.make_conditional(request)


def check_vendor_files(node_modules: str) -> dict[str, str]:
    """Return {public name: package version}; raise MissingAssetError when a file is missing."""
    versions = {}
    for name, (package, path) in VENDOR_FILES.items():
        package_dir = Path(node_modules) / package
        if not (package_dir / path).is_file():
            raise MissingAssetError(f"{package_dir / path} is missing: run `npm ci` (or `make run`) first")
        versions[name] = json.loads((package_dir / "package.json").read_text())["version"]
    return versions


def vendor_url(name: str) -> str:
    """Return the URL of a vendored file, versioned so browsers may cache it for good."""
    return url_for("assets.vendor", name=name, v=current_app.extensions["vendor_versions"][name])


@bp.get("/vendor/<name>")
def vendor(name: str):
    """Send one file of an npm package listed in VENDOR_FILES."""
    if name not in VENDOR_FILES:
        abort(404)
    package, path = VENDOR_FILES[name]
    return asset_response(Path(current_app.config["NODE_MODULES"]) / package / path, YEAR)


@bp.get("/sw.js")
def service_worker():
    """Send the service worker from the root, so it may serve every page of the app."""
    response = asset_response(Path(current_app.static_folder) / "sw.js", 0)
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/favicon.ico")
def favicon():
    """Send the icon where browsers look for it on a page that names none (an export opened in a tab)."""
    return asset_response(Path(current_app.static_folder) / "favicon.svg", 86400)


@bp.get("/manifest.webmanifest")
def manifest():
    """Send the web app manifest."""
    return asset_response(Path(current_app.static_folder) / "manifest.webmanifest", 86400)


def static_file(filename: str):
    """Send a file from static/."""
    path = safe_join(current_app.static_folder, filename) or abort(404)
    return asset_response(Path(path), current_app.config["SEND_FILE_MAX_AGE_DEFAULT"])


def init_app(app: Flask) -> None:
    """Register the asset routes; /static/ replaces Flask's own so it is compressed too."""
    app.register_blueprint(bp)
    app.add_url_rule(f"{app.static_url_path}/<path:filename>", endpoint="static", view_func=static_file)
