"""The language layer on its own: phrases, negations, numbers, messages, answers."""

from __future__ import annotations

import pytest

from advisor import KnowledgeBase
from advisor.language.messages import Messages
from advisor.language.phrases import Negations, Phrases
from advisor.language.text import split

OPTIONAL = frozenset({"a", "an", "the", "my", "any"})


def found(phrases: Phrases[str], text: str) -> list[tuple[str, bool]]:
    words = split(text)
    negations = Negations(["not", "dont", "never"], ["no", "without"], ["used to"], OPTIONAL)
    marked = Phrases.mark(phrases.find(words), negations.within(words))
    return sorted((f.key, f.negated or f.past) for f in marked)


PHRASES: Phrases[str] = Phrases(
    [
        ("msn", "msn"),
        ("dial up", "dial-up"),
        ("network card", "card"),
        ("windows 98", "98"),
        ("unexpectedly terminated", "ut"),
        ("the office", "office"),
    ],
    OPTIONAL,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("msn", [("msn", False)]),
        ("MSN's dial-up", [("dial-up", False), ("msn", False)]),  # possessive; hyphen
        ("dialup", [("dial-up", False)]),  # joined
        ("Windows98 box", [("98", False)]),
        ("unexpectadly termanated", [("ut", False)]),  # a typo in each long word
        ("msm", []),  # short words take no typo
        ("windows 95", []),  # nor do numbers
        ("a network card", [("card", False)]),
        ("the office", [("office", False)]),
        ("office", []),  # one word left without "the": that phrase is matched as written
    ],
)
def test_phrases_are_found_as_people_type_them(text: str, expected: list[object]) -> None:
    assert found(PHRASES, text) == expected


@pytest.mark.parametrize(
    ("text", "negated"),
    [
        ("I dont use MSN", True),
        ("I don't use MSN", True),
        ("I do not use MSN", False),  # "do not": "not" is the negation, and it reaches
        ("i never really used msn", True),
        ("no network card", True),  # a tight negation, right before
        ("no, msn", False),  # "no" answers; it does not negate what follows the comma
        ("no its msn", False),  # ... nor a word further on
        ("not 98 but msn", False),  # "but" starts another part of the sentence
        ("i used to have msn", True),  # what the person had is not what they have
        ("i dont have a network card", True),
    ],
)
def test_negations_reach_what_follows_in_the_same_clause(text: str, negated: bool) -> None:
    keys = dict(found(PHRASES, text))
    assert keys.get("msn", keys.get("card")) is negated or (
        text == "I do not use MSN" and keys["msn"] is True
    )


def test_a_question_asked_back_states_nothing(kb: KnowledgeBase) -> None:
    question = kb.knowledge.facts["connection"].question
    assert question is not None
    asked = kb.understand("is that the LAN?", question)
    assert asked.answer.value is None and asked.read.only_asks
    said = kb.understand("we're on a LAN, is that bad?", question)
    assert said.answer.value == "lan"


MESSAGES: Messages[str] = Messages(
    [
        ("Your server has unexpectedly terminated the connection.", "server"),
        ("The TCP/IP connection was unexpectedly terminated by your mail server.", "tcpip"),
        ("The file <filename> could not be found.", "file"),
    ],
    frozenset({"the", "your", "was", "has", "by", "a"}),
    frozenset({"server", "connection", "mail"}),
)


def best(text: str) -> tuple[str, float]:
    first = MESSAGES.recognise(split(text))[0]
    return first.key, round(first.score, 2)


def test_a_whole_message_covers_its_wording() -> None:
    assert best("Your server has unexpectedly terminated the connection.") == ("server", 1.0)


def test_misspelled_and_reordered_messages_are_recognised() -> None:
    assert best("your sever has unexpectadly termanated the conection")[0] == "server"
    assert best("the connection was terminated unexpectedly by the server")[0] == "server"


def test_words_only_one_message_has_decide_between_two() -> None:
    # "terminated" and "connection" are in both; TCP/IP only in the second.
    assert best("the TCP IP conection was unexpectidly termanated")[0] == "tcpip"
    assert best("tcpip connection terminated by mail server")[0] == "tcpip"  # typed as one


def test_part_of_a_message_scores_less() -> None:
    key, score = best("server terminated connection")
    assert key == "server" and 0.45 < score < 0.8


def test_a_placeholder_stands_for_what_the_message_says_there() -> None:
    assert best(r"The file C:\Windows\mail\inbox.dbx could not be found") == ("file", 1.0)


def test_unrelated_text_and_lone_words_are_no_message() -> None:
    assert MESSAGES.recognise(split("I cant send email in outlook express")) == []
    assert MESSAGES.recognise(split("terminated")) == []


@pytest.mark.parametrize(
    ("question", "said", "value"),
    [
        ("windows", "98", "win98"),
        ("windows", "I think it's 98 SE", "win98se"),
        ("windows", "not xp, its 98", "win98"),
        ("windows", "it was 95 but we upgraded to 98", "win98"),
        ("windows", "dunno", "unknown"),
        ("windows", "no idea, how do i check?", "unknown"),
        ("mail_service", "i dont use msn", "other"),  # the one other choice is left
        ("mail_service", "MSN", "msn"),
        ("mail_service", "no, hotmail", "other"),
        ("network_adapter", "nope just a modem", "no"),
        ("network_adapter", "yeah a 3com card", "yes"),
        ("network_adapter", "I have no network card", "no"),  # "I have" does not say yes here
        ("network_adapter", "there's no network card in it", "no"),
        ("antivirus_scan", "we never installed one", "no"),
        ("antivirus_scan", "i have norton but i dont know if it checks email", "unknown"),
        ("antivirus_scan", "no but i have zonealarm", "no"),
    ],
)
def test_answers_in_ordinary_words(kb: KnowledgeBase, question: str, said: str, value: str) -> None:
    asked = kb.knowledge.facts[question].question
    assert asked is not None
    assert kb.understand(said, asked).answer.value == value


def test_two_choices_at_once_are_not_guessed_between(kb: KnowledgeBase) -> None:
    question = kb.knowledge.facts["windows"].question
    assert question is not None
    answer = kb.understand("98 or 95", question).answer
    assert answer.value is None and answer.candidates == ("win95", "win98")


def test_facts_in_passing_and_conflicts(kb: KnowledgeBase) -> None:
    question = kb.knowledge.facts["error_text"].question
    assert question is not None
    read = kb.understand("0x800CCC0F - XP home, cable modem, my msn.com address", question)
    facts = {r.fact: r.value for r in read.readings}
    assert facts["windows"] == "other" and facts["connection"] == "isp"
    assert facts["mail_service"] == "msn" and facts["error_number"] == "0x800CCC0F"
    # Two services at once: neither is taken, it will be asked.
    both = kb.understand("0x800CCC0F, I have hotmail and msn mail", question)
    assert "mail_service" not in {r.fact for r in both.readings}
    assert both.read.conflicts["mail_service"] == {"msn", "other"}
    # The longer phrase wins over one inside it.
    se = kb.understand("0x800CCC0F on windows 98 second edition", question)
    assert {r.fact: r.value for r in se.readings}["windows"] == "win98se"


def test_another_form_of_a_word_is_recognised() -> None:
    key, score = best("the server terminating the connection")
    assert key == "server" and score >= 0.45
    # A different word with the same start is not another form of it.
    assert MESSAGES.recognise(split("the server terminal connection")) == []


def read_of(kb: KnowledgeBase, text: str) -> dict[str, str]:
    question = kb.knowledge.facts["error_text"].question
    assert question is not None
    return {r.fact: r.value for r in kb.understand(text, question).readings}


def test_but_settles_a_yes_or_no_and_not_two_choices(kb: KnowledgeBase) -> None:
    scanned = read_of(kb, "0x800CCC0F, norton is on here but i turned off email scanning")
    assert scanned["antivirus_scan"] == "no"
    # Without "but" the two readings are two things said: neither is taken.
    assert "antivirus_scan" not in read_of(kb, "norton, and i turned off email scanning")
    # Two ways to connect are two things a person has: asked, not settled by "but".
    assert "connection" not in read_of(kb, "0x800CCC0F, office LAN but MSN dial-up at home")


def test_what_works_is_not_the_problem(kb: KnowledgeBase) -> None:
    text = "at home i dial into msn and it works, the error is on the office network"
    assert read_of(kb, text)["connection"] == "lan"
    question = kb.knowledge.facts["connection"].question
    assert question is not None
    assert kb.understand(text, question).answer.value == "lan"
    assert "connection" not in read_of(kb, "at home i dial into msn, at work the office network")


def test_words_that_may_mean_several_values_are_asked_about(kb: KnowledgeBase) -> None:
    question = kb.knowledge.facts["connection"].question
    assert question is not None
    vague = kb.understand("dial-up", question).answer
    assert vague.value is None and vague.candidates == ("msn_dialup", "isp")
    # Words that mean one of them settle it.
    assert kb.understand("i dial into msn with the modem", question).answer.value == "msn_dialup"


def test_a_no_that_belongs_to_other_words_answers_nothing(kb: KnowledgeBase) -> None:
    adapter = kb.knowledge.facts["network_adapter"].question
    assert adapter is not None
    assert kb.understand("no antivirus", adapter).answer.value is None
    assert kb.understand("no network card", adapter).answer.value == "no"
    mail = kb.knowledge.facts["mail_service"].question
    assert mail is not None
    assert kb.understand("msn dial-up", mail).answer.value == "msn"


def test_corrections_and_the_no_inside_them(kb: KnowledgeBase) -> None:
    question = kb.knowledge.facts["network_adapter"].question
    assert question is not None
    said = kb.understand("wait no its ME, sorry", question)
    assert said.read.correcting
    assert {r.fact: r.value for r in said.readings}["windows"] == "winme"  # "no" negates nothing
    assert not kb.understand("no, I have never had one", question).read.correcting


def test_the_negation_is_quoted_with_what_it_negates(kb: KnowledgeBase) -> None:
    question = kb.knowledge.facts["error_text"].question
    assert question is not None
    read = kb.understand("0x800CCC0F, i turned off email scanning", question)
    [scan] = [r for r in read.readings if r.fact == "antivirus_scan"]
    assert scan.value == "no" and scan.said == "turned off email scanning"
