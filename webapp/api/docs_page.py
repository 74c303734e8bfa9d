"""The OpenAPI document at /api/openapi.json, and /api/docs: the same document as a page to read."""

import json
from typing import Any

from flask import Blueprint, current_app, render_template, request
from markupsafe import Markup, escape
from spectree import Response

from webapp.api.schemas import OpenAPIDocument
from webapp.api.spec import JSON, SECURITY_SCHEMES, api, published

bp = Blueprint("api_docs", __name__)


@bp.get("/api/openapi.json")
@api.validate(
    resp=Response("HTTP_304", HTTP_200=(OpenAPIDocument, "The document.")),
    tags=["docs"],
    operation_id="getOpenAPI",
)
def openapi_json():
    """This description of the API (OpenAPI 3.1), cacheable and revalidated by its ETag."""
    _spec, body, etag = published()
    response = current_app.response_class(body, mimetype="application/json")
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response.make_conditional(request)


@bp.get("/api/docs")
@api.validate(resp=Response("HTTP_200"), tags=["docs"], operation_id="getDocs")
def docs():
    """This description as a page to read: every path, method, parameter and response."""
    spec = published()[0]
    return render_template(
        "api_docs.html",
        spec=spec,
        intro=prose(spec["info"]["description"]),
        schemes={
            name: {**scheme, "description": prose(scheme["description"])}
            for name, scheme in SECURITY_SCHEMES.items()
        },
        operations=operations(spec, request.host_url.rstrip("/")),
        schemas=schema_docs(spec),
        no_live=True,
    )


# --- the document, as the page shows it -------------------------------------------------------


def prose(text: str | None) -> Markup | None:
    """Return a description as HTML: escaped, with its `code` spans as <code>."""
    if not text:
        return None
    parts = text.split("`")
    code = Markup("<code>{}</code>")
    return Markup("").join(code.format(part) if i % 2 else escape(part) for i, part in enumerate(parts))


def type_label(schema: dict) -> str:
    """Return a schema in a few words: 'Session', 'array of Room', 'string or null'."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return " or ".join(type_label(s) for s in schema[key])
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        return " | ".join(json.dumps(v) for v in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {type_label(schema['items'])}" if "items" in schema else "array"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"object of {type_label(schema['additionalProperties'])}"
    return f"{kind} ({schema['format']})" if "format" in schema else kind


LIMIT_WORDS = {
    "pattern": "pattern {}",
    "minimum": "at least {}",
    "exclusiveMinimum": "more than {}",
    "maximum": "at most {}",
    "minLength": "at least {} characters",
    "maxLength": "at most {} characters",
    "maxItems": "at most {} items",
    "default": "default {}",
}


def constraints(schema: dict) -> str:
    """Return a schema's limits in words: pattern, range, length, default (of it or its non-null part)."""
    parts = [schema, *(s for s in schema.get("anyOf", []) if s.get("type") != "null")]
    return "; ".join(
        text.format(json.dumps(part[key]) if key == "default" else part[key])
        for part in parts
        for key, text in LIMIT_WORDS.items()
        if key in part and part[key] is not None
    )


def _example_request(base: str, path: str, method: str, operation: dict) -> str:
    params = operation.get("parameters", [])
    url = path
    for p in params:
        if p["in"] == "path":
            url = url.replace("{" + p["name"] + "}", str(p.get("example", p["name"])))
    query = [p for p in params if p["in"] == "query" and p["required"]]
    optional = [p for p in params if p["in"] == "query" and not p["required"] and "example" in p]
    query += optional[:1] if not query else []
    if query:
        url += "?" + "&".join(f"{p['name']}={p['example']}" for p in query)
    if method == "get":
        return f"curl '{base}{url}'"
    body = json.dumps(operation["requestBody"]["content"][JSON]["example"], ensure_ascii=False)
    page = any("pageOrigin" in alt for alt in operation.get("security", []))
    who = f"-H 'Origin: {base}'" if page else "-H 'Authorization: Bearer $TOKEN'"
    verb = "" if method == "post" else f"-X {method.upper()} "
    return f"curl {verb}{who} -H 'Content-Type: application/json' \\\n  -d '{body}' '{base}{url}'"


def _operation(base: str, path: str, method: str, op: dict) -> dict[str, Any]:
    body = op.get("requestBody", {}).get("content", {}).get(JSON)
    return {
        "id": op["operationId"],
        "method": method.upper(),
        "path": path,
        "summary": op["summary"],
        "description": prose(op.get("description")),
        "security": [" + ".join(alt) for alt in op.get("security", [])],
        "parameters": [
            {
                **p,
                "description": prose(p.get("description")),
                "type": type_label(p["schema"]),
                "limits": constraints(p["schema"]),
            }
            for p in op.get("parameters", [])
        ],
        "body": type_label(body["schema"]) if body else None,
        "responses": [
            {
                "status": status,
                "description": r["description"],
                "media": ", ".join(
                    f"{m}: {type_label(c['schema'])}" for m, c in r.get("content", {}).items()
                ),
            }
            for status, r in sorted(op["responses"].items())
        ],
        "example": _example_request(base, path, method, op),
    }


def operations(spec: dict, base: str) -> list[dict[str, Any]]:
    """Return every operation of spec, in path order, with an example request ready to show."""
    return [
        _operation(base, path, method, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
    ]


def schema_docs(spec: dict) -> list[dict[str, Any]]:
    """Return every component schema with its properties (name, type, required) for the docs page."""
    found = []
    for name, schema in sorted(spec["components"]["schemas"].items()):
        props, required = schema.get("properties", {}), set(schema.get("required", []))
        found.append(
            {
                "name": name,
                "description": prose(schema.get("description")),
                "extends": [],
                "variants": [type_label(s) for s in schema.get("oneOf", []) if "$ref" in s],
                "properties": [
                    {
                        "name": key,
                        "type": type_label(value),
                        "required": key in required,
                        "limits": constraints(value),
                    }
                    for key, value in props.items()
                ],
            }
        )
    return found
