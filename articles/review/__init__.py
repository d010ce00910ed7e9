"""How the board decides: the workflow (states, rules, steps), its review stages, editing the working copy,
assignments, comments on passages, the review screen with its diff and forms, presence and
the emails the steps send. Uses ``content`` and ``models``; announces public steps through
``signals`` so that the site (and later the edge and partners) can react without being imported.
"""
