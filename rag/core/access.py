"""Who may use a served archive: API keys for `rag serve`, logins with roles for the chat, and the
rule that a server reachable beyond loopback asks for one or the other.

The users file (`Settings.users_file`, default `users.json` in the project root) is written only by
`rag users add|remove` (mode 0600, replaced atomically) and read on every login:

    {"version": 1, "users": {"ana": {"role": "editor", "kdf": "scrypt", "n": 16384, "r": 8, "p": 1,
      "salt": "<16 random bytes, base64>", "hash": "<32 bytes, base64>", "added": "2026-11-30T10:00:00+00:00"}}}

Passwords are hashed with the standard library's scrypt and a salt of their own: n=2**14, r=8,
p=1 are the interactive-login figures of Percival's scrypt paper (16 MiB, 0.25 s a check on this
2-core machine under load). A role is `reader` (asks) or `editor` (asks and adds articles).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import re
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from rag.core.errors import AccessError

log = logging.getLogger(__name__)

ROLES = ("reader", "editor")
SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # Percival (2009), interactive logins
MIN_PASSWORD = 8
MIN_KEY = 16
NAME = re.compile(r"[A-Za-z0-9._@-]{1,64}")
MAKE_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


@dataclass(frozen=True, slots=True)
class User:
    """A chat login: its name, role (`reader` or `editor`) and when it was added (ISO 8601, UTC)."""

    name: str
    role: str
    added: str


def scrypt(password: str, salt: bytes, *, n: int, r: int, p: int, dklen: int = 32) -> bytes:
    """scrypt (RFC 7914) of the UTF-8 password; `maxmem` fits the parameters."""
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=256 * n * r + 2**20)


def hash_password(password: str) -> dict[str, Any]:
    """A users-file record of the password: kdf, parameters, salt and hash (base64)."""
    salt = secrets.token_bytes(16)
    digest = scrypt(password, salt, **SCRYPT)
    b64 = base64.b64encode
    return {"kdf": "scrypt", **SCRYPT, "salt": b64(salt).decode(), "hash": b64(digest).decode()}


def check_password(record: dict[str, Any], password: str) -> bool:
    """Whether `password` is the one hashed in `record`; compared in constant time."""
    try:
        salt, want = base64.b64decode(record["salt"]), base64.b64decode(record["hash"])
        got = scrypt(password, salt, n=int(record["n"]), r=int(record["r"]), p=int(record["p"]), dklen=len(want))
    except (KeyError, ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


def check_name(name: str) -> str:
    """A user name as given; raises AccessError naming what is allowed."""
    if not NAME.fullmatch(name or ""):
        raise AccessError(
            f"{name!r} is not a usable user name: use 1 to 64 letters, digits, '.', '_', '@' or '-' (e.g. ana.lopez)."
        )
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccessError(f"No role {role!r}: use --role reader (asks) or --role editor (asks and adds articles).")
    return role


def check_new_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccessError(f"The password is {len(password)} characters: use at least {MIN_PASSWORD}.")
    return password


def load_users(path: Path) -> dict[str, dict[str, Any]]:
    """The users file's records by name; {} when there is no file.

    Raises:
        AccessError: the file cannot be read or is not a users file (names the fix).
    """
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        users = data["users"]
        if data.get("version") != 1 or not isinstance(users, dict):
            raise ValueError("not version 1")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AccessError(
            f"{path} is not a users file ({exc}): restore it from a backup, or move it away and add the users "
            "again with `rag users add NAME --role reader|editor`."
        ) from exc
    return users


def _save(path: Path, users: dict[str, dict[str, Any]]) -> None:
    """Write the users file readable by its owner only, replacing the old one in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"version": 1, "users": users}, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


def add_user(path: Path, name: str, password: str, role: str) -> tuple[User, bool]:
    """Add a user, or give an existing one this password and role: (the user, whether it was new)."""
    check_name(name)
    check_role(role)
    check_new_password(password)
    users = load_users(path)
    new = name not in users
    added = datetime.now(timezone.utc).isoformat(timespec="seconds")
    users[name] = {"role": role, **hash_password(password), "added": added}
    _save(path, users)
    return User(name, role, added), new


def remove_user(path: Path, name: str) -> None:
    """Remove a user; raises AccessError when there is none of that name."""
    users = load_users(path)
    if name not in users:
        raise AccessError(f"No user {name!r} in {path}: `rag users list` shows who there is.")
    del users[name]
    _save(path, users)


def list_users(path: Path) -> list[User]:
    """The users, by name."""
    return [User(n, str(r.get("role")), str(r.get("added", ""))) for n, r in sorted(load_users(path).items())]


_DUMMY = {"kdf": "scrypt", **SCRYPT, "salt": base64.b64encode(bytes(16)).decode(), "hash": "A" * 44}


def authenticate(path: Path, name: str, password: str) -> User | None:
    """The user when `password` is theirs, else None. An unknown name costs the same hash, so the
    time taken does not tell whether a name exists."""
    record = load_users(path).get(name)
    ok = check_password(record or _DUMMY, password)
    if record is None or not ok or record.get("role") not in ROLES:
        return None
    return User(name, record["role"], str(record.get("added", "")))


def role_of(path: Path, name: str | None) -> str | None:
    """The role of a user in the file now (a removed user has none)."""
    record = load_users(path).get(name or "")
    return record.get("role") if record else None


# --- API keys ------------------------------------------------------------------------------------


def parse_api_keys(value: str, extra: tuple[str, ...] | list[str] = ()) -> tuple[str, ...]:
    """Keys from `RAG_SERVE_API_KEYS` (comma-separated, or the path of a file of keys, one a line,
    `#` comments) and from `--api-key`, in order, without repeats.

    Raises:
        AccessError: a missing keys file, or a key under 16 characters (names how to make one).
    """
    value = value.strip()
    if "/" in value:
        path = Path(value).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise AccessError(
                f"RAG_SERVE_API_KEYS names {path}, which cannot be read ({exc.strerror}): write one key a line "
                "in that file, or give the keys themselves, comma-separated."
            ) from exc
        found = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    else:
        found = [k.strip() for k in value.split(",")]
    keys = [k for k in [*found, *extra] if k]
    for i, key in enumerate(keys):
        if len(key) < MIN_KEY:
            raise AccessError(
                f"API key {i + 1} is {len(key)} characters, under the {MIN_KEY} a key needs: make one with {MAKE_KEY}."
            )
    return tuple(dict.fromkeys(keys))


def key_id(key: str) -> str:
    """A name for a key that can be logged and counted by: the first 12 hex digits of its SHA-256."""
    return "key-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


class KeyRing:
    """The keys a server accepts. `match` compares the presented key with every key, each in
    constant time (SHA-256 digests, so lengths do not show), and never stores or logs it."""

    def __init__(self, keys: tuple[str, ...] | list[str]) -> None:
        self._digests = [(hashlib.sha256(k.encode("utf-8")).digest(), key_id(k)) for k in keys]

    def __bool__(self) -> bool:
        return bool(self._digests)

    def match(self, presented: str) -> str | None:
        """The key's `key_id` when it is one of the keys, else None."""
        got = hashlib.sha256(presented.encode("utf-8")).digest()
        found = None
        for digest, name in self._digests:  # no early exit: every key is compared
            if hmac.compare_digest(got, digest):
                found = name
        return found


# --- who can reach it ----------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """Whether every address `host` names is a loopback one (127.0.0.0/8, ::1); 0.0.0.0, :: and names
    that do not resolve are not."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False
    return bool(infos) and all(ipaddress.ip_address(str(i[4][0]).split("%")[0]).is_loopback for i in infos)


def request_headers(scope: Any) -> dict[str, str]:
    """An ASGI request's headers, names lower-cased (decoded as latin-1, as HTTP sends them)."""
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def printable(value: str, limit: int = 200) -> str:
    """A value a client sent, as a message may show it: unprintable characters as "?", at most `limit`."""
    return "".join(ch if ch.isprintable() else "?" for ch in value)[:limit]


def loopback_name(host_header: str) -> bool:
    """Whether a `Host` header names this machine: localhost or a loopback address, any port."""
    name = host_header.strip()
    if name.startswith("["):  # "[::1]:8000"
        name = name[1 : name.find("]")] if "]" in name else name
    elif name.count(":") == 1:  # "127.0.0.1:8000"
        name = name.partition(":")[0]
    if name.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def require_protection(host: str, *, protected: bool, no_auth: bool, what: str, fix: str) -> None:
    """Refuse to serve `what` on a non-loopback `host` without protection unless `no_auth`, which
    is logged as a warning.

    Raises:
        AccessError: off loopback, unprotected, without `--no-auth`; the message names `fix` and `--no-auth`.
    """
    if protected or is_loopback(host):
        return
    if no_auth:
        log.warning("%s on %s without authentication (--no-auth): anyone who can reach it can use it", what, host)
        return
    raise AccessError(
        f"Refusing to serve {what} on {host}, which others can reach, without authentication: {fix}; or, on a "
        "network where everyone who can reach it may use it, start it with --no-auth."
    )
