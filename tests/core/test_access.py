"""Keys, users and the loopback rule (rag/core/access.py)."""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import pytest

from rag.core import access
from rag.core.errors import AccessError

KEY = "k-" + "a" * 30


def test_scrypt_matches_the_rfc_7914_test_vector() -> None:
    """RFC 7914 section 12, the second vector: P="password", S="NaCl", N=1024, r=8, p=16, dkLen=64."""
    got = access.scrypt("password", b"NaCl", n=1024, r=8, p=16, dklen=64).hex()
    assert got == (
        "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
        "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"
    )


def test_users_are_added_checked_listed_and_removed(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    user, new = access.add_user(path, "ana", "correct horse", "editor")
    assert new and user.name == "ana" and user.role == "editor"
    access.add_user(path, "ben", "battery staple", "reader")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, "readable by its owner only"
    text = path.read_text(encoding="utf-8")
    assert "correct horse" not in text and "battery staple" not in text
    records = json.loads(text)["users"]
    assert records["ana"]["salt"] != records["ben"]["salt"], "a salt per user"
    assert (records["ana"]["kdf"], records["ana"]["n"], records["ana"]["r"], records["ana"]["p"]) == (
        "scrypt",
        16384,
        8,
        1,
    )

    assert access.authenticate(path, "ana", "correct horse") == access.User("ana", "editor", records["ana"]["added"])
    assert access.authenticate(path, "ana", "correct horsE") is None
    assert access.authenticate(path, "nobody", "correct horse") is None
    assert [(u.name, u.role) for u in access.list_users(path)] == [("ana", "editor"), ("ben", "reader")]
    assert access.role_of(path, "ben") == "reader" and access.role_of(path, None) is None

    _, new = access.add_user(path, "ben", "a new password", "editor")
    assert not new and access.role_of(path, "ben") == "editor"
    assert access.authenticate(path, "ben", "battery staple") is None
    access.remove_user(path, "ben")
    assert access.authenticate(path, "ben", "a new password") is None and access.role_of(path, "ben") is None
    with pytest.raises(AccessError, match="rag users list"):
        access.remove_user(path, "ben")


@pytest.mark.parametrize(
    ("name", "password", "role", "says"),
    [
        ("ana lopez", "long enough", "reader", "not a usable user name"),
        ("<b>x</b>", "long enough", "reader", "letters, digits"),
        ("", "long enough", "reader", "not a usable user name"),
        ("ana", "short", "reader", "use at least 8"),
        ("ana", "long enough", "admin", "--role reader"),
    ],
)
def test_bad_users_are_refused_with_the_fix(tmp_path: Path, name: str, password: str, role: str, says: str) -> None:
    path = tmp_path / "users.json"
    with pytest.raises(AccessError, match=says):
        access.add_user(path, name, password, role)
    assert not path.exists()


def test_a_damaged_users_file_names_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(AccessError, match="rag users add NAME"):
        access.load_users(path)
    assert path.read_text(encoding="utf-8") == "{not json", "left as it was"


def test_api_keys_from_a_list_a_file_and_options(tmp_path: Path) -> None:
    other = "k-" + "b" * 30
    assert access.parse_api_keys(f" {KEY} ,{other},", ["k-" + "c" * 30, KEY]) == (KEY, other, "k-" + "c" * 30)
    keys = tmp_path / "keys.txt"
    keys.write_text(f"# the desk\n{KEY}\n\n{other}  # the app\n", encoding="utf-8")
    assert access.parse_api_keys(str(keys)) == (KEY, other)
    assert access.parse_api_keys("") == ()
    with pytest.raises(AccessError, match="cannot be read"):
        access.parse_api_keys(str(tmp_path / "missing.txt"))
    with pytest.raises(AccessError, match="secrets.token_urlsafe"):
        access.parse_api_keys("short")


def test_a_key_ring_matches_only_its_keys() -> None:
    ring = access.KeyRing([KEY])
    assert ring.match(KEY) == access.key_id(KEY) and access.key_id(KEY).startswith("key-")
    assert KEY not in access.key_id(KEY)
    assert ring.match(KEY + "x") is None and ring.match("") is None and ring.match(KEY[:-1]) is None
    assert not access.KeyRing([])


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.3.2.1", True), ("::1", True), ("localhost", True), ("0.0.0.0", False),
     ("::", False), ("192.168.1.20", False), ("no-such-host.invalid", False)],
)  # fmt: skip
def test_loopback_is_told_apart(host: str, loopback: bool) -> None:
    assert access.is_loopback(host) is loopback


def test_off_loopback_without_protection_is_refused_unless_no_auth(caplog: pytest.LogCaptureFixture) -> None:
    kw = {"what": "the API", "fix": "give it keys with --api-key KEY"}
    access.require_protection("127.0.0.1", protected=False, no_auth=False, **kw)
    access.require_protection("0.0.0.0", protected=True, no_auth=False, **kw)
    with pytest.raises(AccessError) as err:
        access.require_protection("0.0.0.0", protected=False, no_auth=False, **kw)
    assert "--api-key" in str(err.value) and "--no-auth" in str(err.value) and "0.0.0.0" in str(err.value)
    with caplog.at_level(logging.WARNING):
        access.require_protection("0.0.0.0", protected=False, no_auth=True, **kw)
    assert "--no-auth" in caplog.text and "without authentication" in caplog.text
