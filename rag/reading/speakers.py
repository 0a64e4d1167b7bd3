"""Who is speaking in a quoted sentence that does not name its speaker.

News copy names a speaker once and then quotes on: “The CT scanner is out of order,” he said.
For "Who said …?" the sentence that holds the words has no name; the speaker stands in the
attribution just before it (`said Osama Abo Ezz`, `Stephen O’Brien, said`) or later in the same
paragraph (`… run out," said Aref al-Aref`). `speaker_of` finds that name in the article's own
text, so a quoted sentence can be shown with its speaker (`attributed`), added in code.
"""

from __future__ import annotations

import re

_NAME = r"(?:de |al-|bin )?[A-Z][a-zA-Z’'-]+(?: (?:al-|de |bin )?[A-Z][a-zA-Z’'-]+){0,3}"
# A job title between "said" and the name: "said LSE chief executive Clara Furse", "said the
# firm's spokesman, Nick Davies". Only these nouns end one: "said shares in Google rose" names no one.
_ROLE = (
    r"(?:executive|spokes(?:man|woman|person)|director|manager|chair(?:man|woman)?|president|minister|"
    r"secretary|analyst|economist|coach|boss|head|founder|leader|officer|official|lawyer|solicitor|barrister|"
    r"captain|singer|actor|actress|producer|editor|professor|governor|commissioner|chancellor|ambassador|"
    r"mayor|senator|adviser|advisor|consultant|researcher|owner|spokesperson)"
)
_TITLED = rf"(?:(?:the |its |his |her |their )?(?:[A-Z][\w&’'-]*(?:[’']s)? ){{0,2}}(?:[a-z][\w’'-]* ){{0,2}}{_ROLE},? )"
# "said Osama Abo Ezz", "told AFP", "said LSE chief executive Clara Furse"
_SAID_NAME = re.compile(rf"\b(?:said|says|added|told reporters)\s+(?:{_TITLED}|the [\w-]+,? )?({_NAME})")
# the sentence's own pronoun attribution: ', he said.' at its end
_PRONOUN_SAID = re.compile(r"[,.!?…]?\s*[”\"’]?,?\s+(?:he|she) (?:said|added|says)\b[^.”\"]*\.?\s*$")
# A sentence that opens with the pronoun's attribution: 'He added: "Here in this constituency …'.
_PRONOUN_OPENS = re.compile(r"^\s*(?:He|She)\s+(?:said|added|says|adds|continued|went on)\s*[:,]?\s*(?=[“\"])")
# What may follow the name of a closing attribution ("…, said Alex Potter at Lehman Brothers."):
# not a quote or a verb, which make the name the subject of what was said ('said Mr Blair "should …').
_AFTER_NAME = re.compile(r"\s*(?:[.,;:!?)]|$|(?:at|of|from|in|on|for|who|with|according|and|to)\b)")
# A person named between an attribution and the quote ("… Mohammad Abu Rajab made an urgent call"):
# the quote may be theirs, so the earlier speaker is not given.
_PERSON = re.compile(r"\b[A-Z][a-z’'-]+(?: (?:al-|de |bin )?[A-Z][a-z’'-]+)+")
# Names of bodies, not people ("the UN Security Council", "the Syrian Observatory"): not a speaker in between.
_BODIES = frozenset(
    [
        "Council",
        "Nations",
        "Ministry",
        "Society",
        "Agency",
        "Army",
        "Forces",
        "Force",
        "Observatory",
        "Organization",
        "Organisation",
        "Front",
        "Department",
        "Office",
        "Committee",
        "Hospital",
        "Union",
        "Court",
        "Assembly",
        "Government",
        "Command",
        "Coalition",
        "News",
        "Association",
        "Party",
        "Group",
        "Commission",
        "Federation",
        "Institute",
        "Foundation",
        "Trust",
        "Bank",
        "Authority",
        "Board",
        "Service",
    ]
)
# "Stephen O’Brien, said", "James Bays, reporting from the Swiss city, said", "Kerry told"; not
# "east London, Mr Galloway said", where a person's name right before "said" is the speaker, not an
# apposition of "London" (a body there is one: "Colin Asplin, Blackpool Hotel Association said").
_BODY_WORD = "|".join(sorted(_BODIES))
_SAID_VERB = r"(?:said|says|told|added)\b"
_PERSON_BEFORE_SAID = rf"\s*(?:[A-Z][a-zA-Z’'-]+ ){{0,3}}(?!(?:{_BODY_WORD})\b)[A-Z][a-zA-Z’'-]+,?\s+{_SAID_VERB}"
_NAME_SAID = re.compile(rf"({_NAME})(?:,(?!{_PERSON_BEFORE_SAID})[^,.“”\"\n]{{1,60}})?,?\s+{_SAID_VERB}")
# "in Bustan al-Qasr", "from Abu Dhabi": after a preposition, a name is a place, not a person.
_PLACE_BEFORE = re.compile(r"\b(?:in|at|from|of|near|to|into|on|for|by|with|across|around)\s+(?:the\s+)?$", re.I)
# A name right after a lower-case word that is no job title stands as an object ("would contest
# Bethnal Green"), not as the one who speaks next ("hospital administrator Mohammad Abu Rajab").
_OBJECT_BEFORE = re.compile(
    rf"\b(?!{_ROLE}\b|radiologist\b|administrator\b|surgeon\b|doctor\b|worker\b|coordinator\b|and\b)"
    r"[a-z][a-z’'-]*\s+$"
)
_QUOTE_MARKS = '“”"‘’'
_NOT_SPEAKERS = frozenset(
    ["The", "A", "An", "It", "He", "She", "They", "We", "I", "You", "This", "That", "But", "And", "Who"]
    # pronouns of no one in particular: '"Nobody told us …"' names no speaker
    + ["Nobody", "Somebody", "Someone", "Everyone", "Everybody", "Anyone", "Anybody", "No", "Nothing", "Everything"]
    + ["However", "Meanwhile", "Yet", "Still", "Also"]
)
_MIN_WORDS = 5  # shorter quoted lines are headings ("‘Close to collapse’"), not speech
SPEAKER_REACH = 400  # characters before a quoted sentence searched for its speaker


def is_quotation(sentence: str) -> bool:
    """A sentence of quoted words: it opens with a quote mark, ends with "…,” he said.", or opens
    with 'He added: "…'."""
    return sentence.lstrip()[:1] in _QUOTE_MARKS or _pronoun_said(sentence)


def _pronoun_said(sentence: str) -> bool:
    """Whether a quoted sentence gives its speaker as "he"/"she" ("…,” he said." / 'He added: "…')."""
    return _PRONOUN_SAID.search(sentence) is not None or _PRONOUN_OPENS.match(sentence) is not None


def inside_quotation(text: str, start: int) -> bool:
    """Whether `start` lies inside a quotation opened earlier in its paragraph ("Today … And
    what's happening? The place is being utterly destroyed. That's a fact.")."""
    before = text[text.rfind("\n", 0, start) + 1 : start]
    return before.count("“") > before.count("”") or before.count('"') % 2 == 1


def quotation_goes_on(text: str, start: int) -> bool:
    """Whether the quotation open where a sentence starts goes on into it: the next quotation mark
    from there, in its paragraph, closes (”, or a straight mark right after a word: `order," he said`) rather
    than opens one. News copy that reopens a quotation at each sentence without closing it ("…
    bold move. "But it shows …") leaves an odd count of marks, so the count alone would take the
    reporter's next sentence for the speaker's words."""
    stop = text.find("\n", start)
    rest = text[start : stop if stop >= 0 else len(text)]
    m = re.search(r'[“”"]', rest)
    if m is None:
        return False
    if m.group(0) != '"':
        return m.group(0) == "”"
    return m.start() > 0 and not rest[m.start() - 1].isspace()


_CALENDAR = frozenset(
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    + ["January", "February", "March", "April", "May", "June", "July", "August"]
    + ["September", "October", "November", "December"]
)


def _clean(name: str) -> str | None:
    words = name.split()
    while words and words[0] in _NOT_SPEAKERS:
        words = words[1:]
    if not words or words[0] in _CALENDAR:
        return None  # "on Saturday, the organization that supports it said": a day, not a speaker
    return " ".join(words)


_ACCORDING = re.compile(rf"\baccording to ((?:the )?{_NAME})")


def named_speaker(sentence: str) -> str | None:
    """The source a sentence names itself, as its subject or its closing attribution: "Kerry told
    reporters …" (within its first six words), "…, said Osama Abo Ezz." (within its last twelve),
    "according to SAMS" (anywhere). Not a name inside what is reported: in "Sullivan told the court
    that Bernard Ebbers told him …" the speaker is Sullivan, whom a title-less subject-first reading
    finds; a name found nowhere in those places gives None."""
    words = sentence.split()
    head = " ".join(words[:6])
    tail_at = len(" ".join(words[:-12])) if len(words) > 12 else 0
    m = _NAME_SAID.search(head)
    if m is None:
        m = next((x for x in _SAID_NAME.finditer(sentence) if x.start() >= tail_at and _closes(sentence, x)), None)
    m = m or _ACCORDING.search(sentence)
    return _clean(m.group(1)) if m else None


def _closes(sentence: str, m: re.Match[str]) -> bool:
    """Whether a "said <name>" match closes an attribution rather than opens what was said."""
    return _AFTER_NAME.match(sentence, m.end(1)) is not None


def speaker_of(text: str, start: int, end: int) -> str | None:
    """The name of who speaks the quoted sentence `text[start:end]`, or None when it cannot be told."""
    found = speaker_at(text, start, end)
    return found[0] if found else None


def speaker_at(text: str, start: int, end: int) -> tuple[str, int] | None:
    """Who speaks the quoted sentence `text[start:end]`, and where the name stands in `text`.

    The rest of the sentence's paragraph is read first (the attribution that closes the quote),
    unless the sentence itself ends with "he said"; then the nearest attribution before it, within
    `SPEAKER_REACH` characters and the same article; for "…” he said", one person named after
    that attribution is the pronoun's antecedent instead.
    """
    sentence = text[start:end]
    if not (is_quotation(sentence) or inside_quotation(text, start)) or len(sentence.split()) < _MIN_WORDS:
        return None
    own = next((x for x in _SAID_NAME.finditer(sentence) if _closes(sentence, x)), None) or _NAME_SAID.search(sentence)
    if own and _clean(own.group(1)):
        return _clean(own.group(1)) or "", start + own.start(1)
    if not _pronoun_said(sentence):
        stop = text.find("\n", end)
        rest = text[end : stop if stop >= 0 else len(text)][:200]
        m = _closing(rest, still_open=inside_quotation(text, end))
        if m:
            name = _clean(m.group(1))
            return (name, end + m.start(1)) if name else None
    origin = max(0, start - SPEAKER_REACH)
    before = text[origin:start]
    found = [m for pattern in (_SAID_NAME, _NAME_SAID) for m in pattern.finditer(before)]
    for m in sorted(found, key=lambda m: -m.end()):
        name = _clean(m.group(1))
        if not name:
            continue
        rest = before[m.end() :]
        between = [
            (person, origin + m.end() + p.start())
            for p in _PERSON.finditer(rest)
            if (person := _clean(p.group(0)))
            and " " in person
            and person not in name
            and person.split()[-1] not in _BODIES
            and not _PLACE_BEFORE.search(rest[: p.start()])
            and not _OBJECT_BEFORE.search(rest[: p.start()])
        ]
        if not between:
            if _pronoun_said(sentence) and " " not in name:
                return None  # "he said" after "…, SEPA said": a body is no "he"; one word names no person
            return name, origin + m.start(1)
        # Someone was named after the attribution: "… Abu Rajab made an urgent call. “…” he said."
        # The pronoun points to that person when there is just one; otherwise no one is given.
        if _pronoun_said(sentence) and len({person for person, _ in between}) == 1:
            return between[-1]
        return None
    return None


_LEAD = re.compile(r"[\s,”\"’]*")
_SAID_ONLY = re.compile(r"\s*(?:[.:!?]|,\s+(?:adding|who|the|a|an)\b|$)")


def _closing(rest: str, *, still_open: bool) -> re.Match[str] | None:
    """The attribution that closes a quote, read after it: `” said Aref al-Aref.`, `” Kerry said.`
    It stands right after the quotation's closing mark (the sentence's own, or a later one when
    the quotation goes on: `still_open`), and "<name> said" ends there; "Theresa May said if the
    party …" is another sentence with its own words, not the quote's speaker (a BBC archive
    answer gave Simon Hart's words to Theresa May that way: docs/eval-bbc-2026-11-29/after, bp003)."""
    close = re.search(r"[”\"]", rest) if still_open else None
    if still_open and close is None:
        return None
    at = _LEAD.match(rest, close.end() if close else 0)
    lead = at.end() if at else 0
    m = _SAID_NAME.match(rest, lead)
    if m:
        return m
    m = _NAME_SAID.match(rest, lead)
    return m if m and _SAID_ONLY.match(rest, m.end()) else None


def attributed(sentence: str, speaker: str) -> str:
    """The quoted sentence as said by `speaker`: 'Osama Abo Ezz said: “The CT scanner is out of order.”'."""
    return f"{speaker} said: “{quoted_words(sentence)}”"


def quoted_words(sentence: str) -> str:
    """The words a quoted sentence quotes, without its quotation marks and its "he said"."""
    core = _PRONOUN_OPENS.sub("", _PRONOUN_SAID.sub("", sentence)).strip().strip(_QUOTE_MARKS).strip().rstrip(",")
    if core[-1:] not in (".", "!", "?", "…"):
        core += "."
    return core
