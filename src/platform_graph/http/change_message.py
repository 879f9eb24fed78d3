"""The ``X-Change-Message`` header, in UTF-8, whichever way a client sends it.

HTTP header values are bytes, and the web framework hands them over decoded as
ISO-8859-1, so a Swedish message sent as UTF-8 by curl arrived as ``gÃ¤ller`` and was
stored so for good. Three ways in are read, strictly:

* ``X-Change-Message*: UTF-8''Vivallaplanen%20g%C3%A4ller…`` (RFC 8187, the extended
  parameter syntax; ``ISO-8859-1''…`` too): wins when both headers are sent;
* ``X-Change-Message: Vivallaplanen%20g%C3%A4ller…``: percent-encoded UTF-8 (a value of
  ASCII characters holding ``%XX`` escapes is decoded; a ``%`` that starts no escape is
  kept as it is);
* ``X-Change-Message: Vivallaplanen gäller…``: the raw UTF-8 bytes, as curl and most
  clients send them.

A value that cannot be decoded (bytes that are not UTF-8, a broken escape in the ``*``
form, a character set other than UTF-8 or ISO-8859-1, control characters) is refused
with 400 and a reason in Swedish and English: never stored garbled.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import unquote_to_bytes

from fastapi import Header

from platform_graph.http.problems import ProblemError

__all__ = [
    "MAX_LENGTH",
    "MessageHeader",
    "MessageHeaderExtended",
    "decode_change_message",
]

MAX_LENGTH = 2000
"""The longest message kept in the change log, as for the ``message`` of a change set."""

MessageHeader = Annotated[
    str | None,
    Header(
        alias="X-Change-Message",
        description="Why, for the change log: UTF-8, as it is or percent-encoded "
        "(`Vivallaplanen%20g%C3%A4ller%20Vivalla`).",
    ),
]
MessageHeaderExtended = Annotated[
    str | None,
    Header(
        alias="X-Change-Message*",
        description="The same in RFC 8187's form, which wins when both are sent: "
        "`UTF-8''Vivallaplanen%20g%C3%A4ller%20Vivalla`.",
    ),
]

_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
# RFC 8187 §3.2.1: ext-value = charset "'" [ language ] "'" value-chars, where
# value-chars are attr-char or pct-encoded.
_EXT_VALUE = re.compile(
    r"^(?P<charset>[A-Za-z0-9!#$%&+\-^_`{}~]+)'(?P<language>[A-Za-z0-9-]*)'"
    r"(?P<chars>(?:[A-Za-z0-9!#$&+\-.^_`|~]|%[0-9A-Fa-f]{2})*)$"
)
_CHARSETS = {"utf-8": "utf-8", "iso-8859-1": "iso-8859-1"}
# Tab and newline are kept (a message may have lines); other control characters are not.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _refuse(en: str, sv: str) -> ProblemError:
    return ProblemError(
        400,
        "Bad X-Change-Message",
        f"the change message cannot be read: {en}",
        sv=f"Ändringsmeddelandet går inte att läsa: {sv}",
        errors=[
            {
                "parameter": "x-change-message",
                "message": {
                    "sv": f"Ändringsmeddelandet (X-Change-Message) går inte att läsa: {sv} "
                    "Skicka det som UTF-8, procentkodat (g%C3%A4ller) eller som "
                    "X-Change-Message*: UTF-8''g%C3%A4ller.",
                    "en": f"The change message (X-Change-Message) cannot be read: {en} "
                    "Send it as UTF-8, percent-encoded (g%C3%A4ller) or as "
                    "X-Change-Message*: UTF-8''g%C3%A4ller.",
                },
            }
        ],
    )


def _utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _refuse(
            f"byte {exc.start + 1} is not UTF-8.", f"byte {exc.start + 1} är inte UTF-8."
        ) from exc


def _extended(value: str) -> str:
    m = _EXT_VALUE.match(value.strip())
    if m is None:
        raise _refuse(
            "X-Change-Message* must be charset'language'percent-encoded text (RFC 8187), "
            "e.g. UTF-8''g%C3%A4ller.",
            "X-Change-Message* måste ha formen teckenkodning'språk'procentkodad text "
            "(RFC 8187), t.ex. UTF-8''g%C3%A4ller.",
        )
    charset = _CHARSETS.get(m["charset"].lower())
    if charset is None:
        raise _refuse(
            f"the character set {m['charset']!r} is not UTF-8 or ISO-8859-1.",
            f"teckenkodningen {m['charset']!r} är varken UTF-8 eller ISO-8859-1.",
        )
    data = unquote_to_bytes(m["chars"])
    return _utf8(data) if charset == "utf-8" else data.decode("iso-8859-1")


def _plain(value: str) -> str:
    # Back to the bytes the client sent (the framework decoded them as ISO-8859-1).
    data = value.encode("iso-8859-1")
    if not data.isascii():
        return _utf8(data)
    if _ESCAPE.search(value):
        # Only the escapes are decoded: a lone "%" (50 % rabatt) stays as it is.
        return _utf8(unquote_to_bytes(value))
    return value


def decode_change_message(plain: str | None, extended: str | None) -> str | None:
    """The message from the two headers' values as the framework gives them (ISO-8859-1
    decoded); None when neither says anything. Raises a 400 ``ProblemError``."""
    if extended is not None and extended.strip():
        text = _extended(extended)
    elif plain is not None and plain.strip():
        text = _plain(plain)
    else:
        return None
    text = text.strip()
    if _CONTROL.search(text):
        raise _refuse(
            "it holds control characters.",
            "det innehåller styrtecken.",
        )
    if len(text) > MAX_LENGTH:
        raise ProblemError(
            422,
            "Invalid parameter",
            f"invalid value for: x-change-message (at most {MAX_LENGTH} characters)",
            errors=[
                {
                    "parameter": "x-change-message",
                    "type": "string_too_long",
                    "message": {
                        "sv": f"Ändringsmeddelandet får ha högst {MAX_LENGTH} tecken.",
                        "en": f"The change message may have at most {MAX_LENGTH} characters.",
                    },
                }
            ],
        )
    return text or None
