"""The error messages an article quotes in SYMPTOMS, and what SYMPTOMS says besides.

An article quotes a message as a block indented deeper than its text, after a sentence
such as "you may receive the following error message:". Indented text is not always a
message: the same layout quotes event log entries, code, registry keys, file lists and
other articles. A quoted block is taken as a message when the sentence that leads to it
speaks of an error, a message or what is displayed, and the block does not read as code
or a list of names. "one of the following error messages" quotes several messages, one
per block (or per "-" item); "the following error message" one, which may take several
blocks (a dialog's title, its text, its buttons).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass

from advisor.importing.layout import Block, prose

# What a sentence leading to a quoted message speaks of.
_LEAD = re.compile(
    r"\b(?:error|message|msg|warning|prompt|dialog|dialogue|alert|notification|says|reads"
    r"|states|display|displays|displayed|appear|appears|returns|returned|reports|reported"
    r"|text|caption|stop|report|ndr|event|exception)\w*",
    re.IGNORECASE,
)
_PLURAL = re.compile(
    r"\b(?:one of|any of|either of|messages|errors|warnings|similar messages)\b|"
    r"\bone or more\b|\bfollowing (?:two|three|four|\d+)\b",
    re.IGNORECASE,
)
# "the following error message", "the following two warnings", "the following:"
_FOLLOWING = re.compile(
    r"(?<!similar to the )(?<!like the )(?<!one of the )(?<!as in the )\bfollowing"
    r"(?P<what>(?:\s+[\w()/.-]+){0,5}?\s*(?::|$)|(?:\s+[\w()/.-]+){1,5})",
    re.IGNORECASE,
)
# Lines that are not what a program says: code, paths, addresses, other articles, tables.
_NOT_SAID = re.compile(
    r"[;{}]\s*$|^\s*(?:#include|#define|Dim |Private |Public |Sub |Function |void |int |"
    r"struct |HKEY_|HKLM\\|Q\d{5,6}\s|https?://|ftp://|www\.|[A-Za-z]:\\\S*$|\\\\\S+$|"
    r"[A-Z](?: [A-Z]){3,}$)|\S\s{3,}\S+\s{3,}\S",
)
_HEX = re.compile(r"(?<![0-9A-Za-z])0[xX](?P<code>[0-9A-Fa-f]{8})(?![0-9A-Za-z])")
_BARE = re.compile(r"(?<![0-9A-Za-z])(?P<code>8[0-9A-Fa-f]{7})(?![0-9A-Za-z])")
# A message quoted in a sentence: 'the error message "Cannot find FOXUT16.DLL"', 'a "no
# domain controller found" error message'.
_INLINE = re.compile(
    r'\b(?:error|message|msg|warning|prompt)s?(?:\s+messages?)?\s*:?\s*"(?P<before>[^"]{6,300})"'
    r'|"(?P<after>[^"]{6,300})"\s+(?:error\s+)?(?:message|error|warning|dialog)',
    re.IGNORECASE,
)
_RECEIVE = re.compile(r"\b(?:receive|receives|received|get|see)\s+the\s+following\b", re.I)
_NAMED = re.compile(
    r"\b(?:exception|error|code|number|stop|status|result|hresult|err)\b\W*$", re.IGNORECASE
)
_PLACEHOLDER = re.compile(r"<[^<>]*>")
LONGEST = 800  # characters: longer quoted text is a log or a dump, not a message
# "Err Msg: Cannot Find Mapi32.dll..." names the message in the title (cut short at "...").
_TITLED = re.compile(
    r"^(?:err(?:or)?\s*msg|error\s+message)\s*:\s*(?P<text>.+?)\s*(?:\.\.\.|…)?$", re.I
)


@dataclass(frozen=True)
class Message:
    text: str  # as quoted, its lines joined
    number: str | None = None  # 0x800CCC0F


@dataclass(frozen=True)
class Symptoms:
    messages: tuple[Message, ...]
    prose: str  # SYMPTOMS without the messages


def symptoms(found: list[Block]) -> Symptoms:
    messages: list[Message] = []
    kept = _walk(found, "", messages)
    unique = list(dict.fromkeys(messages))  # a message quoted twice is one message
    return Symptoms(tuple(unique), prose(kept))


def _walk(found: list[Block], lead: str, messages: list[Message]) -> list[Block]:
    """The blocks that are not messages; the messages go to `messages`, in order."""
    kept: list[Block] = []
    run: list[Block] = []  # quoted blocks that follow one lead-in

    def close() -> None:
        if run and not _take(run, lead, messages):
            kept.extend(run)
        run.clear()

    for n, block in enumerate(found):
        if block.kind == "quote" or (block.kind == "or" and run):
            run.append(block)
            continue
        close()
        if block.kind == "item" and _listed(found, n, lead) and not block.children:
            messages.extend(_messages([block.text]))
            continue
        if block.kind in ("para", "item", "note"):
            messages.extend(_inline(block.text))
        if block.kind != "or":
            lead = block.text if block.kind != "heading" else lead
        inner = lead if block.kind == "heading" else block.text
        kept.append(dataclasses.replace(block, children=_walk(block.children, inner, messages)))
    close()
    return kept


def _listed(found: list[Block], n: int, lead: str) -> bool:
    """Whether item n is one of a list of messages ("one of the following error messages:"
    and then "- Insufficient memory")."""
    first = next((b for b in found[:n] if b.kind == "item"), None)
    sentence = _last_sentence(lead)
    return (
        found[n].marker == "-"
        and lead.endswith(":")
        and _says_message(sentence)
        and bool(_PLURAL.search(sentence))
        and (first is None or first.marker == "-")
    )


def _says_message(sentence: str) -> bool:
    """Whether a sentence leads to a message: what "the following" names is a message or
    an error ("the following error message:", not "the following conditions:"), or without
    "the following", the sentence speaks of one ("you receive this error:")."""
    following = _FOLLOWING.search(sentence)
    if following is not None and re.search(r"\w", following.group("what")):
        return bool(_LEAD.search(following.group("what")))
    return bool(_LEAD.search(sentence) or _RECEIVE.search(sentence))


def _take(run: list[Block], lead: str, messages: list[Message]) -> bool:
    """Take a run of quoted blocks as messages when its lead-in says so and they read as
    something a program says."""
    quotes = [b for b in run if b.kind == "quote"]
    sentence = _last_sentence(lead)
    if not _says_message(sentence) or any(_not_said(b) for b in quotes):
        return False
    if _PLURAL.search(sentence) or any(b.kind == "or" for b in run):
        groups = [[b.text] for b in quotes]
    else:
        groups = [[b.text for b in quotes]]
    found = list(_messages(" ".join(g) for g in groups))
    if not found:
        return False
    messages.extend(found)
    return True


def _messages(texts: Iterable[str]) -> list[Message]:
    out = []
    for each in texts:
        text = _unquoted(" ".join(each.split()))
        # A message that is only placeholders ("<filename>") names nothing to recognise.
        if text and len(text) <= LONGEST and re.search(r"[A-Za-z]", _PLACEHOLDER.sub("", text)):
            out.append(Message(text, number(text)))
    return out


def from_title(title: str) -> Message | None:
    """The message an "Err Msg:" title names, for an article that quotes none in SYMPTOMS
    (a title cut short still names the start of it)."""
    m = _TITLED.match(title.strip())
    found = _messages([m.group("text")]) if m else []
    return found[0] if found and len(found[0].text.split()) >= 2 else None


def _inline(text: str) -> list[Message]:
    said = [m.group("before") or m.group("after") for m in _INLINE.finditer(text)]
    return _messages(s for s in said if len(s.split()) >= 2)


def _not_said(block: Block) -> bool:
    return any(_NOT_SAID.search(line.text) for line in block.lines)


def _unquoted(text: str) -> str:
    """A message written in quotation marks, without them."""
    m = re.fullmatch(r'"([^"]+)"[.,]?', text)
    return m.group(1) if m else text


def _last_sentence(text: str) -> str:
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text.strip())
    return parts[-1] if parts else ""


def number(text: str) -> str | None:
    """The error number in a message, as 0x and eight upper-case hex digits. Of the numbers
    written with 0x (or eight digits that start with 8, as Outlook Express prints them) the
    error is one that starts with 8 (a failure code), else one right after a word such as
    "error", "code" or "STOP"; an address in a crash report is not an error number."""
    found = [(m, False) for m in _HEX.finditer(text)] + [(m, True) for m in _BARE.finditer(text)]
    best: tuple[int, int, str] | None = None
    for m, bare in found:
        code = m.group("code").upper()
        if bare and code.isdecimal() and not code.startswith("800"):
            continue  # a plain number such as 81234567 is more often a count than an error
        named = bool(_NAMED.search(text[max(0, m.start() - 24) : m.start()]))
        rank = 0 if code.startswith("8") else 1 if named else None
        if rank is not None and (best is None or (rank, m.start()) < best[:2]):
            best = (rank, m.start(), code)
    return f"0x{best[2]}" if best else None
