"""An e-mail backend the delivery tests send through, to look at the world
from inside the send (set with the ``settings`` fixture: ``while_sending``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from django.core.mail.backends import locmem


class ProbingBackend(locmem.EmailBackend):
    """Django's test backend (mail lands in ``mailoutbox``) that first calls
    ``during_send``: what a test observes, or does, while a message is on
    its way to the mail server. If it raises, nothing is sent."""

    during_send: ClassVar[Callable[[], object] | None] = None

    def send_messages(self, messages):
        if ProbingBackend.during_send is not None:
            ProbingBackend.during_send()
        return super().send_messages(messages)
