"""The Korean interface keeps /work/shared/korean-style.md: one word per thing, no particle after a placeholder.

Every Korean string is checked: the catalogue (pages, toasts, push notices, the staff console all take
their words from it) and the Korean texts of the embedded event's data files.
"""

import json
import re

import pytest
from babel.messages.pofile import read_po

from tests.conftest import ROOT

PO = ROOT / "webapp" / "translations" / "ko" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = r"(?:%\(\w+\)[sd]|\{\w+\})"
# Particles whose form depends on the word before (받침): after a name they break half the time.
PARTICLE_AFTER_PLACEHOLDER = re.compile(
    PLACEHOLDER + r"(?:이|가|을|를|은|는|와|과|으로|로|였|이었|입니다|이에요|예요|이라|라고)"
)
# The glossary's term for each concept; these other words for the same things must not appear.
NOT_THE_GLOSSARYS = {
    "별표": "관심 등록 / 관심 세션 (star)",
    "즐겨찾기": "관심 세션 (starred)",
    "라이브": "생중계 / 실시간 연결됨 (live)",
    "재구성": "추정 (reconstructed)",
    "휴대전화": "휴대폰 (phone)",
    "방문객": "참가자 (attendees)",
    "예정대로": "정상 진행 (scheduled)",
    "다음 순서": "다음 세션 (next)",
    "전체 장소": "전체 행사장 (all venues)",
    "(를)": "a particle that fits, or no particle (never 을(를))",
    "(가)": "a particle that fits, or no particle",
    "(는)": "a particle that fits, or no particle",
}
# Words for rooms: 회의장; a room's own name may say 회의실 (data only, not the catalogue).
CATALOGUE_ONLY = {"회의실": "회의장 (room)", "휴대 전화": "휴대폰 (phone)"}
GLOSSARY = {
    (None, "Star"): "관심 등록",
    (None, "Starred"): "관심 세션",
    (None, "Venue"): "행사장",
    (None, "All venues"): "전체 행사장",
    (None, "Room"): "회의장",
    (None, "Rooms"): "회의장",
    (None, "Track"): "트랙",
    (None, "Schedule"): "일정",
    (None, "My agenda"): "내 일정",
    (None, "Now"): "진행 중",
    (None, "Next"): "다음 세션",
    (None, "Live"): "생중계",
    ("connection", "Live"): "실시간 연결됨",
    (None, "Off air"): "중계 종료",
    (None, "Scheduled"): "중계 예정",
    (None, "Watch online"): "온라인 시청",
    (None, "Join online"): "온라인 참여",
    (None, "Delay"): "지연",
    (None, "Retime"): "시간 변경",
    (None, "Cancelled"): "취소됨",
    (None, "Restore"): "취소 철회",
    (None, "Full"): "만석",
    (None, "Room full"): "만석",
    (None, "Seats available"): "입장 가능",
    (None, "Announcement"): "공지",
    (None, "Retract"): "공지 철회",
    (None, "reconstructed"): "추정",
    (None, "Straight line"): "직선 거리",
    (None, "In person"): "현장",
    (None, "Hybrid"): "하이브리드",
    (None, "Online"): "온라인",
    (None, "scheduled"): "정상 진행",
    ("travel table", "To"): "도착 행사장",
}


def catalogue() -> dict[tuple[str | None, str], list[str]]:
    with PO.open("rb") as f:
        cat = read_po(f)
    out = {}
    for message in cat:
        if message.id:
            key = message.id if isinstance(message.id, str) else message.id[0]
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            out[(message.context, key)] = [s for s in strings if s]
    return out


def data_texts() -> list[str]:
    """Return every Korean text of the embedded event's two data files."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "ko" and isinstance(value, str):
                    found.append(value)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for name in ("program.json", "venues.geojson"):
        walk(json.loads((ROOT / name).read_text()))
    return found


def test_no_particle_right_after_a_placeholder():
    wrong = {
        key[1]: text
        for key, texts in catalogue().items()
        for text in texts
        if PARTICLE_AFTER_PLACEHOLDER.search(text)
    }
    assert wrong == {}


@pytest.mark.parametrize(
    "text, breaks",
    [
        ("%(title)s 세션이 취소되었습니다", False),
        ("%(title)s이 취소되었습니다", True),
        ("%(day)s였습니다", True),
        ("%(base)s을(를) 여는지", True),
        ("[취소] %(title)s", False),
        ("%(time)s까지 출발하세요", False),
        ("세션 %(n)d개", False),
        ("{n}분 지연", False),
    ],
)
def test_the_particle_check_catches_what_breaks(text, breaks):
    assert bool(PARTICLE_AFTER_PLACEHOLDER.search(text) or "(를)" in text) == breaks


def test_the_glossarys_terms_are_the_only_ones_used():
    texts = [(key[1], text) for key, values in catalogue().items() for text in values]
    used = {
        (word, msgid): instead
        for msgid, text in texts
        for word, instead in {**NOT_THE_GLOSSARYS, **CATALOGUE_ONLY}.items()
        if word in text
    }
    used.update(
        {
            (word, text[:40]): instead
            for text in data_texts()
            for word, instead in NOT_THE_GLOSSARYS.items()
            if word in text
        }
    )
    assert used == {}


def test_each_concept_has_the_glossarys_word():
    cat = catalogue()
    assert {key: cat.get(key, ["(missing)"])[0] for key in GLOSSARY} == GLOSSARY


def test_staff_changes_and_push_notices_use_tags_not_particles():
    cat = catalogue()
    for msgid in (
        "%(title)s is cancelled.",
        "%(title)s moved to %(place)s, %(time)s",
        "%(title)s now starts at %(time)s, %(place)s",
        "%(title)s is cancelled",
        "%(title)s moved to %(place)s",
        "%(title)s is now at %(time)s",
    ):
        assert re.match(r"^\[[가-힣 ]+\] %\(title\)s", cat[(None, msgid)][0]), msgid
