"""What an article applies to: its "applies to" lines tidied, and the products, versions
and operating systems they name, as ids for `distinguish` with readable labels.

The lines read "Microsoft Exchange Server, versions 5.0, 5.5", "The Microsoft Network
version 5.4", "Microsoft Internet Explorer version 3.02 for Windows 95", "Microsoft Word 97
for Windows" or "the operating system: Microsoft Windows NT". A product's id is its name
without "Microsoft" (`exchange-server`), a version's the product's id and the version
(`exchange-server-5.5`), an operating system's its name (`windows-95`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

_OS_LINE = re.compile(r"^the operating systems?:\s*(?P<os>.+)$", re.IGNORECASE)
_TRAILING = re.compile(r",?\s*(?:used with|on platform\(s\)|on the following platforms?)\s*:?$")
_VERSIONS = re.compile(r"^(?P<name>.+?),?\s+versions?\s+(?P<versions>\S.*)$", re.IGNORECASE)
_LAST_NUMBER = re.compile(r"^(?P<name>.+?)\s+(?P<versions>\d+\.\d+[a-z]?)$")
_FOR_OS = re.compile(
    r"\s+for\s+(?P<os>(?:the\s+)?(?:Microsoft\s+)?(?:Windows|MS-DOS|OS/2|Macintosh|Power "
    r"Macintosh|Mac OS|UNIX)\b[\w ./()-]*)$",
    re.IGNORECASE,
)
_VERSION = re.compile(
    r"^(?:build\s+)?\d[\w.]*(?:\s+(?:SP\s?\d+\w?|Service\s+Pack\s+\d+\w?|OEM Release|"
    r"\(OEM Release\)|Release\s+\d+\w?|Update\s+\d+\w?))?$",
    re.IGNORECASE,
)
LONGEST = 48  # characters of an id made from a name: "mspress-running-microsoft-office-97"
_MICROSOFT = re.compile(r"^(?:MSPRESS\s+)?Microsoft\s+", re.IGNORECASE)


@dataclass
class Applies:
    """What an article applies to."""

    lines: list[str] = field(default_factory=list)  # the "applies to" lines, tidied
    # fact (product, version, system) -> id -> label, in the article's order
    named: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(self, fact: str, name: str, label: str) -> str:
        ident = slug(name)
        if ident:
            self.named.setdefault(fact, {}).setdefault(ident, label)
        return ident

    @property
    def distinguish(self) -> dict[str, list[str]]:
        return {
            f: list(ids) for f in ("product", "version", "system") if (ids := self.named.get(f))
        }


def applies(lines: tuple[tuple[int, str], ...], header: Mapping[str, str]) -> Applies:
    out = Applies()
    product = ""  # the product of the line above, for its indented lines
    for indent, line in lines:
        if "*" in line or not line:  # "*EDITOR Please do not choose this product*"
            continue
        out.lines.append(line)
        os_line = _OS_LINE.match(line)
        if os_line is not None:
            _system(out, os_line.group("os"))
            continue
        if indent > 0 and product:
            continue  # "- Microsoft Visual C++ ..., used with:" and the products under it
        product = _product(out, _TRAILING.sub("", line))
    if not out.named.get("product"):
        name = header.get("Product(s)", "")
        if name:
            product = out.add("product", _bare(name), name)
            for version in re.split(r"\s*,\s*", header.get("Version(s)", "").split(":")[-1]):
                if version and product:
                    out.add("version", f"{product}-{version}", f"{name} {version}")
    for os_name in re.split(r"\s*,\s*", header.get("Operating System(s)", "")):
        if os_name:
            _system(out, os_name)
    return out


def _product(out: Applies, line: str) -> str:
    versions: list[str] = []
    name = line
    m = _VERSIONS.match(line) or _LAST_NUMBER.match(line)
    if m is not None:
        name = m.group("name")
        qualifier = []
        for token in re.split(r"\s*,\s*", m.group("versions")):
            token = token.strip()
            os = _FOR_OS.search(" " + token)
            if os is not None:
                _system(out, os.group("os"))
                token = (" " + token)[: os.start()].strip()
            if _VERSION.match(token):
                versions.append(token)
            elif token:
                qualifier.append(token)  # "Terminal Server Edition"
        if qualifier:
            name = ", ".join([name, *qualifier])
    os = _FOR_OS.search(name)
    if os is not None and os.start() > 0:
        _system(out, os.group("os"))
        name = name[: os.start()]
    name = name.strip(" ,")
    product = out.add("product", _bare(name), name)
    for version in versions:
        out.add("version", f"{product}-{_short(version)}", f"{name} {version}")
    return product


def _short(version: str) -> str:
    return re.sub(r"^build\s+", "", version, flags=re.IGNORECASE)


def _system(out: Applies, name: str) -> None:
    name = name.strip(" .,")
    out.add("system", _bare(name), name)


def _bare(name: str) -> str:
    return _MICROSOFT.sub("", name.strip())


def slug(name: str) -> str:
    """An id from a name: lower case, words joined by '-' ("Visual C++ 6.0" -> visual-cpp-6.0)."""
    text = name.lower().replace("c++", "cpp").replace("c#", "csharp").replace("&", " and ")
    text = re.sub(r"[^a-z0-9.]+", "-", text)
    text = re.sub(r"-*\.-*", ".", text).strip("-.")  # "2.0-" and "-.net" stay one word
    if len(text) > LONGEST:  # a name as long as a sentence, cut after a whole word
        text = text[: text.rfind("-", 0, LONGEST + 1)].strip("-.") or text[:LONGEST]
    return text
