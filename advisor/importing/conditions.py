"""Phrases that make an item conditional, read as conditions over the target knowledge
base's facts.

"If you are using Windows 98", "On Windows NT", "(if you do not have a network adapter)":
the importer finds such phrases by their grammar and lets the knowledge base's own
language layer read them, so a condition names only facts and values the knowledge base
has, and what it understands of the words is what it understands of a person. A phrase
is a condition when it reads as one fact with nothing left over but the words that frame
a condition ("if you are using", "computers"); otherwise the item keeps its place,
unconditioned, with a `todo` that quotes the phrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from advisor.knowledge.model import UNKNOWN, Knowledge
from advisor.language.reader import Read, Reader

# The grammar around what a condition names: "if you are running ... on your computer".
FRAME = frozenset(
    """if when whenever for on in under with using use uses used run runs running
    have has having had installed install is are be been you your youre the a an this that
    these those do does computer computers machine machines system systems platform
    platforms based only also already version versions edition editions microsoft
    client clients server servers workstation workstations user users then""".split()
)
# A condition about what happens while the steps are followed ("If you are prompted to
# restart", "If the dialog box appears"): the person sees it then, so it is left to them.
EVENTS = frozenset(
    """prompted prompt prompts appears appear appeared displayed displays display receive
    receives received see sees asked ask persists persist fails fail failed succeed
    succeeds successful occurs occur happens happen continue continues still want wants
    wish need needs prefer desired necessary needed available exists exist present done
    get gets got finished complete completes completed works work working selected
    checked cleared listed shown found missing""".split()
)
# Saying what the person has or runs: a condition the knowledge base should be able to ask.
_SETUP = re.compile(
    r"\b(?:using|running|use|run|have|has|installed|upgraded|-based|based|connect|connected)\b",
    re.IGNORECASE,
)
# A version number after a name the knowledge base read ("Windows NT 3.5 and 3.51"): the
# knowledge base tells the product, not each version.
_NUMBER = re.compile(r"v?\d+(?:\.\d+)*[a-z]?x?|and|or", re.IGNORECASE)
_WORD = re.compile(r"\w[\w.'/+]*")
# An item that starts with a condition: "If you are using Windows 98, ...", "On Windows NT
# 4.0, ...", "When you use Outlook Express 5, ..." (up to the comma, within the sentence).
_LEADING = re.compile(
    r"^(?P<phrase>(?P<word>if|unless|when|for|on|in|under|with)\b[^,;:()]*?)(?:[,;:(]|\.\s|$)",
    re.IGNORECASE,
)
# Where a condition without a comma ends: "If using Windows 98 | you will be prompted".
_SUBJECT = re.compile(r"\s+(?:you|it|this|there|they|we|setup|the)\b", re.IGNORECASE)
_PAREN = re.compile(r"\((?P<phrase>if\s[^()]+)\)", re.IGNORECASE)
# "click either TCP/IP (if you do not have a network adapter) or TCP/IP -> Dial-Up Adapter
# (if you do have a network adapter), and then click Properties"
_EITHER = re.compile(
    r"\beither\s+(?P<x>[^()]+?)\s*\((?P<a>if\s[^()]+)\)\s*,?\s+or\s+"
    r"(?P<y>[^()]+?)\s*\((?P<b>if\s[^()]+)\)",
    re.IGNORECASE,
)
# A version in a heading: "SNA Server 3.0", "Exchange Server 5.5", "Outlook 2000".
_VERSION = re.compile(r"\b\d+\.(?:\d+|x)\b|\b(?:19|20)\d\d\b|\b\d+x\b", re.IGNORECASE)
# "For Windows 3.x clients", "For IIS 5.0", "For Alpha platforms": a "for" that names who or
# what the item is for, not "For Minimum Password Age" (a box on the screen).
_WHO = re.compile(
    r"\d|\b(?:clients?|users?|computers?|servers?|systems?|platforms?|versions?|editions?|"
    r"installations?|based)\b",
    re.IGNORECASE,
)
# A heading that says what to do is not a condition: "Remove Flight Simulator 2000".
_DOING = frozenset(
    """add apply change check configure contact copy create delete disable download edit
    enable install obtain open quit reduce remove rename reinstall replace restart run set
    start turn uninstall update upgrade use verify""".split()
)
# The label of one of several ways: "Method 2: Install ...", "Case 1:".
_LABEL = re.compile(
    r"^(?:step|method|option|case|solution|resolution|workaround|procedure|scenario)\s*#?\s*"
    r"(?:\d+|one|two|three|four|five)\s*[:.-]\s*",
    re.IGNORECASE,
)
_GENERIC = re.compile(
    r"^for\s+(?:more|additional|example|instance|information|details|further|each|all|"
    r"this|these|that|those|some|most|many|any|best|help|now|a\b|an\b|the\s+(?:most|best|"
    r"purposes|following))",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Reading:
    """What a phrase says: one value or more for each fact, and the words left unread."""

    facts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    leftover: tuple[str, ...] = ()
    start: int = 0  # where the first words read start
    end: int = 0  # where the last words read end

    @property
    def one(self) -> tuple[str, tuple[str, ...]] | None:
        """The fact and values, when the phrase names one fact and nothing else."""
        if len(self.facts) != 1 or self.leftover:
            return None
        return next(iter(self.facts.items()))


class Conditions:
    """The target knowledge base's language, for reading condition phrases."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self.reader = Reader(knowledge)
        language = knowledge.language
        self.frame = FRAME | language.optional | language.filler
        # Only facts with fixed values can be conditions (not a server name read from text).
        self.fixed = {
            name: tuple(fact.values) for name, fact in knowledge.facts.items() if fact.values
        }

    def read(self, phrase: str) -> Reading:
        read = self.reader.read(phrase)
        facts: dict[str, set[str]] = {}
        spans = []
        for r in read.readings:
            spans.append((r.start, r.end))
            if r.fact in self.fixed:
                facts.setdefault(r.fact, set()).add(r.value)
        for fact, values in read.conflicts.items():
            # Words that may mean several values ("Windows 95/98"): a condition on any.
            if fact in self.fixed:
                facts.setdefault(fact, set()).update(values)
            spans.extend(self._spans(phrase, read, fact))
        leftover = tuple(
            m.group()
            for m in _WORD.finditer(phrase)
            if not any(start <= m.start() and m.end() <= end for start, end in spans)
            and m.group().lower().strip(".'") not in self.frame
            and not _negation(m.group())
            and not (facts and _NUMBER.fullmatch(m.group()))
        )
        start = min((a for a, _ in spans), default=0)
        end = max((b for _, b in spans), default=0)
        return Reading({f: tuple(sorted(v)) for f, v in facts.items()}, leftover, start, end)

    def _spans(self, phrase: str, read: Read, fact: str) -> list[tuple[int, int]]:
        """Where the patterns that read `fact` match (a fact said two ways has no reading)."""
        spans: list[tuple[int, int]] = []
        for pattern in (p for f in self.knowledge.facts.values() for p in f.patterns):
            if not any(name == fact for name, _ in (*pattern.sets, *pattern.if_negated)):
                continue
            if pattern.regex is not None:
                spans.extend(m.span() for m in pattern.regex.finditer(phrase))
        for found in read.phrases:
            said = self.reader.patterns.get(found.key)
            if said is not None and fact in {n for n, _ in said.sets}:
                items = read.words.items
                spans.append((items[found.first].start, items[found.last].end))
        return spans

    def when(self, phrase: str, *, stated: bool) -> dict[str, object] | None:
        """The condition a phrase states, as a `when`; None when it does not read as one."""
        one = self.read(phrase).one
        return None if one is None else _when(self, *one, stated=stated)

    def otherwise(self, fact: str, taken: set[str]) -> object:
        """The condition for a person none of the branches fits: "unknown" when the branches
        cover every other value, else "not one of them"."""
        rest = set(self.fixed.get(fact, ())) - taken
        if rest == {UNKNOWN}:
            return UNKNOWN
        return {"not": sorted(taken)}


def event(phrase: str) -> bool:
    """Whether a condition is something the person sees while following the steps."""
    return any(w.lower() in EVENTS for w in _WORD.findall(phrase))


def setup(phrase: str) -> bool:
    """Whether a condition speaks of what the person has or runs."""
    return bool(_SETUP.search(phrase))


def _negation(word: str) -> bool:
    return word.lower().replace("'", "") in ("not", "dont", "doesnt", "no", "never", "without")


@dataclass(frozen=True)
class Found:
    """The condition of an item: a `when`, or a `todo` quoting the phrase not understood."""

    when: dict[str, object] | None = None
    todo: str | None = None


NONE = Found()


def leading(conditions: Conditions, text: str, *, step: bool) -> Found:
    """The condition an item's text starts with. Only a step gets a `todo`: a note or a
    warning is advice the person weighs as they read it."""
    m = _LEADING.match(text)
    if m is None:
        # "either X (if A) or Y (if B)" is read as branches, not as one condition.
        return NONE if _EITHER.search(text) else _parenthetical(conditions, text)
    phrase, word = m.group("phrase").strip(), m.group("word").lower()
    reading = conditions.read(phrase)
    if reading.facts and reading.end < len(phrase):
        after = _SUBJECT.match(phrase, reading.end)
        if after is not None:
            phrase = phrase[: reading.end]
            reading = conditions.read(phrase)
    if word in ("if", "unless", "when") and event(phrase):
        return NONE
    if reading.one is not None and word != "unless":
        return Found(_when(conditions, *reading.one))
    if not step:
        return NONE
    if word in ("if", "unless") and (setup(phrase) or reading.facts):
        return Found(todo=phrase)
    if word == "for" and _named(phrase) and _WHO.search(phrase) and not _GENERIC.match(phrase):
        return Found(todo=phrase)
    return NONE


def _parenthetical(conditions: Conditions, text: str) -> Found:
    """ "Click Properties (if you use TCP/IP)": a condition only where it reads as one; other
    remarks in brackets ("(if available)") stay remarks."""
    for m in _PAREN.finditer(text):
        when = conditions.when(m.group("phrase"), stated=True)
        if when is not None:
            return Found(when)
    return NONE


def heading(conditions: Conditions, title: str) -> Found:
    """A sub-heading that names what its steps are for: "Windows NT Server 4.0", "If you are
    using Windows 95", "For GroupWise 5.x". A heading that says what to do ("Install Windows
    95") is not a condition."""
    title = _LABEL.sub("", title) or title
    reading = conditions.read(title)
    if not reading.facts:
        lower = title.lower()
        if lower.startswith("for ") and _named(title) and not _GENERIC.match(title):
            return Found(todo=title)
        if (lower.startswith("if ") and setup(title)) or (
            _VERSION.search(title) and not _doing(lower.split()[0])
        ):
            return Found(todo=title)
        return NONE
    before = _WORD.findall(title[: reading.start])
    if any(w.lower() not in conditions.frame for w in before) or (
        before and _doing(before[0].lower())
    ):
        return NONE
    if len(reading.facts) > 1:
        return Found(todo=title)
    return Found(_when(conditions, *next(iter(reading.facts.items()))))


@dataclass(frozen=True)
class Branch:
    text: str
    when: dict[str, object]
    suffix: str  # for the item's id: the value the branch is for


def branches(conditions: Conditions, text: str) -> tuple[list[Branch], str | None]:
    """ "click either X (if A) or Y (if B)": one item per branch, and the article's own
    words for a person neither condition is known to fit. A branch whose condition does
    not read as one value of the same fact as the other's leaves the text whole, with a
    `todo`."""
    m = _EITHER.search(text)
    if m is None:
        return [], None
    ones = [conditions.read(m.group(k)).one for k in ("a", "b")]
    if any(one is None for one in ones) or len({one[0] for one in ones if one}) != 1:
        return [], f"{m.group('a')}; {m.group('b')}"
    fact = ones[0][0] if ones[0] else ""
    out = []
    for key, one in zip(("x", "y"), ones, strict=True):
        assert one is not None
        values = one[1]
        said = text[: m.start()] + m.group(key) + text[m.end() :]
        when: dict[str, object] = {fact: values[0] if len(values) == 1 else list(values)}
        out.append(Branch(" ".join(said.split()), when, "-".join(values)))
    taken = {v for one in ones if one for v in one[1]}
    out.append(Branch(text, {fact: conditions.otherwise(fact, taken)}, ""))
    return out, None


def _when(
    conditions: Conditions, fact: str, values: tuple[str, ...], stated: bool = True
) -> dict[str, object]:
    """A `when` on one fact. `stated`: the item's text says its condition itself ("If using
    Windows 98, click OK"), so a person who does not know the fact is shown it too."""
    if stated and UNKNOWN in conditions.fixed[fact] and UNKNOWN not in values:
        values = (*values, UNKNOWN)
    return {fact: values[0] if len(values) == 1 else list(values)}


def _doing(word: str) -> bool:
    """Whether a heading's first word says what to do: "Install ...", "Installing ...", "To
    resolve this issue in MSN 5.0, ..."."""
    return word in _DOING or word == "to" or (word.endswith("ing") and word not in FRAME)


def _named(phrase: str) -> bool:
    """Whether a phrase names something: a capitalised word after its first, or a number."""
    words = phrase.split()[1:]
    return any(w[:1].isupper() or any(c.isdigit() for c in w) for w in words)
