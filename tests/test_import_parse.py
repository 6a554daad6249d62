"""Reading articles in the archive's format: the header, "applies to", sections, the
layout of steps, notes and quotes, the messages SYMPTOMS quotes, and files that are not
articles. The articles in tests/data/kb were written for these tests in the archive's
format; the text pieces below are written here for the same reason."""

from __future__ import annotations

import datetime
import textwrap
from pathlib import Path

import pytest

from advisor.importing import layout, messages, products, source
from advisor.importing.layout import Block

DATA = Path(__file__).resolve().parent / "data" / "kb"
FULL = DATA / "900" / "Q900001" / "README.md"


def lines(text: str) -> list[str]:
    return textwrap.dedent(text).strip("\n").split("\n")


def kinds(found: list[Block]) -> list[tuple[str, str]]:
    return [(b.kind, b.title or b.text) for b in found]


def test_the_header_and_what_the_article_applies_to() -> None:
    s = source.read(FULL)
    assert s.id == "Q900001"
    assert s.title == 'OE: Err Msg: Cannot Connect to the "Outgoing" Server'  # &quot; undone
    assert s.header["Product(s)"] == "Microsoft Outlook Express"
    assert s.header["Operating System(s)"] == ""
    assert s.modified == datetime.date(2001, 2, 5)
    assert s.applies_to == (
        (0, "Microsoft Outlook Express versions 5.0, 5.5"),
        (0, "Microsoft Internet Explorer version 5.0 for Windows 98"),
    )
    assert [x.title for x in s.sections] == ["SYMPTOMS", "CAUSE", "RESOLUTION", "MORE INFORMATION"]


def test_the_trailing_query_words_and_keywords_are_not_content() -> None:
    s = source.read(FULL)
    text = "\n".join(line for x in s.sections for line in x.lines)
    assert "Additional query words" not in text
    assert "Keywords" not in text and "Technology" not in text


def test_junk_bytes_and_entities_are_cleaned() -> None:
    cause = source.read(FULL).section("CAUSE")
    assert cause is not None
    assert "mail server because the dial-up" in " ".join(cause.lines)
    assert source.clean("\tA<A0><A0>B &amp; C &reg=2") == "A  B & C &reg=2"
    assert source.clean("\tDOMAIN<1C> and <CD>\\I386") == "DOMAIN<1C> and <CD>\\I386"  # text


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Just a few notes about mail.\n", "no `Article: Q...` header"),
        ("", "no `Article: Q...` header"),
        ("---\ntitle: x\n---\n## Q1: x\n{% raw %}\n\tArticle: Q123456\n{% endraw %}\n", "no text"),
    ],
)
def test_what_is_not_an_article_says_why(text: str, why: str) -> None:
    with pytest.raises(source.NotAnArticle, match=why):
        source.parse(text)


def test_an_article_without_raw_markers_or_sections_still_parses() -> None:
    text = "\tArticle: Q123456\n\tLast Modified: 31-FEB-2001\n\n\tSome text without sections.\n"
    s = source.parse(text)
    assert s.id == "Q123456"
    assert s.modified is None  # no such date
    assert s.section("SYMPTOMS") is None
    assert [x.title for x in s.sections] == [""]


def test_sections_and_sub_headings() -> None:
    found = layout.blocks(
        lines("""
        To resolve this problem, follow these steps:

        Step 1: Check the Connection
        ----------------------------

        1. Start the program.

        Date      Time     Size     File name
        ---------------------------------------
        01/02/99  10:00a   12,345   Mail.dll
        """)
    )
    assert [b.kind for b in found] == ["para", "heading"]
    heading = found[1]
    assert heading.title == "Step 1: Check the Connection"
    # A table's column headings are underlined too, but they are not a heading.
    assert [b.kind for b in heading.children] == ["item", "para"]


def test_numbered_steps_sub_steps_and_wrapped_lines() -> None:
    found = layout.blocks(
        lines("""
        1. Click Start, point to Settings, and then click Control Panel. Double-click
          Network.

        2. Do the following:

           - Type the name of the server in the Incoming Mail box.

           - Type the name of the server in the Outgoing Mail
             box.

        3. Rename the file:
          a. Click Start, point to Find, and then click Files or Folders.

          b. Type the name.
        """)
    )
    assert [(b.marker, b.text) for b in found] == [
        (
            "1",
            "Click Start, point to Settings, and then click Control Panel. Double-click Network.",
        ),
        ("2", "Do the following:"),
        ("3", "Rename the file:"),
    ]
    assert [c.text for c in found[1].children] == [
        "Type the name of the server in the Incoming Mail box.",
        "Type the name of the server in the Outgoing Mail box.",
    ]
    assert [(c.marker, c.text) for c in found[2].children] == [
        ("a", "Click Start, point to Find, and then click Files or Folders."),
        ("b", "Type the name."),
    ]


def test_a_line_broken_on_purpose_starts_a_paragraph() -> None:
    found = layout.blocks(
        lines("""
        3. On the Configuration tab, click TCP/IP, and then click Properties.
          If you use Windows 98, you are asked to confirm the change: click OK.

        4. Click the Gateway tab. If a gateway is listed there, click it and then
          click Remove. Repeat this step until no gateway is left in the box.
        """)
    )
    assert [c.text for c in found[0].children] == [
        "If you use Windows 98, you are asked to confirm the change: click OK."
    ]
    assert found[0].children[0].broken
    assert found[1].children == []  # wrapped to fill the line: one paragraph


def test_notes_warnings_and_alternatives() -> None:
    found = layout.blocks(
        lines("""
        NOTE: Keep a copy of the file.

        Note that the file is hidden.

        WARNING: Do not delete the folder.

        CAUTION: This erases the messages.

        IMPORTANT: Back up the registry first.

        - Download the update.

        -or-

        - Ask your provider for a disk.
        """)
    )
    assert kinds(found) == [
        ("note", "Keep a copy of the file."),
        ("para", "Note that the file is hidden."),  # part of a sentence, not a note
        ("note", "Do not delete the folder."),
        ("note", "This erases the messages."),
        ("note", "Back up the registry first."),
        ("item", "Download the update."),
        ("or", "-or-"),
        ("item", "Ask your provider for a disk."),
    ]
    assert [b.marker for b in found if b.kind == "note"] == [
        "note",
        "warning",
        "warning",
        "warning",
    ]


def test_quoted_text_is_indented_deeper() -> None:
    found = layout.blocks(
        lines("""
        You may receive the following error message:

          Cannot find the server. Check the name of the server and
          try again.

        1. Type the following command:

             ping mail.example.com

          NOTE: The command needs a connection.
        """)
    )
    assert kinds(found)[:2] == [
        ("para", "You may receive the following error message:"),
        ("quote", "Cannot find the server. Check the name of the server and try again."),
    ]
    assert kinds(found[2].children) == [
        ("quote", "ping mail.example.com"),
        ("note", "The command needs a connection."),
    ]


def test_quoted_lines_keep_their_breaks_where_they_were_made() -> None:
    [_, quote] = layout.blocks(
        lines("""
        The following files are installed:

          Mail.dll
          Mail.exe
          Address book helper for the mail program, installed in the folder that
          holds the program.
        """)
    )
    assert quote.paragraphs() == [
        "Mail.dll",
        "Mail.exe",
        "Address book helper for the mail program, installed in the folder that holds the program.",
    ]


def symptoms(text: str) -> messages.Symptoms:
    return messages.symptoms(layout.blocks(lines(text)))


def test_messages_quoted_in_symptoms() -> None:
    found = symptoms("""
    When you send mail, you may receive one of the following error messages:

      The server could not be found. Account: 'Home', Server: 'mail.example.com',
      Error Number: 0x800CCC0E

      -or-

      The message <filename> could not be sent.

    The following line is written to the log:

      SMTP 421 Service not available
    """)
    assert [(m.text, m.number) for m in found.messages] == [
        (
            "The server could not be found. Account: 'Home', Server: 'mail.example.com', "
            "Error Number: 0x800CCC0E",
            "0x800CCC0E",
        ),
        ("The message <filename> could not be sent.", None),  # placeholders as written
    ]
    assert "SMTP 421 Service not available" in found.prose  # not introduced as a message
    assert "could not be found" not in found.prose


def test_one_message_may_take_several_blocks() -> None:
    found = symptoms("""
    The program displays the following error message:

      Mail Error

      The folder cannot be opened.
    """)
    assert [m.text for m in found.messages] == ["Mail Error The folder cannot be opened."]


def test_indented_text_that_is_not_a_message() -> None:
    found = symptoms("""
    The delay is written to the following registry key:

      HKEY_LOCAL_MACHINE\\Software\\Example\\Mail

    You may receive the following error message, as described in this article:

      Q123456 How to Set Up the Example Mail Client

    The program stops with the following error:

      void main(void) {
    """)
    assert found.messages == ()
    assert "HKEY_LOCAL_MACHINE" in found.prose


def test_messages_listed_and_quoted_in_a_sentence() -> None:
    found = symptoms("""
    You may receive one of the following error messages:

    - Cannot open the folder <folder name>.

    - The address book could not be loaded.

    The status bar shows the "Working offline" message, and then the error message
    "The connection was reset by the server" appears.
    """)
    assert [m.text for m in found.messages] == [
        "Cannot open the folder <folder name>.",
        "The address book could not be loaded.",
        "Working offline",
        "The connection was reset by the server",
    ]


def test_a_list_that_is_not_of_messages() -> None:
    found = symptoms("""
    Messages may loop if the following conditions are met:

    - The server has no MX record.

    - The server forwards all mail.
    """)
    assert found.messages == ()


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Error Number: 0x800ccc0f", "0x800CCC0F"),
        ("failed with 80004005", "0x80004005"),
        ("STOP 0x0000001E (0xC0000005, 0xFB7D8C92)", "0x0000001E"),
        ("Exception at address 0x77c01329", None),  # an address, not an error
        ("Socket Error: 11004", None),
        ("0x800CCC0 is too short", None),
    ],
)
def test_error_numbers(text: str, number: str | None) -> None:
    assert messages.number(text) == number


def test_products_versions_and_systems() -> None:
    found = products.applies(
        (
            (0, "The Microsoft Network version 5.4"),
            (0, "Microsoft Exchange Server, versions 5.0, 5.5"),
            (0, "Microsoft Internet Explorer version 3.02 for Windows 95"),
            (0, "Microsoft Visual C++, 32-bit Edition, version 6.0, used with:"),
            (3, "the operating system: Microsoft Windows NT"),
            (0, "Microsoft Windows NT Server version 4.0, Terminal Server Edition"),
        ),
        {},
    )
    assert found.distinguish == {
        "product": [
            "the-microsoft-network",
            "exchange-server",
            "internet-explorer",
            "visual-cpp-32-bit-edition",
            "windows-nt-server-terminal-server-edition",
        ],
        "version": [
            "the-microsoft-network-5.4",
            "exchange-server-5.0",
            "exchange-server-5.5",
            "internet-explorer-3.02",
            "visual-cpp-32-bit-edition-6.0",
            "windows-nt-server-terminal-server-edition-4.0",
        ],
        "system": ["windows-95", "windows-nt"],
    }
    assert found.named["version"]["exchange-server-5.5"] == "Microsoft Exchange Server 5.5"
    assert found.named["system"]["windows-nt"] == "Microsoft Windows NT"


def test_products_from_the_header_when_nothing_applies() -> None:
    found = products.applies((), {"Product(s)": "Microsoft Mail", "Version(s)": "WINDOWS:3.2"})
    assert found.distinguish == {"product": ["mail"], "version": ["mail-3.2"]}


def test_ids_from_long_names_stay_short() -> None:
    ident = products.slug("ODBC for Oracle, versions build 2.73.7269, build 2.73.7283.01, b 2")
    assert len(ident) <= products.LONGEST
    assert products.slug("Microsoft Visual C++ 6.0") == "microsoft-visual-cpp-6.0"
