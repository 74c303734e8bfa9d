"""A congress on a phone: generate, import and serve a 1,000-session, 70-room, 3-day event; measure pages.

    .venv/bin/python bench/big_event.py [--sessions 1000] [--rooms 70] [--days 3] [--venues 1]

It generates a c3voc schedule JSON (the nested form pretalx and frab publish) with German and English
titles, abstracts and speakers, 60-character room names, and a venues file (one venue by default, up to
four with --venues), imports it with `import-schedule`'s code, starts serve.py on it (a throw-away SQLite
database, EVENT_NOW on the second day at 14:00) and measures `/`, a day of `/schedule`, a venue page, a
room page and `/api/sessions`: the HTML raw and as sent gzip-compressed, and, in headless Chromium at
390x844, the DOM node count and the page's height and width. Budgets (issues 11 and 20): import of
1,000 sessions <= 10 s; a day of `/schedule` and a venue page <= 100 KB compressed.

Tests use the same generator (`write_event`), so the event the budget is measured on is the one the
browser tests walk through.
"""

import argparse
import json
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")

TZ = ZoneInfo("Europe/Berlin")
FIRST_DAY = date(2026, 12, 27)
# During the second day, in the afternoon: past hours to fold, sessions on now and next.
EVENT_NOW = "2026-12-28T14:00:00+01:00"
VENUES = [
    ("cch", "Congress Center Hamburg", 9.9846, 53.5621),
    ("messe-a", "Messehalle A", 9.9785, 53.5635),
    ("messe-b", "Messehalle B", 9.9760, 53.5655),
    ("fernsehturm", "Heinrich-Hertz-Turm", 9.9733, 53.5636),
]
ROOM_WORDS = ["Großer", "Kleiner", "Hörsaal", "Seminarraum", "Konferenzsaal", "Workshop-Bereich", "Ebene",
              "Nordflügel", "Südflügel", "Eingang über die Galerie", "barrierefrei erreichbar"]  # fmt: skip
TITLE_WORDS = {
    "de": ["Offene", "Hardware", "für", "alle", "Datenschutz", "Überwachung", "Städte", "Klimaschutz",
           "Funkgeräte", "Grundrechte", "Mobilität", "Prüfung", "Schlüssel", "Gemeinwohl", "Zukunft"],
    "en": ["Open", "hardware", "for", "everyone", "privacy", "surveillance", "cities", "climate", "radio",
           "rights", "kernel", "satellites", "keys", "commons", "future"],
    # Only with languages=(..., "ko") (bench/search.py): Korean words, written without spaces inside them.
    "ko": ["간호정보학", "의료데이터", "생중계", "디지털", "헬스케어", "인공지능", "보안", "개인정보", "오픈소스",
           "하드웨어", "위성", "기후"],
}  # fmt: skip
TRACKS = ["Hardware & Making", "Ethics, Society & Politics", "Security", "Science", "Art & Beauty",
          "Entertainment", "CCC", "Resilience & Sustainability"]  # fmt: skip
NAMES = ["Jörg", "Änne", "Müller", "Schäfer", "Alex", "Sam", "Özdemir", "Weiß", "Kim", "Nguyen", "Groß"]
KOREAN_NAMES = ["박현영", "김지훈", "이서연"]
# Floors as a building signposts them; every fourth room has none, as in a pretalx or frab import.
FLOORS = ["", "EG", "1. OG", "2. OG"]


def room_name(number: int, rng: random.Random) -> str:
    """Return a room name of exactly 60 characters, like a congress hall's signposted name."""
    words = [f"Saal {number:02d}", *rng.sample(ROOM_WORDS, len(ROOM_WORDS))]
    return " – ".join(words)[:60].rstrip(" –").ljust(60, ".")


def generate(
    rooms: int = 70,
    days: int = 3,
    sessions: int = 1000,
    venues: int = 1,
    seed: int = 23,
    languages: tuple[str, ...] = ("de", "en"),
) -> tuple[dict, dict]:
    """Return (c3voc schedule JSON, venues file) for a generated event with text in languages (de, en, ko).

    With the default languages the event is the one the tests and the page budgets use; "ko" adds
    Korean sessions and speakers (the search bench's queries need them).
    """
    rng = random.Random(seed)
    names = NAMES + (KOREAN_NAMES if "ko" in languages else [])
    room_names = [room_name(i + 1, rng) for i in range(rooms)]
    features = []
    for v, (venue_id, name, lon, lat) in enumerate(VENUES[:venues]):
        mine = [(n, room) for n, room in enumerate(room_names) if n % venues == v]
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": {
            "id": venue_id, "name": {"de": name, "en": name}, "address": {"de": "Marseiller Str. 2, Hamburg"},
            "rooms": [{"id": f"saal-{n + 1:02d}", "name": {"de": room, "en": room}, "floor": FLOORS[n % len(FLOORS)]}
                      for n, room in mine]}})  # fmt: skip
    slots = [(d, name) for d in range(days) for name in room_names]
    per_slot = [sessions // len(slots) + (i < sessions % len(slots)) for i in range(len(slots))]
    by_day: list[dict] = [{name: [] for name in room_names} for _ in range(days)]
    number = 0
    for (d, name), count in zip(slots, per_slot, strict=True):
        day = FIRST_DAY + timedelta(days=d)
        start = datetime(day.year, day.month, day.day, 10, 0, tzinfo=TZ) + timedelta(
            minutes=rng.choice([0, 30, 60])
        )
        for _ in range(count):
            number += 1
            lang = rng.choice(languages)
            length = timedelta(minutes=rng.choice([30, 40, 60, 90]))
            title = " ".join(rng.choice(TITLE_WORDS[lang]) for _ in range(rng.randint(3, 9)))
            by_day[d][name].append({
                "id": number, "guid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "date": start.isoformat(), "start": start.strftime("%H:%M"),
                "duration": f"{length.seconds // 3600:02d}:{length.seconds % 3600 // 60:02d}",
                "room": name, "title": title[0].upper() + title[1:], "subtitle": "",
                "track": rng.choice(TRACKS), "type": "lecture", "language": lang,
                "abstract": " ".join(rng.choice(TITLE_WORDS[lang]) for _ in range(40)), "description": "",
                "do_not_record": rng.random() < 0.05,
                "persons": [{"id": rng.randint(1, 3000), "public_name": f"{rng.choice(names)} {rng.choice(names)}"}
                            for _ in range(rng.randint(1, 3))],
                "links": [], "slug": f"big-{number}",
            })  # fmt: skip
            start += length + timedelta(minutes=rng.choice([15, 30, 45]))
    day_list = [
        {"index": d + 1, "date": (FIRST_DAY + timedelta(days=d)).isoformat(), "rooms": by_day[d]}
        for d in range(days)
    ]
    conference = {"acronym": "big26", "title": "Großer Kongress 2026", "time_zone_name": "Europe/Berlin",
                  "days": day_list}  # fmt: skip
    return {"schedule": {"version": "1", "conference": conference}}, {
        "type": "FeatureCollection",
        "features": features,
    }


def write_source(out_dir: Path, **options) -> tuple[Path, Path]:
    """Write a generated event (see generate) as a c3voc schedule and a venues file; return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    schedule, venues = generate(**options)
    (out_dir / "schedule.json").write_text(json.dumps(schedule))
    (out_dir / "in-venues.geojson").write_text(json.dumps(venues))
    return out_dir / "schedule.json", out_dir / "in-venues.geojson"


def write_event(out_dir: Path, **options) -> tuple[Path, Path]:
    """Generate an event (see generate), import it into out_dir; return (venues file, program file)."""
    from webapp.sources.convert import import_schedule

    source, venues = write_source(out_dir, **options)
    import_schedule(str(source), venues, out_dir=out_dir)
    return Path(out_dir) / "venues.geojson", Path(out_dir) / "program.json"


PAGES = [
    ("/", "/", None),
    ("/schedule (28 Dec)", "/schedule?day=2026-12-28", 100),
    ("/venues/cch", "/venues/cch", 100),
    ("/rooms/saal-01", "/rooms/saal-01", None),
    ("/api/sessions", "/api/sessions", None),
]


def fetch_sizes(url: str) -> tuple[int, int, float]:
    """Return (raw bytes, gzip bytes as sent, seconds for the gzip request) of one GET."""
    import urllib.request

    sizes = []
    for encoding in ("identity", "gzip"):
        started = time.perf_counter()
        with urllib.request.urlopen(
            urllib.request.Request(url, headers={"Accept-Encoding": encoding}), timeout=60
        ) as r:
            sizes.append(len(r.read()))
        seconds = time.perf_counter() - started
    return sizes[0], sizes[1], seconds


def browser_figures(
    base_url: str, paths: list[str], width: int = 390, height: int = 844
) -> dict[str, tuple[int, int, int]]:
    """Return {path: (DOM nodes, page height px, page width px)} in headless Chromium at width x height."""
    from playwright.sync_api import sync_playwright

    from tests.servers import CHROMIUM, CHROMIUM_ARGS, TILE_PNG

    figures = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
        context.route(
            "**/tile.openstreetmap.org/**",
            lambda route: route.fulfill(body=TILE_PNG, content_type="image/png"),
        )
        page = context.new_page()
        for path in paths:
            page.goto(base_url + path, wait_until="load")
            figures[path] = page.evaluate(
                "[document.getElementsByTagName('*').length, document.documentElement.scrollHeight,"
                " document.documentElement.scrollWidth]"
            )
        browser.close()
    return figures


def main() -> int:
    """Generate and import the event, serve it (serve.py), measure each page; print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--rooms", type=int, default=70)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--venues", type=int, default=1, choices=range(1, len(VENUES) + 1))
    args = parser.parse_args()

    from tests.servers import run_flask, running_server
    from webapp.sources.convert import import_schedule

    work = Path(tempfile.mkdtemp(prefix="big-event-"))
    options = {"rooms": args.rooms, "days": args.days, "sessions": args.sessions, "venues": args.venues}
    source, in_venues = write_source(work, **options)
    started, cpu = time.perf_counter(), time.process_time()
    import_schedule(str(source), in_venues, out_dir=work)
    import_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    venues_file, program_file = work / "venues.geojson", work / "program.json"
    env = {"DATABASE_URL": f"sqlite:///{work / 'big.db'}", "VENUES_FILE": str(venues_file),
           "PROGRAM_FILE": str(program_file), "EVENT_NOW": EVENT_NOW}  # fmt: skip
    run_flask(["db", "upgrade"], env)
    rows = [
        ("sessions / rooms / days / venues", f"{args.sessions} / {args.rooms} / {args.days} / {args.venues}", ""),
        ("import-schedule (read, place, write, check)", f"{import_s:.2f} s ({cpu_s:.2f} s CPU)", "<= 10 s" + (" PASS" if import_s <= 10 else " OVER")),
    ]  # fmt: skip
    with running_server(work, **env) as base_url:
        fetch_sizes(base_url + "/")  # warm-up: the first request builds the map
        figures = browser_figures(base_url, [path for _, path, _ in PAGES if not path.startswith("/api")])
        for label, path, budget in PAGES:
            raw, sent, seconds = fetch_sizes(base_url + path)
            nodes, tall, wide = figures.get(path, ("-", "-", "-"))
            verdict = (
                ""
                if budget is None
                else f"<= {budget} KB gzip" + (" PASS" if sent <= budget * 1000 else " OVER")
            )
            rows.append((label, f"{raw / 1000:.0f} KB raw, {sent / 1000:.1f} KB gzip, {seconds * 1000:.0f} ms; "
                                f"{nodes} nodes, {tall} x {wide} px", verdict))  # fmt: skip
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':<62}  budget")
    for label, value, budget in rows:
        print(f"{label:<{width}}  {value:<62}  {budget}")
    print(f"(files in {work})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
