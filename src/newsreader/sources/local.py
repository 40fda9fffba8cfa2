"""Local files: read with the same limits as the network, errors in one line."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from newsreader.errors import FetchError, TooLargeError
from newsreader.models import RawDocument
from newsreader.sources.limits import DEFAULT_MAX_BYTES

__all__ = ["read_file"]


def _show(path: Path) -> str:
    """The path for a message: repr() escapes newlines and other odd characters."""
    return repr(str(path))


def read_file(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> RawDocument:
    """Read a file as a :class:`RawDocument`; the content type comes later, from
    the extension and the bytes themselves (see :func:`newsreader.content.detect_kind`)."""
    file = Path(path)
    try:
        if file.is_dir():
            raise FetchError(f"{_show(file)} is a directory, not a file")
        if file.exists() and not file.is_file():  # a FIFO or device would block or never end
            raise FetchError(f"{_show(file)} is not a regular file")
        with file.open("rb") as stream:
            body = stream.read(max_bytes + 1)
    except FileNotFoundError:
        raise FetchError(f"no such file: {_show(file)}") from None
    except PermissionError:
        raise FetchError(f"permission denied: {_show(file)}") from None
    except IsADirectoryError:
        raise FetchError(f"{_show(file)} is a directory, not a file") from None
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else str(error)
        if error.errno == errno.ENAMETOOLONG:
            reason = "file name too long"
        raise FetchError(f"cannot read {_show(file)}: {reason}") from None
    if len(body) > max_bytes:
        raise TooLargeError(f"{_show(file)} is larger than the {max_bytes} byte limit")
    return RawDocument(body=body, location=str(file.resolve()), content_type=None)
