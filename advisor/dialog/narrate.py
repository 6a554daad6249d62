"""What changed after an answer, in words: what was read from it, which articles now apply
or not (and why), and at the end the tailored steps, or an honest "nothing fits"."""

from __future__ import annotations

from collections.abc import Sequence

from advisor.dialog import resolution, wording
from advisor.dialog.reply import Message
from advisor.inference.facts import Inference, Known
from advisor.knowledge.model import UNKNOWN, Knowledge
from advisor.language.text import excerpt, phrase_words

READ = ("extracted", "confirmed")


def changes(
    knowledge: Knowledge,
    before: Inference | None,
    now: Inference,
    done: bool,
    answers: Sequence[Known],
) -> list[Message]:
    old_known = before.known if before is not None else {}
    old_outcomes = before.outcomes if before is not None else {}
    values = now.values
    out: list[Message] = []
    read = [k for name, k in now.known.items() if k.source in READ and name not in old_known]
    if read:
        out.append(understood(knowledge, read))
    for name, conclusion in now.outcomes.items():
        if name in old_outcomes and old_outcomes[name].status == conclusion.status:
            continue
        article = knowledge.articles[name]
        if conclusion.status == "applies":
            text = wording.DIAGNOSIS.format(source=article.source, title=article.title)
            if article.applies_to:
                text += " " + wording.APPLIES_TO.format(products="; ".join(article.applies_to))
            out.append(Message("diagnosis", text, {"article": name}))
            if article.cause:
                out.append(Message("cause", knowledge.render(article.cause, values)))
        else:
            rule = next(r for r in knowledge.rules if r.id == conclusion.derivation.rule)
            because = knowledge.render(rule.because or "", values)
            text = wording.NOT_APPLICABLE.format(article=name, title=article.title, because=because)
            out.append(Message("not_applicable", text, {"article": name}))
    if done:
        out.extend(ending(knowledge, now, answers))
    return out


def understood(knowledge: Knowledge, read: list[Known]) -> Message:
    """The facts read from what the person wrote, each with the words it was read from when
    they are not simply its name (so a partial message is not echoed back as the whole)."""
    facts = knowledge.facts
    lines = [wording.READ_FROM_TEXT]
    details = []
    for k in read:
        label = facts[k.fact].label(k.value)
        said = k.derivation.said if k.derivation is not None else ""
        line = f"- {facts[k.fact].describe}: {label}"
        if said and _words(said) not in (_words(label), _words(k.value)):
            line += " " + wording.FROM_WORDS.format(said=excerpt(said))
        if k.source == "confirmed":
            line += " " + wording.CONFIRMED
        lines.append(line)
        details.append({"fact": k.fact, "value": k.value, "label": label, "said": said})
    return Message("understood", "\n".join(lines), {"facts": details})


def ending(knowledge: Knowledge, now: Inference, answers: Sequence[Known]) -> list[Message]:
    out: list[Message] = []
    values = now.values
    applying = [a for a, c in now.outcomes.items() if c.status == "applies"]
    for name in applying:
        article = knowledge.articles[name]
        if len(applying) > 1:  # nothing the person said told these apart: say whose steps
            text = wording.STEPS_OF.format(article=name, title=article.title)
            out.append(Message("intro", text, {"article": name}))
        out.extend(resolution.messages(knowledge, article, now.shown, values))
    if applying:
        return out
    if now.outcomes:
        return [Message("no_match", f"{wording.NO_MATCH_AFTER_RULED_OUT} {wording.NEXT_STEPS}")]
    typed = [a.value for a in answers if a.source == "typed" and a.value != UNKNOWN]
    numbers = {p.reads for f in knowledge.facts.values() for p in f.patterns if p.reads}
    number = next((k.value for k in now.known.values() if k.fact in numbers), None)
    if number is not None:
        text = wording.NO_MATCH_NUMBER.format(number=number)
    elif typed:
        text = wording.NO_MATCH_ERROR.format(said=excerpt(typed[-1]))
    else:
        text = wording.NO_MATCH_NOTHING
    return [Message("no_match", f"{text} {wording.NEXT_STEPS}")]


def _words(text: str) -> str:
    return " ".join(phrase_words(text))
