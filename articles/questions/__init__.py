"""Readers' follow-up questions: the form under an article, taking each question in once, the
emails to editors and the replies to readers; ``privacy``: readers' data kept only as long as
needed, exported and erased on request. Uses ``site`` (the public article a question is
about), ``operations`` (rate limit, mail) and ``models``; the editors' inbox screen is in ``admin``.
"""
