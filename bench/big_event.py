"""Import and serve a Congress-sized event: 1,000+ sessions, 70+ rooms, 5 days; print the numbers.

    .venv/bin/python bench/big_event.py [--sessions-per-room-day 3] [--rooms 72] [--days 5] [--repeat 5]

It generates a c3voc schedule JSON (the nested form pretalx and frab publish) and a venues file with
four venues, imports it with `import-schedule`'s code, loads it into a throw-away SQLite database, and
asks the app in-process (Flask's test client, no network) for `/`, `/schedule` of the busiest day and
`/api/sessions`, compressed as a phone would get them (`Accept-Encoding: br, gzip`). Times are the
median of --repeat requests after one warm-up. Budgets (docs: DESIGN.md, issue 11): import of 1,000
sessions <= 10 s; `/schedule` for one day <= 100 KB compressed.
"""

import argparse
import json
import os
import random
import statistics
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
VENUES = [
    ("cch", 9.9846, 53.5621),
    ("messe-a", 9.9785, 53.5635),
    ("messe-b", 9.9760, 53.5655),
    ("fernsehturm", 9.9733, 53.5636),
]
WORDS = [
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


def generate(rooms: int, days: int, per_room_day: int, seed: int = 23) -> tuple[dict, dict]:
    """Return (schedule JSON, venues file) for a generated event."""
    rng = random.Random(seed)
    room_names = [f"Room {i + 1:02d}" for i in range(rooms)]
    features = []
    for v, (venue_id, lon, lat) in enumerate(VENUES):
        mine = room_names[v :: len(VENUES)]
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": {
            "id": venue_id, "name": {"de": venue_id.upper(), "en": venue_id.upper()},
            "rooms": [{"id": f"room-{name[-2:]}", "name": {"en": name}, "floor": str(v)} for name in mine]}})  # fmt: skip
    day_list = []
    number = 0
    for d in range(days):
        day = FIRST_DAY + timedelta(days=d)
        by_room = {}
        for name in room_names:
            events, start = [], datetime(day.year, day.month, day.day, 10, 0, tzinfo=TZ)
            for _ in range(per_room_day):
                number += 1
                length = timedelta(minutes=rng.choice([30, 40, 60, 90, 120]))
                title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 7))).capitalize()
                events.append({
                    "id": number, "guid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "date": start.isoformat(), "start": start.strftime("%H:%M"),
                    "duration": f"{length.seconds // 3600:02d}:{length.seconds % 3600 // 60:02d}",
                    "room": name, "title": title, "subtitle": "", "track": rng.choice(WORDS[:8]).capitalize(),
                    "type": "lecture", "language": rng.choice(["en", "de", "de, en"]),
                    "abstract": " ".join(rng.choice(WORDS) for _ in range(40)), "description": "",
                    "do_not_record": rng.random() < 0.05,
                    "persons": [{"id": rng.randint(1, 3000), "public_name": f"Speaker {rng.randint(1, 3000)}"}],
                    "links": [], "slug": f"big-{number}",
                })  # fmt: skip
                start += length + timedelta(minutes=rng.choice([15, 30, 45, 240]))
            by_room[name] = events
        day_list.append({"index": d + 1, "date": day.isoformat(), "rooms": by_room})
    conference = {
        "acronym": "big26",
        "title": "Big Congress 2026",
        "time_zone_name": "Europe/Berlin",
        "days": day_list,
    }
    return {"schedule": {"version": "1", "conference": conference}}, {
        "type": "FeatureCollection",
        "features": features,
    }


def timed(fn, repeat: int) -> tuple[float, object]:
    """Return the median seconds of repeat calls after one warm-up, and the last result."""
    result = fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> int:
    """Generate, import, serve and measure; print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=72)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--sessions-per-room-day", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.program.importer import import_event
    from webapp.sources.convert import import_schedule

    work = Path(tempfile.mkdtemp(prefix="big-event-"))
    schedule, venues = generate(args.rooms, args.days, args.sessions_per_room_day)
    (work / "schedule.json").write_text(json.dumps(schedule))
    (work / "in-venues.geojson").write_text(json.dumps(venues))
    started = time.perf_counter()
    summary, _ = import_schedule(str(work / "schedule.json"), work / "in-venues.geojson", out_dir=work)
    import_s = time.perf_counter() - started

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'big.db'}", "VENUES_FILE": str(work / "venues.geojson"),
                      "PROGRAM_FILE": str(work / "program.json"), "EVENT_NOW": "2026-12-29T14:00:00+01:00"})  # fmt: skip
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        import_event(app.extensions["event"])
        db_s = time.perf_counter() - started
    client = app.test_client()
    phone = {"Accept-Encoding": "br, gzip", "Accept-Language": "en"}
    rows = [
        ("sessions / rooms / days", f"{summary.sessions} / {len(summary.rooms)} / {args.days}", ""),
        (
            "import-schedule (read, place, write, check)",
            f"{import_s:.2f} s",
            "<= 10 s" + (" PASS" if import_s <= 10 else " OVER"),
        ),
        ("import-event (files -> database)", f"{db_s:.2f} s", ""),
    ]
    for label, url, budget in (
        ("/", "/", None),
        ("/schedule (one day, 29 Dec)", "/schedule?day=2026-12-29", 100),
        ("/api/sessions", "/api/sessions", None),
    ):
        seconds, response = timed(lambda url=url: client.get(url, headers=phone), args.repeat)
        raw = len(client.get(url, headers={"Accept-Encoding": "identity"}).data)
        sent = len(response.data)
        verdict = (
            "" if budget is None else f"<= {budget} KB" + (" PASS" if sent <= budget * 1000 else " OVER")
        )
        rows.append(
            (
                f"{label} {response.headers.get('Content-Encoding', 'identity')}",
                f"{sent / 1000:.1f} KB ({raw / 1000:.0f} KB raw), {seconds * 1000:.0f} ms",
                verdict,
            )
        )
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':<38}  budget")
    for label, value, budget in rows:
        print(f"{label:<{width}}  {value:<38}  {budget}")
    print(f"(files in {work})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
