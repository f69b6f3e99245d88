"""Logins for the review pages: usernames with salted scrypt password hashes, kept in the database.

Only the hash is stored (``scrypt$n$r$p$salt$hash``, base64 parts); checking compares in constant time.
Who is logged in (``StaffSessions``) is kept there too: the sha256 of each browser's login token, with an
expiry, so a restart or another server on the same database keeps everyone logged in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Callable, Iterator, MutableMapping
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from assistant.store.db import CONNECTION_ERRORS
from assistant.store.tables import StaffSessionRow, StaffUserRow, utcnow

log = logging.getLogger(__name__)

MIN_PASSWORD_CHARS = 10
# What a login may do on the review pages. admin: everything; reviewer: review, label, write conversation tests
# and reply in the Inbox, but not upload, re-index or remove knowledge-base documents, nor export the logs.
ADMIN, REVIEWER = "admin", "reviewer"
ROLES = (ADMIN, REVIEWER)
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
_USERNAME = re.compile(r"[A-Za-z0-9._@-]{1,64}")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """A salted scrypt hash of ``password`` with its parameters, for storage."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches the stored hash; False for a malformed hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def check_new_login(username: str, password: str) -> None:
    """ValueError with the reason when a username or password is not acceptable."""
    if not _USERNAME.fullmatch(username):
        raise ValueError("a username is 1-64 letters, digits or . _ @ -")
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")


def check_role(role: str | None) -> None:
    """ValueError naming the roles when ``role`` is not one of them (None: not given, accepted)."""
    if role is not None and role not in ROLES:
        raise ValueError(f"unknown role {role!r}: choose {' or '.join(ROLES)}")


class StaffUsers:
    """The review pages' logins."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def set(self, username: str, password: str, role: str | None = None) -> bool:
        """Add a login (an admin unless ``role`` says otherwise), or change its password (which ends its sessions
        on the review pages) and, when given, its role; True when it was new."""
        check_new_login(username, password)
        check_role(role)
        with Session(self.engine) as db, db.begin():
            row = db.get(StaffUserRow, username)
            if row is None:
                db.add(StaffUserRow(username=username, password_hash=hash_password(password), role=role or ADMIN))
                return True
            row.password_hash = hash_password(password)
            if role is not None:
                row.role = role
            db.execute(delete(StaffSessionRow).where(StaffSessionRow.username == username))
            return False

    def set_role(self, username: str, role: str) -> bool:
        """Change a login's role (its sessions go on, with the new role from their next request); False when
        there is no such login."""
        check_role(role)
        with Session(self.engine) as db, db.begin():
            row = db.get(StaffUserRow, username)
            if row is None:
                return False
            row.role = role
            return True

    def role(self, username: str) -> str | None:
        """The login's role; None for no such login."""
        with Session(self.engine) as db:
            return db.scalar(select(StaffUserRow.role).where(StaffUserRow.username == username))

    def logins(self) -> list[tuple[str, str, datetime]]:
        """Every login's name, role and when it was added, by name."""
        with Session(self.engine) as db:
            query = select(StaffUserRow.username, StaffUserRow.role, StaffUserRow.created_at).order_by(StaffUserRow.username)
            return [(row.username, row.role, row.created_at) for row in db.execute(query)]

    def remove(self, username: str) -> bool:
        """Remove a login, and end its sessions on the review pages; False when there was none."""
        with Session(self.engine) as db, db.begin():
            db.execute(delete(StaffSessionRow).where(StaffSessionRow.username == username))  # not left to the foreign key
            return db.execute(delete(StaffUserRow).where(StaffUserRow.username == username)).rowcount > 0

    def names(self) -> list[str]:
        with Session(self.engine) as db:
            return list(db.scalars(select(StaffUserRow.username).order_by(StaffUserRow.username)))

    def check(self, username: str, password: str) -> bool:
        """Whether the login is valid. An unknown user costs a hash too, so timing does not tell."""
        with Session(self.engine) as db:
            query = select(StaffUserRow.password_hash).where(StaffUserRow.username == username)
            stored = db.scalar(query) if isinstance(username, str) else None
        if stored is None:
            verify_password(password or "", _DUMMY_HASH)
            return False
        return verify_password(password or "", stored)


_DUMMY_HASH = hash_password(secrets.token_urlsafe(12))


class _StoredKey(str):
    """A session as ``StaffSessions`` lists it: the token's sha256, for looking it up or deleting it in this
    process (Gradio's logout goes through the list). Never made from a cookie, which is always hashed."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class StaffSessions(MutableMapping[str, str]):
    """The review pages' logins as the web UI library keeps them (login token -> username), in the database.

    Only the token's sha256 is stored, with an expiry (``lifetime`` after the login), so a copy of the
    table lets no one in. A lookup finds only a session that has not expired, whose user still exists.
    While the database cannot be reached, a lookup raises (the review pages answer 503: ui/staff_outage.py);
    when it answers but cannot be read, nobody is logged in (a warning is logged).
    """

    def __init__(self, engine: Engine, lifetime: timedelta = timedelta(hours=12), clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.lifetime = lifetime
        self.clock = clock

    @staticmethod
    def _hash(key: object) -> str:
        if isinstance(key, _StoredKey):
            return str(key)
        if not isinstance(key, str) or not key:
            raise KeyError(key)
        return token_hash(key)

    def __setitem__(self, token: str, username: str) -> None:
        now = self.clock()
        with Session(self.engine) as db, db.begin():
            db.execute(delete(StaffSessionRow).where(StaffSessionRow.expires_at <= now))  # the expired go as others come
            db.add(StaffSessionRow(token_hash=self._hash(token), username=username, created_at=now, expires_at=now + self.lifetime))

    def __getitem__(self, token: object) -> str:
        hashed = self._hash(token)
        query = select(StaffSessionRow.username).where(StaffSessionRow.token_hash == hashed, StaffSessionRow.expires_at > self.clock())
        try:
            with Session(self.engine) as db:
                username = db.scalar(query)
        except CONNECTION_ERRORS:
            raise  # an outage: the review pages answer 503 (ui/staff_outage.py), not the login form
        except SQLAlchemyError as error:
            log.warning("staff login not checked: the database cannot be read (%s)", " ".join(str(error).split())[:200])
            raise KeyError(token) from None
        if username is None:
            raise KeyError(token)
        return username

    def __delitem__(self, token: object) -> None:
        with Session(self.engine) as db, db.begin():
            if not db.execute(delete(StaffSessionRow).where(StaffSessionRow.token_hash == self._hash(token))).rowcount:
                raise KeyError(token)

    def __iter__(self) -> Iterator[str]:
        with Session(self.engine) as db:
            hashes = list(db.scalars(select(StaffSessionRow.token_hash).where(StaffSessionRow.expires_at > self.clock())))
        return iter(_StoredKey(hashed) for hashed in hashes)

    def __len__(self) -> int:
        with Session(self.engine) as db:
            return db.scalar(select(func.count()).select_from(StaffSessionRow).where(StaffSessionRow.expires_at > self.clock())) or 0
