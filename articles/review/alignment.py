"""How two texts are lined up for the review screen's diffs, in bounded work.

Passages (rendered paragraphs, headings, list items; lines of the source) are aligned first:
equal ones by identity, then each changed one with the changed passage it most resembles
nearby. Words are compared only inside changed passage pairs, by difflib's matcher counting
its comparisons against a ``Budget``: a pair that would go beyond it is refused, and shown
whole by the caller. Everything here is linear in the texts' length but for what the budgets
allow.
"""

import re
from difflib import SequenceMatcher

# Words and punctuation; the whitespace between them is kept but never compared.
WORD_RE = re.compile(r"[\w’'-]+|[^\w\s]", re.UNICODE)

# Word comparisons allowed per field (or rendered part): the steps of difflib's inner loop (one
# position of a word in the new text looked at for a word of the old), counted as it runs, about
# 0.2 microseconds each here. A body at the 100,000-character cap with every paragraph edited
# takes 70,000 to 230,000; one long paragraph takes far more than its length suggests (10% of
# its words changed: 1,000 words of prose about 120,000, 1,500 words 400,000, 15,000 words 50
# million; 600 words from a 16-word vocabulary 600,000). One passage pair may use at most a
# quarter of it, so a paragraph beyond that leaves the rest of the field marked word by word.
WORD_BUDGET = 1_000_000
# Passages a changed one is looked for among, either side of its place (see ``pair_up``), and
# the most alignment cells spent on one stretch of changed passages before pairing them in order.
PAIR_BAND = 2
PAIR_CELLS = 20_000
# Comparisons allowed to find the unchanged passages (counted as for words); beyond them, only
# the common start and end are (thousands of repeated passages), and the rest paired as above.
PASSAGE_MATCH_LIMIT = 200_000


class Budget:
    """The comparisons left for one field's diff, and how many passages it refused.

    Any one comparison may use at most ``each`` (a quarter of the budget unless given), so one
    pathological passage does not leave the rest of the field unmarked.
    """

    def __init__(self, limit: int | None = None, *, each: int | None = None):
        self.limit = WORD_BUDGET if limit is None else limit
        self.each = self.limit // 4 if each is None else each
        self.spent = 0
        self.refused = 0

    def allowance(self) -> int:
        return min(self.each, self.limit - self.spent)


class _OverBudget(Exception):
    """A comparison used up its allowance."""


class _Index(dict):
    """difflib's index of the second sequence (item -> its positions), charging each look-up for
    the positions it hands out, which difflib's inner loop then goes through."""

    left = 0

    def get(self, key, default=None):
        found = dict.get(self, key, default)
        self.left -= len(found) + 1
        if self.left < 0:
            raise _OverBudget
        return found


class _Matcher(SequenceMatcher):
    """difflib's matcher, stopped once it has made ``allowance`` comparisons."""

    def __init__(self, a: list, b: list, *, autojunk: bool, allowance: int):
        self.allowance = allowance
        super().__init__(None, a, b, autojunk=autojunk)

    def set_seq2(self, b):
        super().set_seq2(b)
        self.b2j = _Index(self.b2j)
        self.b2j.left = self.allowance

    @property
    def spent(self) -> int:
        return min(self.allowance, self.allowance - self.b2j.left)


def _common_ends(a: list, b: list) -> tuple[int, int]:
    """How many items ``a`` and ``b`` share at their start, and then at their end."""
    n, m = len(a), len(b)
    start = 0
    while start < n and start < m and a[start] == b[start]:
        start += 1
    end = 0
    while end < n - start and end < m - start and a[n - 1 - end] == b[m - 1 - end]:
        end += 1
    return start, end


def _one(a: list, b: list) -> list:
    """Opcodes for ``a`` -> ``b`` when either has one item, as difflib would give them, without it."""
    if len(a) == 1 and a[0] in b:
        k = b.index(a[0])
        ops = [("insert", 0, 0, 0, k), ("equal", 0, 1, k, k + 1), ("insert", 1, 1, k + 1, len(b))]
    elif len(b) == 1 and b[0] in a:
        k = a.index(b[0])
        ops = [("delete", 0, k, 0, 0), ("equal", k, k + 1, 0, 1), ("delete", k + 1, len(a), 1, 1)]
    else:
        ops = [("replace", 0, len(a), 0, len(b))]
    return [op for op in ops if op[1] != op[2] or op[3] != op[4]]


def opcodes(a: list, b: list, budget: Budget, *, autojunk: bool, match: bool = True) -> list | None:
    """difflib's opcodes for ``a`` -> ``b``, comparing only what lies between their common start
    and end (all of it one "replace" if not ``match``); None if that went beyond ``budget``."""
    n, m = len(a), len(b)
    start, end = _common_ends(a, b)
    middle_a, middle_b = a[start : n - end], b[start : m - end]
    ops = [("equal", 0, start, 0, start)] if start else []
    if middle_a and middle_b and match and (len(middle_a) == 1 or len(middle_b) == 1):
        ops += [(op, i1 + start, i2 + start, j1 + start, j2 + start) for op, i1, i2, j1, j2 in _one(middle_a, middle_b)]
    elif middle_a and middle_b and match:
        matcher = _Matcher(middle_a, middle_b, autojunk=autojunk, allowance=budget.allowance())
        try:
            found = matcher.get_opcodes()
        except _OverBudget:
            found = None
        budget.spent += matcher.spent
        if found is None:
            budget.refused += 1
            return None
        ops += [(op, i1 + start, i2 + start, j1 + start, j2 + start) for op, i1, i2, j1, j2 in found]
    elif middle_a or middle_b:
        op = "replace" if middle_a and middle_b else "delete" if middle_a else "insert"
        ops.append((op, start, n - end, start, m - end))
    if end:
        ops.append(("equal", n - end, n, m - end, m))
    return ops


def align(old_keys: list, new_keys: list) -> list:
    """Opcodes pairing equal passages; a stretch of changed ones is one "replace" (or insert, delete)."""
    budget = Budget(PASSAGE_MATCH_LIMIT, each=PASSAGE_MATCH_LIMIT)
    ops = opcodes(old_keys, new_keys, budget, autojunk=True)
    return ops if ops is not None else opcodes(old_keys, new_keys, budget, autojunk=True, match=False)


def _word_set(text: str) -> frozenset:
    return frozenset(word.lower() for word in WORD_RE.findall(text) if word[0].isalnum())


def _similarity(a: frozenset, b: frozenset) -> float:
    if not a and not b:
        return 1.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def pair_up(old: list[str], new: list[str]) -> list[tuple]:
    """Pair the changed passages of one stretch in order, each with the one it most resembles.

    Returns (old index or None, new index or None) in reading order; unpaired passages were
    removed or added. An alignment over the words the passages share (a passage may be paired
    only with one at most ``PAIR_BAND`` places off the stretch's diagonal), so a paragraph
    inserted before an edited one does not pair every later paragraph with the wrong one.
    """
    p, q = len(old), len(new)
    low, high = min(0, q - p) - PAIR_BAND, max(0, q - p) + PAIR_BAND
    if not p or not q or (p + 1) * (high - low + 1) > PAIR_CELLS:
        pairs = [(k, k) for k in range(min(p, q))]
        return pairs + [(k, None) for k in range(len(pairs), p)] + [(None, k) for k in range(len(pairs), q)]
    old_words, new_words = [_word_set(text) for text in old], [_word_set(text) for text in new]
    # best[(i, j)]: the most similarity pairing old[:i] with new[:j] can reach, and the step there.
    best = {(0, 0): (0.0, None)}
    for i in range(p + 1):
        for j in range(max(0, i + low), min(q, i + high) + 1):
            if i == j == 0:
                continue
            steps = []
            if i and j and (i - 1, j - 1) in best:
                # A small bonus pairs unrelated passages in order rather than not at all.
                score = _similarity(old_words[i - 1], new_words[j - 1]) + 0.01
                steps.append((best[(i - 1, j - 1)][0] + score, 2, "pair"))
            if j and (i, j - 1) in best:
                steps.append((best[(i, j - 1)][0], 1, "added"))
            if i and (i - 1, j) in best:
                steps.append((best[(i - 1, j)][0], 0, "removed"))
            if steps:
                score, _, step = max(steps)
                best[(i, j)] = (score, step)
    pairs, i, j = [], p, q
    while i or j:
        step = best[(i, j)][1]
        if step == "pair":
            i, j = i - 1, j - 1
            pairs.append((i, j))
        elif step == "added":
            j -= 1
            pairs.append((None, j))
        else:
            i -= 1
            pairs.append((i, None))
    return pairs[::-1]


def aligned(old_keys: list, new_keys: list, old_texts: list[str], new_texts: list[str]):
    """Yield (old index or None, new index or None) for every passage of both, in reading order."""
    for op, i1, i2, j1, j2 in align(old_keys, new_keys):
        if op == "equal":
            yield from zip(range(i1, i2), range(j1, j2), strict=True)
            continue
        for i, j in pair_up(old_texts[i1:i2], new_texts[j1:j2]):
            yield (None if i is None else i1 + i, None if j is None else j1 + j)
