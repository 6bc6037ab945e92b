"""Helpers for the wallet page tests (their fixtures are in tests/wallet/conftest.py)."""

import re

CONFIRM_LINK = re.compile(r"https?://\S+/wallet/confirm/\S+/")


def confirmation_link(message) -> str:
    """The confirmation URL's path from a letter in mail.outbox."""
    match = CONFIRM_LINK.search(message.body)
    assert match, message.body
    return "/" + match.group(0).split("/", 3)[3]
