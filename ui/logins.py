"""Who may use the chat, and who may add articles to it.

| where it listens | users file | `--no-auth` | login | who may upload |
|---|---|---|---|---|
| loopback | none | - | no | everyone (the one person at this machine) |
| any | has users | no | yes | editors |
| not loopback | none | no | refused to start, naming `rag users add` and `--no-auth` |
| not loopback | - | yes | no | nobody |
| loopback | has users | yes | no | everyone |

Roles are read from the users file at each login, question, citation opened and upload, so `rag
users remove` takes a user's open page away at once: its next question gets `REMOVED`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rag.core.access import authenticate, is_loopback, load_users, require_protection, role_of
from rag.core.settings import Settings

Uploads = Literal["everyone", "editors", "nobody"]
LOCAL = "local user (no login)"
REMOVED = (
    "This login no longer exists (an administrator removed it with `rag users remove`): "
    "ask them to add you again (`rag users add`), then reload the page and log in."
)


@dataclass(frozen=True, slots=True)
class ChatAccess:
    """The chat's rule: whether a login is asked (from `users_file`) and who may upload."""

    login: bool
    uploads: Uploads
    users_file: Path

    def may_upload(self, username: str | None) -> bool:
        """Whether this user (None without login) may add articles now."""
        if self.uploads == "everyone":
            return True
        return self.uploads == "editors" and role_of(self.users_file, username) == "editor"

    def still_user(self, username: str | None) -> bool:
        """Whether this login is still in the users file (always, without logins): a page stays
        logged in after `rag users remove`, so each request asks again."""
        return not self.login or role_of(self.users_file, username) is not None

    def check_login(self, username: str, password: str) -> bool:
        """Gradio's `auth` callable: the name and password of a user in the file."""
        return authenticate(self.users_file, username, password) is not None

    def who(self, username: str | None) -> str:
        """The name an upload is logged under."""
        return username or LOCAL


def open_locally(users_file: Path = Path("users.json")) -> ChatAccess:
    """No login and uploads for everyone: the chat on this machine only (and the tests' default)."""
    return ChatAccess(login=False, uploads="everyone", users_file=users_file)


def decide(settings: Settings, host: str, *, no_auth: bool) -> ChatAccess:
    """The rule for a chat listening on `host` (the table above).

    Raises:
        AccessError: off loopback, no users and no `no_auth` (the message names the fix).
    """
    path = settings.resolve(settings.users_file)
    has_users = bool(load_users(path))
    require_protection(
        host,
        protected=has_users,
        no_auth=no_auth,
        what="the chat",
        fix=f"add logins with `rag users add NAME --role editor` (or `--role reader`; they go to {path})",
    )
    if no_auth:
        return ChatAccess(login=False, uploads="everyone" if is_loopback(host) else "nobody", users_file=path)
    if has_users:
        return ChatAccess(login=True, uploads="editors", users_file=path)
    return open_locally(path)
