"""Limits shared by every source, kept apart so that reading a file imports no network code."""

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
"""Size cap for one body (a file, or an HTTP response after decompression)."""
DEFAULT_TIMEOUT = 20.0
"""Seconds for a whole HTTP request: connection, redirects and body."""
MAX_REDIRECTS = 5
"""Redirects followed before giving up."""
