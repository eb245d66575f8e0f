"""User-facing strings in catalogues, not one template per language: the emails' (``emails``) and
the web pages' (``pages``)."""

from __future__ import annotations

from academichub.i18n.emails import STRINGS, strings_for
from academichub.i18n.errors import ERRORS
from academichub.i18n.pages import WEB, web_strings

CATALOGUES = ("STRINGS", "WEB", "ERRORS")  # every {"en": ..., "zh": ...} table here (tests check they match)

__all__ = ["CATALOGUES", "ERRORS", "STRINGS", "WEB", "strings_for", "web_strings"]
