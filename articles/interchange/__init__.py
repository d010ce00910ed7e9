"""Markdown import and export: ``format`` (the file format), ``sources`` (reading files, folders
and zips safely) and ``service`` (plan, apply and export through the workflow). Uses ``review``,
``content`` and ``models``; the admin's import page and the commands are thin shells over it."""
