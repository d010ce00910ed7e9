"""The editorial app, in wings that depend one way (each wing's ``__init__`` says what it holds):

admin → interchange, questions → site → review → models → content, operations

``pyproject.toml``'s import-linter contracts keep that order and forbid cycles; the README's
"Layout" section is the map.
"""
