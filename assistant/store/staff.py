"""Logins for the review pages: usernames with salted scrypt password hashes, kept in the database.

Only the hash is stored (``scrypt$n$r$p$salt$hash``, base64 parts); checking compares in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from assistant.store.tables import StaffUserRow

MIN_PASSWORD_CHARS = 10
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


class StaffUsers:
    """The review pages' logins."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def set(self, username: str, password: str) -> bool:
        """Add a login, or change its password; True when it was new."""
        check_new_login(username, password)
        with Session(self.engine) as db, db.begin():
            row = db.get(StaffUserRow, username)
            if row is None:
                db.add(StaffUserRow(username=username, password_hash=hash_password(password)))
                return True
            row.password_hash = hash_password(password)
            return False

    def remove(self, username: str) -> bool:
        with Session(self.engine) as db, db.begin():
            return db.execute(delete(StaffUserRow).where(StaffUserRow.username == username)).rowcount > 0

    def names(self) -> list[str]:
        with Session(self.engine) as db:
            return list(db.scalars(select(StaffUserRow.username).order_by(StaffUserRow.username)))

    def check(self, username: str, password: str) -> bool:
        """Whether the login is valid. An unknown user costs a hash too, so timing does not tell."""
        with Session(self.engine) as db:
            row = db.get(StaffUserRow, username) if isinstance(username, str) else None
        if row is None:
            verify_password(password or "", _DUMMY_HASH)
            return False
        return verify_password(password or "", row.password_hash)


_DUMMY_HASH = hash_password(secrets.token_urlsafe(12))
