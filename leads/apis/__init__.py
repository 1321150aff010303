"""REST API of the leads app (SPEC §9), one module per resource: ``leads``
(list, create, detail), ``transitions`` (one endpoint per transition,
reassignment, touches), ``rulebook``, and the shared ``serializers``. One
view per operation, each with its own input and output serializers; every
write is a call to ``services``, every read goes through ``selectors``.

How a request is answered, in this order:

1. no or bad credentials: 401;
2. a lead the caller may not see (``leads_visible_to``): 404, exactly as the
   browser's lead page, so that ids do not reveal which leads exist;
3. a body or query of the wrong shape (missing field, wrong type, unknown
   choice, too long): 400 with a message per field;
4. then the service decides: 403 when the caller may not do this to this
   lead, 409 when the state does not allow it (``invalid_transition`` with
   the state and the caller's allowed transitions) or a rulebook guard is
   not met, 400 for values it refuses (unknown reason code, note missing).

Transition names in ``allowed_transitions`` and in 409 bodies are the
model's (``return_after_followup``); the URL uses dashes
(``/return-after-followup/``). ``verdict_*`` transitions are made through
``/cases/{id}/verdict/``, the system's (``flag_ignored``, ...) by the jobs.
"""
