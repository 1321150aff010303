"""REST API of the judicial branch (SPEC §9): ``cases`` (cases, statements,
verdicts) and ``appeals`` (appeal and concede, on the lead's paths)."""
