"""Serializer fields of the API's request bodies."""

from __future__ import annotations

from rest_framework import serializers


class TextField(serializers.CharField):
    """Free text in a request body: a JSON string, nothing else. DRF's
    ``CharField`` turns ``0`` or ``1.5`` into ``"0"`` / ``"1.5"``, so
    ``{"text": 0}`` would have been a statement reading "0"."""

    default_error_messages = {"not_a_string": "Must be text (a JSON string)."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)
