"""What a text is: Markdown rendering with numbered citations and sanitising, within a budget of
steps (``budget``), the text rules (control characters, DOIs), reference renumbering and look-up,
and a frozen version's rendered text. Pure where it can be; it imports nothing else of the app
(the models build on it).
"""
