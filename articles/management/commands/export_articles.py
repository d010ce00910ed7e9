"""Export articles as Markdown files, one per article, in the format import_articles reads."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.interchange import service
from articles.models import Article


class Command(BaseCommand):
    help = (
        "Write each article's approved version (or, with --all, every working copy) to DIR/<slug>.md, "
        "and the image files its figures show to DIR/images/."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR")
        parser.add_argument("--all", action="store_true", help="Every article's working copy, approved or not")
        parser.add_argument("--force", action="store_true", help="Write into DIR even if it is not empty")

    def handle(self, *args, **options):
        directory = Path(options["directory"])
        if directory.exists() and not directory.is_dir():
            raise CommandError(f"{directory} is not a folder.")
        if directory.exists() and any(directory.iterdir()) and not options["force"]:
            raise CommandError(f"{directory} is not empty; choose an empty folder or give --force to overwrite files.")
        directory.mkdir(parents=True, exist_ok=True)
        approved = not options["all"]
        articles = Article.objects.all() if options["all"] else Article.objects.public()
        count = 0
        for name, data in service.export(articles, approved=approved):
            path = directory / name  # <slug>.md, or images/<name> for a figure's image file
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            count += name.endswith(".md")
        what = "working copies" if options["all"] else "approved versions"
        self.stdout.write(self.style.SUCCESS(f"Wrote {count} {what} to {directory}."))
