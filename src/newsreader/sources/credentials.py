"""An account's secrets: where the password comes from, and where the token is kept.

The password is never stored by newsreader. It comes, in this order, from the account's
``password_command`` (a shell command that prints it, newsboat's convention:
``pass show miniflux``), from the environment variable named by ``password_env``, or
from a prompt on the terminal (``newsreader account add`` and ``account login`` only:
a sync never waits for a keyboard).

What the server gives for it, the auth token, is kept in ``accounts/NAME.token`` in
the data dir: the folder mode 0700, the file 0600 from the moment it exists (created
with that mode, then renamed into place). It is tied to the account's address and
user, so that pointing an account elsewhere never sends an old token there. No message
here holds a secret: they name the account and the command's exit status only.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

from newsreader.config import AccountConfig
from newsreader.errors import AuthError

__all__ = ["TokenFile", "app_key", "password", "run_secret_command"]

COMMAND_TIMEOUT = 60.0
"""Seconds a ``password_command`` may take (a pinentry dialog included)."""
_MAX_SECRET = 4096


def run_secret_command(command: str, what: str, account: str) -> str:
    """The first line a shell command prints (a password or a key)."""
    try:
        done = subprocess.run(  # noqa: S602 - the user's own command, as newsboat runs it
            command,
            shell=True,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise AuthError(
            f"the {what} command of account {account!r} took more than {COMMAND_TIMEOUT:g} s"
        ) from None
    except OSError as error:
        raise AuthError(
            f"the {what} command of account {account!r} could not run: {error.strerror}"
        ) from None
    if done.returncode != 0:
        # Its stderr is not repeated: a password manager may print anything there.
        raise AuthError(
            f"the {what} command of account {account!r} failed (exit {done.returncode})"
        )
    lines = done.stdout[:_MAX_SECRET].decode("utf-8", "replace").splitlines()
    if not lines or not lines[0]:
        raise AuthError(f"the {what} command of account {account!r} printed nothing")
    return lines[0]


def password(account: AccountConfig, name: str) -> str | None:
    """The password from the account's command or variable; None when it names
    neither (then only a terminal prompt can give it)."""
    if account.password_command:
        return run_secret_command(account.password_command, "password", name)
    if account.password_env:
        value = os.environ.get(account.password_env)
        if not value:
            raise AuthError(
                f"account {name!r}: the environment variable {account.password_env} is not set"
            )
        return value
    return None


def app_key(account: AccountConfig, name: str) -> str | None:
    """Inoreader's app key, from ``app_key_command``."""
    if account.app_key_command:
        return run_secret_command(account.app_key_command, "app key", name)
    return None


class TokenFile:
    """The auth token of one account, in a file only the user can read."""

    def __init__(self, data_dir: Path, name: str, account: AccountConfig) -> None:
        # The account's name may hold anything: the file is named by a digest of it.
        digest = hashlib.sha256(name.casefold().encode("utf-8")).hexdigest()[:16]
        self.path = data_dir / "accounts" / f"{digest}.token"
        self._owner = {"url": account.url, "user": account.user}

    def __repr__(self) -> str:
        return f"<TokenFile {self.path}>"

    def load(self) -> str | None:
        """The kept token, if any and if it was given for this address and user."""
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or any(data.get(k) != v for k, v in self._owner.items()):
            return None
        token = data.get("token")
        return token if isinstance(token, str) and token else None

    def save(self, token: str) -> None:
        """Keep ``token`` (mode 0600 from the start, replaced atomically)."""
        folder = self.path.parent
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(folder, 0o700)
        temporary = folder / f".{self.path.name}.{os.getpid()}.tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(descriptor, 0o600)  # whatever the umask let through
            with os.fdopen(descriptor, "w", encoding="utf-8") as out:
                json.dump({**self._owner, "token": token}, out)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        os.replace(temporary, self.path)

    def delete(self) -> None:
        """Forget the token (a refused login, a removed account)."""
        self.path.unlink(missing_ok=True)
