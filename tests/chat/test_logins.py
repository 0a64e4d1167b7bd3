"""Who may use the chat and add articles (ui/logins.py): the table of its docstring, case by case."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.core.access import add_user, remove_user
from rag.core.errors import AccessError
from rag.core.settings import Settings
from ui.logins import LOCAL, decide, open_locally


def _settings(tmp_path: Path, *users: tuple[str, str]) -> Settings:
    for name, role in users:
        add_user(tmp_path / "users.json", name, "password-" + name, role)
    return Settings(root=tmp_path)


@pytest.mark.parametrize(
    ("host", "users", "no_auth", "login", "uploads"),
    [
        ("127.0.0.1", False, False, False, "everyone"),
        ("127.0.0.1", True, False, True, "editors"),
        ("0.0.0.0", True, False, True, "editors"),
        ("0.0.0.0", False, True, False, "nobody"),
        ("0.0.0.0", True, True, False, "nobody"),
        ("127.0.0.1", True, True, False, "everyone"),
    ],
)
def test_the_rule_for_each_place_and_users_file(tmp_path, host, users, no_auth, login, uploads) -> None:
    s = _settings(tmp_path, *([("ana", "editor")] if users else []))
    access = decide(s, host, no_auth=no_auth)
    assert (access.login, access.uploads) == (login, uploads)
    assert access.users_file == tmp_path / "users.json"


def test_off_loopback_without_users_or_no_auth_is_refused(tmp_path) -> None:
    with pytest.raises(AccessError) as err:
        decide(_settings(tmp_path), "0.0.0.0", no_auth=False)
    assert "rag users add NAME --role editor" in str(err.value) and "--no-auth" in str(err.value)


def test_only_editors_in_the_file_now_may_upload(tmp_path) -> None:
    s = _settings(tmp_path, ("ana", "editor"), ("ben", "reader"))
    access = decide(s, "0.0.0.0", no_auth=False)
    assert access.check_login("ana", "password-ana") and not access.check_login("ana", "password-ben")
    assert not access.check_login("zed", "password-ana")
    assert [access.may_upload(u) for u in ("ana", "ben", None, "zed")] == [True, False, False, False]
    add_user(tmp_path / "users.json", "ana", "password-ana", "reader")
    assert not access.may_upload("ana"), "the role is read at each upload"
    assert access.who("ana") == "ana" and access.who(None) == LOCAL


def test_a_removed_login_is_no_user_at_its_next_request(tmp_path) -> None:
    s = _settings(tmp_path, ("ana", "editor"), ("ben", "reader"))
    access = decide(s, "0.0.0.0", no_auth=False)
    assert access.still_user("ben") and access.still_user("ana")
    remove_user(tmp_path / "users.json", "ben")
    assert not access.still_user("ben") and access.still_user("ana")
    assert open_locally(tmp_path / "users.json").still_user(None), "no logins: the one person at this machine"
