"""The API's JSON parser: every JSON body of every endpoint (``REST_FRAMEWORK``'s
``DEFAULT_PARSER_CLASSES``). A module of its own because DRF imports it while
``rest_framework.views`` is still loading."""

from __future__ import annotations

import json

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# No request body of this API nests deeper than a list of objects in an
# object; 32 leaves room and stops a body built to exhaust the parser.
MAX_JSON_DEPTH = 32


def _json_depth_exceeds(data, limit: int) -> bool:
    """Whether ``data`` nests lists/objects more than ``limit`` deep (walked
    without recursion, so the check cannot itself overflow)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return False


class StrictJSONParser(JSONParser):
    """DRF's JSON parser (which already refuses NaN and Infinity), refusing
    also what the database cannot store: lone UTF-16 surrogates ("\\ud800")
    are valid JSON escapes but not valid Unicode, and PostgreSQL would raise
    on them deep inside a service. Bodies nested deeper than
    ``MAX_JSON_DEPTH`` are a 400 too: Python's decoder raises RecursionError
    (not ValueError) at about a thousand levels, which DRF would let through
    as a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep.") from None
        if _json_depth_exceeds(data, MAX_JSON_DEPTH):
            raise ParseError(f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep.")
        try:
            json.dumps(data, ensure_ascii=False).encode(settings.DEFAULT_CHARSET)
        except UnicodeEncodeError:
            raise ParseError("JSON parse error - text must be valid Unicode.") from None
        return data
