"""Where a source departs from its published schema (the c3voc XSD and JSON schemas), grouped for people.

Real exports deviate: frab writes slugs the XSD's pattern refuses, pretalx adds `<answers>`, the hub
adds `<do_not_stream>`. The schedule apps read them anyway, and so does the import: each deviation is
collected, and the summary lists them grouped by kind, with how many and where (XML line numbers,
JSON paths). `--strict` refuses a source with any deviation instead.
"""

import json
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import jsonschema
from jsonschema.exceptions import best_match
from lxml import etree

from webapp.sources.model import Deviation, ScheduleError

SCHEMAS = Path(__file__).parent / "schemas"
SHOWN_LINES = 10  # XML line numbers listed per kind; the rest are counted
SHOWN_PATHS = 3  # JSON paths listed per kind (they are long)
_VALUE = re.compile(r"[Tt]he value '(?P<value>.*?)' (?=is)")
_EXTRA = re.compile(r"\('(?P<keys>.*)' (?:was|were) unexpected\)")


@cache
def xml_schema() -> etree.XMLSchema:
    """Return the c3voc schedule XSD, parsed once."""
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "c3voc-schedule.xml.xsd")))


@cache
def json_validator(flat: bool):
    """Return a validator for the c3voc JSON schema: the flat schema2 form, or the nested form."""
    name = "c3voc-schedule2.schema.json" if flat else "c3voc-schedule.schema.json"
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


def _short(value: object, limit: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def xml_deviations(root: etree._Element) -> list[Deviation]:
    """Return every place the XML departs from the c3voc XSD (each error once, follow-up warnings dropped)."""
    schema = xml_schema()
    try:
        if schema.validate(root):
            return []
    except etree.XMLSchemaValidateError as exc:
        raise ScheduleError(
            f"The source XML could not be checked against the schedule XSD ({exc})."
        ) from None
    out = []
    for error in schema.error_log:
        if error.level_name == "WARNING" or "Warning:" in error.message:
            continue  # libxml2's note after a refused value ("no precomputed value"), not a second deviation
        subject, _, problem = error.message.partition(": ")
        subject = re.sub(r"^Element '(.*)'$", r"<\1>", subject) if problem else "the document"
        problem = (problem or error.message).split(". Expected is")[0].removeprefix("[facet 'pattern'] ")
        value = None
        if match := _VALUE.search(problem):
            value = match.group("value")
            problem = _VALUE.sub("the value ", problem)
        out.append(Deviation(subject, problem.rstrip("."), f"line {error.line}", value))
    return out


def _json_path(path: Iterable) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(part)):
            out += f".{part}" if out else str(part)
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out or "the document"


def json_deviations(data: object, flat: bool) -> list[Deviation]:
    """Return every place a c3voc JSON document departs from its JSON schema."""
    out = []
    for found in json_validator(flat).iter_errors(data):
        error = found
        while error.context:  # oneOf / anyOf: the alternative that came closest says what is wrong
            error = best_match(error.context)
        where = _json_path(error.absolute_path)
        field = next((str(p) for p in reversed(error.absolute_path) if not isinstance(p, int)), "schedule")
        if error.validator == "additionalProperties" and (match := _EXTRA.search(error.message)):
            for key in match.group("keys").split("', '"):
                out.append(
                    Deviation(key, "is not a field the schema knows", _json_path([*error.absolute_path, key]))
                )
            continue
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else error.message
            out.append(Deviation(missing, "is missing (the schema requires it)", where))
            continue
        problem, value = error.message, None
        if not isinstance(error.instance, dict | list):
            value = _short(error.instance)
            problem = problem.replace(repr(error.instance), "the value", 1)
        elif len(problem) > 120:  # the message repeats the whole object
            problem = f"does not fit the schema (its '{error.validator}' rule)"
        out.append(Deviation(field, problem, where, value))
    return out


def summarize(deviations: list[Deviation]) -> list[str]:
    """Return the deviations grouped by kind, most frequent first: how many, what, where, an example."""
    groups: dict[tuple[str, str], list[Deviation]] = {}
    for deviation in deviations:
        groups.setdefault((deviation.subject, deviation.problem), []).append(deviation)
    lines = []
    for (subject, problem), items in sorted(groups.items(), key=lambda item: -len(item[1])):
        by_line = all(d.where.startswith("line ") for d in items)
        shown = SHOWN_LINES if by_line else SHOWN_PATHS
        if by_line:
            where = ("lines " if len(items) > 1 else "line ") + ", ".join(d.where[5:] for d in items[:shown])
        else:
            where = "; ".join(d.where for d in items[:shown])
        if len(items) > shown:
            where += f" and {len(items) - shown} more"
        example = next((d.value for d in items if d.value is not None), None)
        for_example = f"; e.g. '{_short(example)}'" if example is not None else ""
        lines.append(f"{len(items)} × {subject}: {problem} ({where}{for_example})")
    return lines


def places(count: int) -> str:
    """Return '1 place' or 'N places'."""
    return f"{count} place" if count == 1 else f"{count:,} places"


def refuse(deviations: list[Deviation], schema: str) -> ScheduleError:
    """Return the error --strict raises: every deviation, grouped, in one sentence."""
    groups = summarize(deviations)
    return ScheduleError(
        f"The source deviates from the {schema} in {places(len(deviations))} ({'; '.join(groups)}); "
        "without --strict it imports with these listed as warnings."
    )
