"""Articles into rule files: items and their ids, the conditions read with the target
knowledge base's language, the YAML written, and articles that are skipped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from advisor.importing import base, messages, render
from advisor.importing.conditions import Conditions, branches, heading, leading
from advisor.importing.convert import NO_MESSAGE, NO_STEPS, Imported, Skipped, convert
from advisor.importing.source import read
from advisor.knowledge.loader import load_knowledge
from advisor.knowledge.rulefile import parse

DATA = Path(__file__).resolve().parent / "data" / "kb"


@pytest.fixture(scope="module")
def conditions(tmp_path_factory: pytest.TempPathFactory) -> Conditions:
    """The language of a new knowledge base: the importer's base facts."""
    return Conditions(base.target(tmp_path_factory.mktemp("new")).knowledge)


def imported(conditions: Conditions, qid: str) -> Imported:
    return convert(read(DATA / qid[1:4] / qid / "README.md"), conditions)


def items(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every item of a resolution by its id, sub-items too."""
    out: dict[str, dict[str, Any]] = {}

    def walk(found: list[dict[str, Any]]) -> None:
        for item in found:
            out[item["id"]] = item
            walk(item.get("steps", []))

    walk(data["resolution"]["steps"])
    return out


def advisor_data(imp: Imported) -> dict[str, Any]:
    """The file as advisor reads it (every scalar a string)."""
    data: dict[str, Any] = parse(imp.text(), "test").data
    return data


@pytest.mark.parametrize(
    ("phrase", "when"),
    [
        ("If you are using Windows 98", {"windows": ["win98", "unknown"]}),
        ("If using Windows 98 you will be prompted", {"windows": ["win98", "unknown"]}),
        ("On Windows NT 4.0-based computers", {"windows": ["winnt", "unknown"]}),
        ("If you are running Windows 95 or Windows 98", {"windows": ["win95", "win98", "unknown"]}),
        ("(if you do not have a network adapter)", {"network_adapter": ["no", "unknown"]}),
        ("If you have a network card", {"network_adapter": ["yes", "unknown"]}),
    ],
)
def test_conditions_read_with_the_knowledge_base(
    conditions: Conditions, phrase: str, when: dict[str, Any]
) -> None:
    found = leading(conditions, f"{phrase}, click OK.", step=True)
    assert found.when == {f: v[0] if len(v) == 1 else v for f, v in when.items()}
    assert found.todo is None


@pytest.mark.parametrize(
    ("text", "todo"),
    [
        (
            "If you are running Windows NT 4.0 Service Pack 3, install it.",
            "If you are running Windows NT 4.0 Service Pack 3",
        ),
        ("If Microsoft Exchange is installed, stop it.", "If Microsoft Exchange is installed"),
        ("For Outlook Express 4.x clients, click Tools.", "For Outlook Express 4.x clients"),
    ],
)
def test_a_condition_not_understood_is_a_todo(conditions: Conditions, text: str, todo: str) -> None:
    found = leading(conditions, text, step=True)
    assert (found.when, found.todo) == (None, todo)
    assert leading(conditions, text, step=False).todo is None  # a note is weighed as read


@pytest.mark.parametrize(
    "text",
    [
        "If you are prompted to restart the computer, click Yes.",  # seen while doing it
        "On the Tools menu, click Options.",
        "In Windows Explorer, open the folder.",
        "For more information, see the Help.",
        "Click Properties (if available).",
    ],
)
def test_what_is_not_a_condition(conditions: Conditions, text: str) -> None:
    found = leading(conditions, text, step=True)
    assert (found.when, found.todo) == (None, None)


def test_either_or_becomes_branches(conditions: Conditions) -> None:
    text = (
        "Click either TCP/IP (if you do not have a network adapter) or TCP/IP -> Dial-Up "
        "Adapter (if you do have a network adapter), and then click Properties."
    )
    split, todo = branches(conditions, text)
    assert todo is None
    assert [(b.text, b.when, b.suffix) for b in split] == [
        ("Click TCP/IP, and then click Properties.", {"network_adapter": "no"}, "no"),
        (
            "Click TCP/IP -> Dial-Up Adapter, and then click Properties.",
            {"network_adapter": "yes"},
            "yes",
        ),
        (text, {"network_adapter": "unknown"}, ""),
    ]
    split, todo = branches(conditions, "Click either A (if it is red) or B (if it is blue).")
    assert split == [] and todo == "if it is red; if it is blue"


def test_headings_that_name_what_their_steps_are_for(conditions: Conditions) -> None:
    assert heading(conditions, "Windows NT Server or Workstation 4.0").when == {
        "windows": ["winnt", "unknown"]
    }
    assert heading(conditions, "Install Windows 95").when is None  # says what to do
    assert heading(conditions, "Configure Mail Servers") == heading(conditions, "Method 2")
    assert heading(conditions, "SNA Server 4.0").todo == "SNA Server 4.0"


def test_a_full_article(conditions: Conditions) -> None:
    imp = imported(conditions, "Q900001")
    data = imp.data
    article = data["article"]
    assert article["id"] == "Q900001"
    assert article["title"] == 'OE: Err Msg: Cannot Connect to the "Outgoing" Server'
    assert article["modified"] == "2001-02-05"
    assert article["source"] == (
        "Microsoft Knowledge Base article Q900001 (last modified 05-FEB-2001)"
    )
    assert article["distinguish"] == {
        "product": ["outlook-express", "internet-explorer"],
        "version": ["outlook-express-5.0", "outlook-express-5.5", "internet-explorer-5.0"],
        "system": ["windows-98"],
    }
    assert [(e["id"], e.get("number")) for e in data["errors"]] == [
        ("message-1", "0x800CCC0E"),
        ("message-2", None),
    ]
    assert data["errors"][1]["message"] == (
        "Unable to send the message <filename>. The connection to the server has failed."
    )
    res = data["resolution"]
    assert list(res) == ["symptoms", "cause", "intro", "steps", "more_information"]
    assert res["cause"].endswith("mail server because the dial-up connection is not open yet.")
    assert res["intro"] == "To resolve this problem, follow these steps:"
    assert "421 Service not available" in res["symptoms"]

    found = items(data)
    assert list(found) == [
        "warning-1",
        "step-1",
        "step-1.1",
        "step-1.2",
        "note-1.2",
        "step-1.3",
        "step-1.3.1",
        "step-1.3.2",
        "note-1.3.1",
        "step-2",
        "step-2.1",
        "step-2.2",
        "step-2.3-no",
        "step-2.3-yes",
        "step-2.3",
        "step-2.4",
        "step-2.5",
        "step-2.6",
        "warning-2.1",
        "warning-2.2",
    ]
    assert found["warning-1"]["warning"].startswith("This article explains")  # IMPORTANT:
    assert found["step-1"]["step"] == "Check the Connection"
    assert found["note-1.2"]["when"] == {"windows": ["win95", "unknown"]}
    assert found["step-2.2"]["step"].endswith("click OK:\n\nping mail.example.com")
    assert found["step-2.3-no"] == {
        "id": "step-2.3-no",
        "when": {"network_adapter": "no"},
        "step": "Click Properties, and then type the address of your DNS server.",
    }
    assert found["step-2.3"]["when"] == {"network_adapter": "unknown"}
    assert found["step-2.4"]["when"] == {"windows": ["winnt", "unknown"]}
    assert "when" not in found["step-2.5"]  # "If you are prompted ...": seen while doing it
    assert found["step-2.6"]["todo"] == "If you are running Windows NT 4.0 Service Pack 2"
    assert "when" not in found["step-2.6"]
    assert found["warning-2.2"]["warning"] == "Some providers block port 25."  # CAUTION:
    assert imp.todos == ["If you are running Windows NT 4.0 Service Pack 2"]
    assert res["more_information"].count("-or-") == 1


def test_workaround_steps_headings_and_letters(conditions: Conditions) -> None:
    data = imported(conditions, "Q900004").data
    assert [e["message"] for e in data["errors"]] == [
        "Cannot open the mail folder <folder name>.",
        "The address book could not be loaded.",
        "Working offline",
    ]
    assert data["article"]["distinguish"]["system"] == ["windows-nt"]
    found = items(data)
    assert list(found) == [
        "step-1",
        "step-1.1",
        "step-1.2",
        "step-1.2.a",
        "step-1.2.b",
        "step-2",
        "step-2.1",
    ]
    assert found["step-1"]["when"] == {"windows": ["win95", "win98", "unknown"]}
    assert found["step-2"]["when"] == {"windows": ["winnt", "unknown"]}
    assert "workaround" not in data["resolution"]  # its steps are the steps
    assert data["resolution"]["more_information"] == "Microsoft is researching this problem."


@pytest.mark.parametrize(("qid", "reason"), [("Q900002", NO_MESSAGE), ("Q900003", NO_STEPS)])
def test_skipped_with_a_reason(conditions: Conditions, qid: str, reason: str) -> None:
    with pytest.raises(Skipped) as info:
        imported(conditions, qid)
    assert info.value.reason == reason


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("Err Msg: Cannot Find the Mailbox File...", "Cannot Find the Mailbox File"),
        (
            "Error Message: Disk Is Full When Saving Attachments",
            "Disk Is Full When Saving Attachments",
        ),
        ("ERR MSG:  Invalid Member ID or Password", "Invalid Member ID or Password"),
        ("INFO: How the Mailbox File Grows", None),
        ("Err Msg: Oops", None),  # one word names nothing
    ],
)
def test_a_title_names_the_message_when_symptoms_quote_none(
    title: str, message: str | None
) -> None:
    found = messages.from_title(title)
    assert (found.text if found else None) == message


def test_the_yaml_reads_the_same_everywhere(conditions: Conditions) -> None:
    imp = imported(conditions, "Q900001")
    text = imp.text()
    assert text.startswith(
        "# Imported by advisor from Microsoft Knowledge Base article Q900001.\n"
        "# Review each `todo`, then run `advisor check`.\n"
        "# advisor-import: sha256="
    )
    plain = yaml.safe_load(text)
    assert plain["errors"][0]["number"] == "0x800CCC0E"  # quoted: not an integer
    assert plain["article"]["modified"] == "2001-02-05"  # quoted: not a date
    assert list(plain) == ["format", "article", "errors", "resolution"]
    assert advisor_data(imp)["resolution"]["steps"][2]["steps"][2]["when"] == {
        "network_adapter": "no"
    }
    assert "when: {network_adapter: 'no'}" in text  # a condition on one line
    assert "    message: >\n" in text  # a long text folded


def test_braces_in_an_articles_text_are_not_placeholders(tmp_path: Path) -> None:
    assert render.literal("int main() { return 0; }") == "int main() {{ return 0; }}"


def test_the_mark_tells_an_edited_file(tmp_path: Path) -> None:
    path = tmp_path / "Q1.yaml"
    path.write_text(render.document(["A header."], {"a": "b"}))
    assert render.untouched(path) is True
    path.write_text(path.read_text().replace("a: b", "a: c"))
    assert render.untouched(path) is False
    path.write_text("a: b\n")
    assert render.untouched(path) is None  # not written by the importer


def test_imported_articles_load_as_a_knowledge_base(conditions: Conditions, tmp_path: Path) -> None:
    named: dict[str, dict[str, str]] = {}
    for qid in ("Q900001", "Q900004"):
        imp = imported(conditions, qid)
        (tmp_path / f"{qid}.yaml").write_text(imp.text())
        for fact, ids in imp.named.items():
            named.setdefault(fact, {}).update(ids)
    target = base.Target(tmp_path, conditions.knowledge, ours=True)
    written = base.write_choices(target, named)
    assert written.path == tmp_path / "archive.yaml"
    knowledge = load_knowledge(tmp_path, use_cache=False)
    assert set(knowledge.articles) == {"Q900001", "Q900004"}
    assert "example-mail-client-2.0" in (knowledge.facts["version"].values or {})
