"""Every import in webapp/ points down: no circle, and no module imports a package that stands above it.

The floors, from the top, are LAYERS below; packages on one floor do not import each other. Each import
statement counts, also one inside a function. A new module goes on the floor of what it knows: a helper
two features share goes below both (webapp/walking.py, webapp/web/directions.py), never into one of them.
"""

import ast
from pathlib import Path

from tests.conftest import ROOT

# From the top floor down: a module may import its own package and what stands on a lower floor.
LAYERS = (
    ("webapp",),  # the app factory: wiring
    ("cli",),  # the flask commands
    ("release",),
    ("push",),
    ("api",),
    ("staff",),
    ("exports", "sources", "travel"),  # features that read the program; travel: the visitor's agenda
    ("program",),
    ("web",),  # what every page shares; knows no feature
    ("live",),  # the change log and the socket; knows no page
    ("datafiles", "models", "locks", "walking"),
    ("localized", "ids"),
    ("text", "folding", "config", "extensions"),  # the ground
    ("keptfiles",),  # under config: the secrets made on first start
)
FLOOR = {part: floor for floor, parts in enumerate(LAYERS) for part in parts}


def modules() -> dict[str, Path]:
    """Return every module of webapp/ by its dotted name."""
    found = {}
    for path in (ROOT / "webapp").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """Return the modules of webapp/ that the file at path imports (a name taken from a module: that module)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names if alias.name in known}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in known:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                out.add(submodule if submodule in known else node.module)
    return out


def part(module: str) -> str:
    """Return the package (or the top-level module) a module belongs to: webapp.program.pages -> program."""
    return module.split(".")[1] if "." in module else "webapp"


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(path, known) - {name} for name, path in known.items()}


def upward(edges: dict[str, set[str]]) -> list[str]:
    """Return each import that runs to the same floor or up, as "module -> module"."""
    return sorted(
        f"{module} -> {target}"
        for module, targets in edges.items()
        for target in targets
        if part(module) != part(target) and FLOOR[part(target)] <= FLOOR[part(module)]
    )


def circles(edges: dict[str, set[str]]) -> list[str]:
    """Return each loop of imports found by a depth-first walk, as "a -> b -> a"."""
    state: dict[str, str] = {}
    found = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target in sorted(edges.get(module, ())):
            if state.get(target) == "open":
                found.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    return found


def test_every_package_is_on_a_floor():
    assert {part(m) for m in graph()} == set(FLOOR)


def test_every_import_points_down():
    assert upward(graph()) == []


def test_the_imports_have_no_circle():
    assert circles(graph()) == []


def test_the_checks_find_an_arrow_up_and_a_circle(tmp_path):
    # The program's pages reading the agenda's page data, as they once did: an arrow up, found in a function too.
    page = tmp_path / "pages.py"
    page.write_text(
        "from webapp import walking\n\ndef f():\n    from webapp.travel.present import agenda_page_data\n"
    )
    read = imports(page, modules())
    assert read == {"webapp.walking", "webapp.travel.present"}
    assert upward({"webapp.program.pages": read}) == ["webapp.program.pages -> webapp.travel.present"]
    loop = {"webapp.program.a": {"webapp.program.b"}, "webapp.program.b": {"webapp.program.a"}}
    assert circles(loop) == ["webapp.program.a -> webapp.program.b -> webapp.program.a"]
