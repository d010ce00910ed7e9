"""How the board decides: the workflow (states, rules, steps), its review stages, editing the
working copy, assignments, comments on passages, the review screen with its diff and forms,
presence, the emails the steps send, and library images changing under live articles (``images``,
``image_changes``). Uses ``content`` and ``models``; announces public steps through
``signals`` so that the site (and later the edge and partners) can react without being imported.
"""
