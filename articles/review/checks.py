"""The editorial checks as the workflow applies them: the site's checklist over the findings of
``articles.content.checks``, for a working copy (the editor's live preview, a submission) or a
version (the review screen, an approval).

Results depend only on the four text fields and the target grade, so they are kept in the cache
under a hash of them: the review screen of a version, and the preview of text that did not
change, read them back instead of grading again. With the cache down they are computed.
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache

from articles.content import checks
from articles.models import Checklist
from articles.models.checklist import Level

logger = logging.getLogger(__name__)
CACHE_TIMEOUT = 60 * 60 * 24 * 7


@dataclass
class Report:
    """What the checks found, weighed by the checklist."""

    readability: checks.Readability
    target: int
    levels: dict[str, str]
    warnings: list[checks.Finding] = field(default_factory=list)
    blocking: list[checks.Finding] = field(default_factory=list)

    @property
    def readability_level(self) -> str:
        return self.levels["readability"]

    @property
    def checks_on(self) -> list[tuple[str, str, str]]:
        """(check, label, level) for each check that is not off."""
        levels = self.levels
        return [(check, label, levels[check]) for check, label in checks.CHECKS.items() if levels[check] != Level.OFF]

    def only(self, fields) -> "Report":
        """The findings on these fields only (one audience's, beside its preview)."""
        keep = set(fields)
        return Report(
            self.readability,
            self.target,
            self.levels,
            [finding for finding in self.warnings if finding.field in keep],
            [finding for finding in self.blocking if finding.field in keep],
        )

    @property
    def listed(self) -> bool:
        """Whether there are findings besides the reading grade (shown on its own line)."""
        return any(finding.check != "readability" for finding in [*self.blocking, *self.warnings])

    @property
    def clear(self) -> bool:
        return not self.warnings and not self.blocking


def target_grade() -> int:
    return settings.EDITORIAL_PATIENT_READING_GRADE


def results(snapshot: dict) -> checks.Results:
    """Every finding on a snapshot's text, from the cache when these texts were checked before."""
    target = target_grade()
    key = checks.content_key(snapshot, target)
    try:
        found = cache.get(key)
    except Exception:
        found, key = None, None  # the cache is down: compute, and do not try to store
    if found is not None:
        try:
            return checks.results_from_dict(found)
        except (KeyError, TypeError):
            pass  # the shape changed: compute again
    computed = checks.run_checks(snapshot, target=target)
    if key:
        try:
            cache.set(key, checks.results_to_dict(computed), timeout=CACHE_TIMEOUT)
        except Exception:
            logger.warning("cache unavailable; editorial check results not kept", extra={"outage": "cache"})
    return computed


def report(snapshot: dict, checklist: Checklist | None = None) -> Report:
    """The checks' findings on ``snapshot``, each a warning or blocking as the checklist says."""
    levels = (checklist or Checklist.current()).levels()
    found = results(snapshot)
    weighed = Report(found.readability, target_grade(), levels)
    for finding in found.findings:
        level = levels.get(finding.check, Level.OFF)
        if level == Level.WARN:
            weighed.warnings.append(finding)
        elif level == Level.BLOCK:
            weighed.blocking.append(finding)
    return weighed


def blocking_findings(snapshot: dict) -> list[checks.Finding]:
    """What the checklist refuses in this text for review (empty when nothing blocks it)."""
    checklist = Checklist.current()
    if Level.BLOCK not in checklist.levels().values():
        return []  # nothing blocks: no need to grade anything
    return report(snapshot, checklist).blocking


def blocking_problems(snapshot: dict) -> list[str]:
    """Why the checklist refuses this text for review, each naming the field and the sentence."""
    return [
        f"{finding.text} (The editorial checklist blocks “{checks.CHECKS[finding.check]}”.)"
        for finding in blocking_findings(snapshot)
    ]
