"""NextToken values of the SQL engines' paged answers (result rows, statement lists).

A token is opaque to clients: base64 (URL-safe) of ``<scope>:<offset>``, where the scope
is what the token was issued for (an Athena query execution id; empty where any page of
the same list may use it) and the offset is the first item of the next page.
"""

from __future__ import annotations

import base64
import binascii


def encode_page_token(offset: int, scope: str = "") -> str:
    """The NextToken of the page that starts at item ``offset`` of ``scope``."""
    return base64.urlsafe_b64encode(f"{scope}:{offset}".encode()).decode()


def decode_page_token(token: str, scope: str = "") -> int | None:
    """The offset of a NextToken issued for ``scope``; None if it is not such a token."""
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    owner, separator, offset = text.rpartition(":")
    if not separator or owner != scope or not (offset.isascii() and offset.isdigit()):
        return None
    return int(offset)
