"""Browser pages of the leads app, one module per audience: ``rep`` (inbox,
accepted leads), ``marketing`` (my leads, a new lead, qualify, disqualify,
recycle), ``manager`` (all leads), ``lead_page`` (one lead, for everyone who
may see it), ``home`` (landing and the rulebook), and ``row_actions`` (the
lead actions every list and the lead page post to)."""
