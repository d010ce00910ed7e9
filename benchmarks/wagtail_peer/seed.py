"""Build the peer site: one ArticlePage under the default root, from the JSON file named by argv[1]."""

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
django.setup()

from peer.models import ArticlePage  # noqa: E402
from wagtail.models import Page, Site  # noqa: E402

data = json.loads(open(sys.argv[1], encoding="utf-8").read())
root = Page.get_first_root_node()
home = root.get_children().first()
for child in home.get_children():
    child.delete()
page = ArticlePage(title=data["title"], slug=data["slug"], intro=data["intro"], body=data["body"])
home.add_child(instance=page)
page.save_revision().publish()
Site.objects.update(hostname="127.0.0.1", port=80, is_default_site=True)
print(page.url_path)
