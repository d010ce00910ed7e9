"""Markdown import and export: ``format`` (the file format; ``errors`` and ``figures``, its front
matter's images, beside it), ``sources`` (reading files, folders and zips safely, and the image
files beside them), ``image_files`` (checking, storing and writing figures' image files) and
``service`` (plan, apply and export through the workflow). Uses ``review``, ``content`` and
``models``; the admin's import page and the commands are thin shells over it."""
