"""No rendered string is rendered again: a lint over webapp/ that keeps template source out of data's reach.

A text becomes template source when code builds a template from a string (`render_template_string`,
`Environment.from_string`, `jinja2.Template(...)`, folium's or branca's `Template`), or hands data to a
folium/branca element: branca's `MacroElement.render` compiles each macro's output as a template again
(webapp/program/mapview.py). Pages are rendered from the files in templates/ only; the map's frame is
the one folium use, and it carries no data. Each rule names the file and line that breaks it.
"""

import ast
from pathlib import Path

from tests.conftest import ROOT

WEBAPP = ROOT / "webapp"
TEMPLATE_MODULES = {"jinja2", "folium.template", "branca.element", "branca", "jinja2.environment"}
TEMPLATE_NAMES = {"Template", "Environment", "Element", "MacroElement", "Figure", "JavascriptLink"}
STRING_TEMPLATES = {"render_template_string", "stream_template_string"}
# The map's frame (webapp/program/mapview.py): Leaflet's map and its tiles, nothing that holds data.
FOLIUM_ALLOWED = {"Map", "TileLayer"}
MAPVIEW = WEBAPP / "program" / "mapview.py"
# from_string on something that is not a template environment (a VAPID key parsed from PEM text).
FROM_STRING_ALLOWED = {"Vapid02"}


def sources() -> list[tuple[Path, ast.AST]]:
    return [(path, ast.parse(path.read_text(), str(path))) for path in sorted(WEBAPP.rglob("*.py"))]


def where(path: Path, node: ast.AST) -> str:
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    return f"{name}:{node.lineno}"


def is_render_call(node: ast.AST) -> bool:
    """Tell whether node is a call that renders a template (x.render(...), render_template(...))."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in {"render", "render_template", "render_template_string", "stream_template"}


def problems_in(path: Path, tree: ast.AST) -> list[str]:
    """Return each place in one module where a string could become template source."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if node.module in TEMPLATE_MODULES and alias.name in TEMPLATE_NAMES:
                    found.append(f"{where(path, node)}: imports {node.module}.{alias.name}")
                if alias.name in STRING_TEMPLATES:
                    found.append(f"{where(path, node)}: imports {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in {"jinja2", "branca"} or alias.name.startswith("branca."):
                    found.append(f"{where(path, node)}: imports {alias.name}")
                if alias.name == "folium" and path != MAPVIEW:
                    found.append(f"{where(path, node)}: folium is used in webapp/program/mapview.py only")
        elif isinstance(node, ast.Name) and node.id in STRING_TEMPLATES:
            found.append(f"{where(path, node)}: {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr == "from_string":
            if not (isinstance(node.value, ast.Name) and node.value.id in FROM_STRING_ALLOWED):
                found.append(f"{where(path, node)}: .from_string builds a template from a string")
        elif (
            isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "folium"
        ):
            if node.attr not in FOLIUM_ALLOWED:
                found.append(f"{where(path, node)}: folium.{node.attr} renders its data through a template")
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Markup" and node.args:
            rendered = node.args[0]
            if is_render_call(rendered) and path != MAPVIEW:
                found.append(f"{where(path, node)}: Markup of rendered output")
    return found


def test_no_module_builds_a_template_from_a_string_or_renders_rendered_output_again() -> None:
    found = [problem for path, tree in sources() for problem in problems_in(path, tree)]
    assert found == []


def test_the_map_frame_is_folium_s_only_use_and_holds_no_marker_or_popup() -> None:
    tree = ast.parse(MAPVIEW.read_text())
    used = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "folium"
    }
    assert used == FOLIUM_ALLOWED


def test_the_lint_finds_each_pattern(tmp_path) -> None:
    """The rules above catch what they are for (a lint that finds nothing proves nothing)."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import folium\n"
        "from jinja2 import Template\n"
        "from branca.element import MacroElement\n"
        "from flask import render_template_string\n"
        "from markupsafe import Markup\n"
        "def f(env, name, t):\n"
        "    env.from_string(name)\n"
        "    folium.Marker([0, 0], popup=name)\n"
        "    return Markup(t.render(name=name))\n"
    )
    found = problems_in(bad, ast.parse(bad.read_text()))
    joined = "\n".join(found)
    for expected in (
        "folium is used in webapp/program/mapview.py only",
        "imports jinja2.Template",
        "imports branca.element.MacroElement",
        "render_template_string",
        ".from_string",
        "folium.Marker",
        "Markup of rendered output",
    ):
        assert expected in joined, f"{expected!r} not found in:\n{joined}"
