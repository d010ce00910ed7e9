"""Run a background worker: django-tasks' database worker, plus recovery of abandoned jobs.

``scripts/serve`` and ``scripts/prod`` start it beside the web server (README, "Background
work"). Start as many as you like, on any machine sharing the database: each claims one job at a
time with a row lock.
"""

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from articles.operations import tasks


class Command(DatabaseWorkerCommand):
    help = "Run a background worker (emails, purges of the edge); sets jobs of workers that died back to ready."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        # host:pid:random, so a worker on the same machine can tell that this one died.
        parser.set_defaults(worker_id=tasks.new_worker_id())

    def handle(self, *args, **options):
        recovered = tasks.recover_abandoned()
        if recovered:
            self.stdout.write(f"Set {recovered} job(s) of workers that stopped back to ready.")
        tasks.RecoveryLoop().start()
        super().handle(*args, **options)
