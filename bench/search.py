"""Search over a generated 1,000-session event: index build, the search service, /api/sessions?q=, /schedule?q=.

    .venv/bin/python bench/search.py [--sessions 1000] [--rooms 72] [--queries 400]

It writes a program.json and venues.geojson of its own (German, English and Korean titles, umlauts,
speakers, 60-word abstracts, long room names), loads them into a throw-away SQLite database and asks
the app in-process (Flask's test client, no network). Every query string is asked once, so the page
cache never answers: each figure is the server's own work. Budget (issue 20): p99 < 50 ms server side.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
os.environ.setdefault("PUSH_WORKER", "0")

TZ = ZoneInfo("Europe/Berlin")
FIRST_DAY = date(2026, 12, 27)
GERMAN = [
    "Überwachung",
    "Datenschutz",
    "Straßenbahn",
    "Öffentlichkeit",
    "Grundgesetz",
    "Mikrocontroller",
    "Lötkurs",
    "Funkamateure",
    "Bürgerrechte",
    "Klimagerechtigkeit",
    "Müll",
    "Verschlüsselung",
    "Künstliche",
    "Intelligenz",
    "Hackerspace",
    "Schließanlagen",
]
ENGLISH = [
    "open",
    "hardware",
    "radio",
    "privacy",
    "crypto",
    "art",
    "chaos",
    "climate",
    "data",
    "kernel",
    "fpga",
    "badge",
    "rust",
    "satellites",
    "law",
    "city",
]
KOREAN = [
    "간호정보학",
    "의료데이터",
    "생중계",
    "디지털",
    "헬스케어",
    "인공지능",
    "보안",
    "개인정보",
    "오픈소스",
    "하드웨어",
    "위성",
    "기후",
]
NAMES = [
    "Jürgen Müller",
    "Anna Schäfer",
    "Marc-André Dubois",
    "Søren Ørsted",
    "Zoë Brandt",
    "박현영",
    "김지훈",
    "이서연",
    "Lukas Weiß",
    "Renée Côté",
]
QUERIES = ["überwachung", "ueberwachung", "strassenbahn", "müller", "mueller", "marc-andre", "간호정보", "의료 데이터",
           "생중계", "kernel", "open hardware", "kl", "lötkurs", "loetkurs", "weiss", "saal", "chaos data", "x"]  # fmt: skip


def generate_event(sessions: int, rooms: int, days: int = 4, seed: int = 20) -> tuple[dict, dict]:
    """Return (venues file, program file) of an event with the given number of sessions and rooms."""
    rng = random.Random(seed)
    room_ids = [f"saal-{i:02d}" for i in range(rooms)]
    venues = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [9.98, 53.56]}, "properties": {
        "id": "cch", "name": {"de": "Congress Center Hamburg", "en": "Congress Center Hamburg"},
        "rooms": [{"id": r, "name": {"de": f"Saal {r[-2:]} – Werkstatt für Lötkurse und Mikrocontroller-Experimente {r[-2:]}"}} for r in room_ids]}}]}  # fmt: skip
    # The real words among 2,000 made-up ones: a word is in about 3 % of the abstracts, as in a real program.
    syllables = ["ka", "ro", "mi", "te", "lu", "sa", "ven", "dor", "pli", "quo", "zan", "ber", "gri", "fo"]
    words = (
        GERMAN + ENGLISH + KOREAN + ["".join(rng.choice(syllables) for _ in range(3)) for _ in range(2000)]
    )
    items = []
    for n in range(sessions):
        day = FIRST_DAY + timedelta(days=n % days)
        start = datetime(day.year, day.month, day.day, 10, 0, tzinfo=TZ) + timedelta(
            minutes=30 * (n // (days * rooms))
        )
        title = " ".join(rng.choice(words) for _ in range(rng.randint(2, 6)))
        items.append({
            "id": f"s{n:04d}", "title": {"de": title}, "track": rng.choice(["hardware", "politik", "kunst"]),
            "speakers": [{"name": {"de": rng.choice(NAMES)}, "id": str(rng.randint(1, 400))} for _ in range(rng.randint(1, 2))],
            "start": start.isoformat(), "end": (start + timedelta(minutes=25)).isoformat(),
            "venue": "cch", "room": room_ids[n % rooms], "mode": "in_person", "language": "de", "provenance": "sourced",
            "abstract": {"de": " ".join(rng.choice(words) for _ in range(60))},
        })  # fmt: skip
    program = {
        "event": {"id": "bench-search", "name": {"de": "Suchkongress"}, "short_name": {"de": "Suche 26"},
                  "timezone": "Europe/Berlin", "days": [(FIRST_DAY + timedelta(days=d)).isoformat() for d in range(days)],
                  "languages": ["de", "en"]},
        "tracks": [{"id": t, "name": {"de": t.capitalize()}, "color": "#ffd700"} for t in ("hardware", "politik", "kunst")],
        "sessions": items,
    }  # fmt: skip
    return venues, program


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def row(label: str, times: list[float], extra: str = "") -> tuple[str, str, str]:
    p50, p99 = statistics.median(times) * 1000, percentile(times, 99) * 1000
    return label, f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(times) * 1000:.1f} ms ({len(times)})", extra


def main() -> int:
    """Generate, load, measure; print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--rooms", type=int, default=72)
    parser.add_argument("--queries", type=int, default=100, help="distinct requests per endpoint")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.program.importer import import_event
    from webapp.program.search import build_index, search

    work = Path(tempfile.mkdtemp(prefix="bench-search-"))
    venues, program = generate_event(args.sessions, args.rooms)
    (work / "venues.geojson").write_text(json.dumps(venues, ensure_ascii=False))
    (work / "program.json").write_text(json.dumps(program, ensure_ascii=False))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'bench.db'}", "VENUES_FILE": str(work / "venues.geojson"),
                      "PROGRAM_FILE": str(work / "program.json"), "EVENT_NOW": "2026-12-28T14:00:00+01:00"})  # fmt: skip
    with app.app_context():
        upgrade()
        import_event(app.extensions["event"])
    event = app.extensions["event"]
    rows = []
    started = time.perf_counter()
    index = build_index(event)
    rows.append(
        ("index build (once per data version)", f"{(time.perf_counter() - started) * 1000:.0f} ms", "")
    )

    pairs = [(s.id, s.room) for s in event.program.sessions]
    service, counts = [], []
    for i in range(args.queries):
        q = QUERIES[i % len(QUERIES)]
        started = time.perf_counter()
        hits = search(index, q, pairs)
        service.append(time.perf_counter() - started)
        counts.append(len(hits))
    rows.append(row("search() service, 1,000 sessions", service, f"{min(counts)}-{max(counts)} hits"))
    print(*rows[-1], flush=True)

    client = app.test_client()
    for label, url in (
        ("GET /api/sessions?q=", "/api/sessions?q={q}&limit={limit}"),
        ("GET /schedule?q=", "/schedule?q={q}&lang=en&n={n}"),
    ):
        times = []
        for n in range(args.queries):
            target = url.format(
                q=QUERIES[n % len(QUERIES)], n=n, limit=1000 - n
            )  # a new URL each time: no cache hit
            started = time.perf_counter()
            response = client.get(target, headers={"Accept-Encoding": "identity"})
            times.append(time.perf_counter() - started)
            assert response.status_code in (200, 400), (target, response.status_code)
        verdict = "< 50 ms " + ("PASS" if percentile(times, 99) < 0.05 else "OVER")
        rows.append(row(label, times, verdict))
        print(*rows[-1], flush=True)
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':<52}  note")
    for label, value, note in rows:
        print(f"{label:<{width}}  {value:<52}  {note}")
    print(f"(files in {work})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
