"""VAPID keys: generated once and kept owner-only, or read from the environment; never a default."""

import stat

import pytest

from webapp.push.keys import VapidKeyError, load_keys

SUBJECT = "mailto:ops@example.org"


def test_key_is_generated_once_with_owner_only_permissions(tmp_path):
    path = tmp_path / "var" / "vapid.pem"
    first = load_keys(None, None, SUBJECT, str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_keys(None, None, SUBJECT, str(path)).public_key == first.public_key
    assert load_keys(None, None, SUBJECT, str(tmp_path / "other.pem")).public_key != first.public_key


def test_key_from_the_environment_is_used_and_checked(tmp_path):
    made = load_keys(None, None, SUBJECT, str(tmp_path / "k.pem"))
    pem = (tmp_path / "k.pem").read_text()
    assert (
        load_keys(pem, made.public_key, SUBJECT, str(tmp_path / "unused.pem")).public_key == made.public_key
    )
    assert not (tmp_path / "unused.pem").exists()
    other = load_keys(None, None, SUBJECT, str(tmp_path / "o.pem")).public_key
    with pytest.raises(VapidKeyError, match="VAPID_PUBLIC_KEY"):
        load_keys(pem, other, SUBJECT, str(tmp_path / "unused.pem"))


@pytest.mark.parametrize(
    ("private", "subject", "named"),
    [("garbage", SUBJECT, "VAPID_PRIVATE_KEY"), (None, "ops", "VAPID_SUBJECT")],
)
def test_bad_vapid_setting_is_named(tmp_path, private, subject, named):
    with pytest.raises(VapidKeyError, match=named):
        load_keys(private, None, subject, str(tmp_path / "k.pem"))


def test_bad_vapid_setting_stops_start_up_with_one_sentence(make_app):
    from click import ClickException

    with pytest.raises(ClickException, match="VAPID_PRIVATE_KEY"):
        make_app(VAPID_PRIVATE_KEY="not-a-key")
