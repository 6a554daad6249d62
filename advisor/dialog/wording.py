"""The sentences advisor itself says, around the knowledge base's own texts.

Article texts (questions, steps, causes, reasons) live in rules/; these are only the frame
of the conversation, gathered here so they read consistently and can be changed in one place.
"""

from __future__ import annotations

GREETING = (
    "Hello. I help you fix e-mail errors: tell me what you see, answer a few questions, "
    "and I will give you the steps that fit your computer."
)
EMPTY = "I did not get an answer. Please answer the question below."
TOO_LONG = (
    "That is too long for me to read ({size:,} bytes; I take up to {limit:,}). "
    "Please paste only the error message."
)
NOT_A_CHOICE = (
    "“{said}” is not one of the choices. Please answer with the number or the name of one "
    "of: {options}."
)
AMBIGUOUS = "“{said}” could mean {options}. Please say which one."
READ_FROM_TEXT = "From what you wrote, I understand:"
FROM_WORDS = "(from “{said}”)"
CONFIRMED = "(you confirmed it)"
HELLO = "Hello."
WELCOME = "You are welcome."
WELCOME_END = "You are welcome. Goodbye, and I hope your mail works again soon."
FIND_OUT = "How to find out: {how}"
NOT_RECOGNISED = (
    "I could not find an error message I know in what you wrote, so I cannot tell yet which "
    "problem it is."
)
NOT_THAT = "All right, not that one."
STILL_NO_ERROR = (
    "Thank you, I noted that. I still need the error: paste the message, type its number, "
    "or pick one below."
)
DID_YOU_MEAN = "Did you mean: “{value}”?"
WHICH_OF_THESE = "Several messages I know read like yours. Which of these is it?"
NONE_OF_THESE = "None of these"
CORRECTED = "I changed {describe} to {new} (it was {old}), as you corrected it."
SAID_OTHERWISE = (
    "You wrote “{said}”, which I read as {describe}: {new}; earlier I had {old}. I kept the "
    "earlier answer: to change it, type /change {fact}."
)
DIAGNOSIS = "This is the problem described in {source}: “{title}”."
STEPS_OF = "For article {article} (“{title}”):"
APPLIES_TO = "The article applies to {products}."
NOT_APPLICABLE = "Article {article} (“{title}”) does not apply to you. {because}"
NO_MATCH_ERROR = "No article in my knowledge base matches “{said}”."
NO_MATCH_NUMBER = "No article in my knowledge base is about error {number}."
NO_MATCH_NOTHING = "Without the error message I cannot tell which article could help."
NO_MATCH_AFTER_RULED_OUT = "No other article in my knowledge base fits your case."
NEXT_STEPS = (
    "What you can do: type /facts to see what I understood, /restart to try again with the "
    "exact message (the number is after “Error Number:” in the error window), or give that "
    "message and what you told me to your mail provider's support."
)
NOTHING_TO_TAKE_BACK = "There is no answer to take back yet."
TOOK_BACK = "I took back your answer to “{question}”, and all I had concluded from it."
CANNOT_CHANGE = "I cannot change “{fact}”. You can change: {options}."
CHANGE_WHAT = "Say what to change, as in /change {example}. You can change: {options}."
NOT_ANSWERED = (
    "You have not told me {what} yet, so there is nothing to change: I will ask when it "
    "matters. You can change: {options}."
)
CHANGEABLE = "{describe} (/change {fact})"
CHANGING = "Let us change that: {question}"
RESTARTED = "Starting again from the beginning."
GOODBYE = "Goodbye. I hope your mail works again soon."
NO_QUESTION = (
    "No question is waiting for an answer. Type /how to see how I came to the advice, or "
    "/facts for what I know."
)
# /why, for the person: what the answer gives, and what that decides (explain.py).
WHY_ASK = "Why I ask about {describe}:"
WHY_READS = "From your answer I read {facts}."
WHY_TELLS = "Your answer tells me {describe}."
WHY_TELLS_ONE_OF = "Your answer tells me {describe}, one of: {values}."
WHY_CHOOSES = "You get {item} if you answer {values}."
WHY_STEPS = "It decides whether you get {items}."
WHY_ARTICLE = "It decides whether the article {article} fits your case."
WHY_ARTICLES = "It decides which of these articles fit your case: {articles}."
WHY_ROUTE = "{describe} decides which articles I consider."
WHY_NOTHING = "Nothing depends on the answer any more."
IDS = "--ids"  # /why --ids, /how --ids, /facts --ids: the rules and patterns by id, for authors
NOTHING_CONCLUDED = "I have not concluded anything yet."
HOW_FACT = "How I know {describe}:"
HOW_UNKNOWN = "I have nothing called “{target}” to explain. Try /how, /how 2.3 or /how windows."
UNKNOWN_COMMAND = "There is no command /{name}. Type /help to see the commands."
HELP = "Commands you can type at any question:"
CANCELLED = "Cancelled. The same question again (Ctrl-D to leave):"
NOTHING_KNOWN = "nothing yet"
WALK_OR_ALL = "Shall I walk you through the steps one at a time? [Y/n] "
WALK_OR_ALL_HINT = "Type y to go step by step, or n to see all the steps at once."
GUIDE_KEYS = "One step at a time. At each step: {keys}."
STEPS_UNCHANGED = "Your steps are the same as before: going on where you were."
SOLVED = "Is the problem solved? [y/n] "
YES_OR_NO = "Please type y or n."
GLAD = "Glad to hear it. Goodbye."
HANDOFF = "Summary for a support agent:"
ENDED = (
    "This conversation is over, so I did not use “{said}”. Start a new conversation to ask again."
)
ENDED_NOTED = (
    "I noted what you wrote, but it does not change the advice above. Type /restart to start "
    "a new conversation."
)


def options(labels: list[str]) -> str:
    """`a`, `a or b`, `a, b or c` (and nothing for no labels)."""
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " or " + labels[-1]
