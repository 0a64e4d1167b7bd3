"""Who is speaking in a quoted sentence that does not name its speaker.

News copy names a speaker once and then quotes on: “The CT scanner is out of order,” he said.
For "Who said …?" the sentence that holds the words has no name; the speaker stands in the
attribution just before it (`said Osama Abo Ezz`, `Stephen O’Brien, said`) or later in the same
paragraph (`… run out," said Aref al-Aref`). `speaker_of` finds that name in the article's own
text, so a quoted sentence can be shown with its speaker (`attributed`), added in code.
"""

from __future__ import annotations

import functools
import re

from rag.reading.sentences import sentence_at

_NAME = r"(?:de |al-|bin )?[A-Z][a-zA-Z’'-]+(?: (?:al-|de |bin )?[A-Z][a-zA-Z’'-]+){0,3}"
# A job title between "said" and the name: "said LSE chief executive Clara Furse", "said the
# firm's spokesman, Nick Davies". Only these nouns end one: "said shares in Google rose" names no one.
_ROLE = (
    r"(?:executive|spokes(?:man|woman|person)|director|manager|chair(?:man|woman)?|president|minister|"
    r"secretary|analyst|economist|coach|boss|head|founder|leader|officer|official|lawyer|solicitor|barrister|"
    r"captain|singer|actor|actress|producer|editor|professor|governor|commissioner|chancellor|ambassador|"
    r"mayor|senator|adviser|advisor|consultant|researcher|owner|spokesperson)"
)
# The title may go on with what the role is of: "said BA director of commercial planning, Robert Boyle".
_TITLED = (
    rf"(?:(?:the |its |his |her |their )?(?:[A-Z][\w&’'-]*(?:[’']s)? ){{0,2}}(?:[a-z][\w’'-]* ){{0,2}}{_ROLE}"
    rf"(?: (?:of|for) (?:the )?(?:[a-z][\w’'-]* ){{0,2}}[a-z][\w’'-]*)?,? )"
)
# Verbs of saying written before their speaker: '…," said X', '…," replied Mr Sullivan.'
# The others ("warned", "argued") take an object as often ("MPs warned Mr Blair about …"), so they
# name a speaker only where they close a quotation or a clause: after a comma or a closing mark.
_SAYS = (
    r"(?:said|says|added|adds|wrote|writes|asked|asks|told reporters|"
    r"(?:(?<=,\s)|(?<=[”\"]\s))(?:replied|explained|insisted|warned|argued|claimed|stressed|recalled|continued))"
)
# "said Osama Abo Ezz", "told AFP", "said LSE chief executive Clara Furse"
_SAID_NAME = re.compile(rf"\b{_SAYS}\s+(?:{_TITLED}|the [\w-]+,? )?({_NAME})")
# the sentence's own pronoun attribution: ', he said.' at its end
# (or goes on with what else they said: '…", he said, adding that foxes had been killed "legally".')
# Other verbs close a quotation only after its closing mark ('…," he told a Russian court.'); "he
# warned of job losses." is no attribution.
_PRONOUN_SAID = re.compile(
    # (a mark before the pronoun: "schools - which he said included …" is the reporter's sentence)
    r"(?:(?:[,.!?…]\s*[”\"’]?|[”\"’]),?\s+(?:he|she) (?:said|added|says)|[,.!?…]?[”\"’],?\s+(?:he|she) "
    r"(?:told|tells|explained|insisted|warned|argued|stressed|claimed|continued|concluded|replied|wrote|confirmed))"
    r"\b(?:,? adding\b.*|[^.”\"]*)\.?\s*$"
)
# A sentence that opens with the pronoun's attribution: 'He added: "Here in this constituency …',
# 'He told BBC News: "…', 'She said in a statement: "…' (not 'He said the man shouted: "…').
_PRONOUN_OPENS = re.compile(
    # after an opening phrase at most: 'Currently above $40 a barrel, he said: "…'
    # or a conjunction: 'But he added: "…'
    r"^\s*(?:[A-Z][^,“”\"\n]{0,60},\s+(?=he\b|she\b)|(?:But|And|Yet|So)\s+(?=he\b|she\b))?(?:[Hh]e|[Ss]he)\s+"
    r"(?:(?:said|added|says|adds|continued|went on)\s*[:,]?|"
    r"(?:(?:said|added|says|wrote)\s(?:in|on|at|to)|told)\s[^:“\"]{1,40}:)\s*(?=[“\"])"
)
# "he said" between two parts of one quotation: '"It was thought to be like skateboarding," he said,
# "a craze that everyone thought would go away."'
_PRONOUN_MID = re.compile(r",?[”\"’]\s+(?:he|she) (?:said|added|says)\s*,\s*[“\"]")
# What may follow the name of a closing attribution ("…, said Alex Potter at Lehman Brothers."):
# not a quote or a verb, which make the name the subject of what was said ('said Mr Blair "should …').
_AFTER_NAME = re.compile(r"\s*(?:[.,;:!?)]|$|(?:at|of|from|in|on|for|who|with|according|and|to)\b)")
# A person named between an attribution and the quote ("… Mohammad Abu Rajab made an urgent call"):
# the quote may be theirs, so the earlier speaker is not given.
_PERSON = re.compile(r"\b[A-Z][a-z’'-]+(?: (?:al-|de |bin )?[A-Z][a-zA-Z’'-]+)+")  # "Mr McLetchie"
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
# Verbs of saying that attribute what follows to their subject ("Mr Howard denied he had been
# 'playing politics' … "She's not a human shield …""): the quotation after is the subject's.
_SAID_VERB = (
    r"(?:said|says|told|added|denied|insisted|warned|argued|claimed|admitted|stressed|explained|replied|recalled|"
    r"wrote|asked|replies|responded(?! by)|pointed out|noted|suggested|acknowledged|predicted|maintained|believes|"
    # (not the passive: "became the first Scot to be confirmed as a victim")
    r"(?<!be )(?<!is )(?<!was )(?<!were )(?<!are )(?<!been )confirmed|"
    # '"…," Mr Ebbers is reported as saying.'
    r"(?:is|was) (?:reported|quoted) as saying)\b"
)
_PERSON_BEFORE_SAID = rf"\s*(?:[A-Z][a-zA-Z’'-]+ ){{0,3}}(?!(?:{_BODY_WORD})\b)[A-Z][a-zA-Z’'-]+,?\s+{_SAID_VERB}"
# (an aside between commas or dashes: "Lord Bingham - a senior law lord - said")
_NAME_SAID = re.compile(
    rf"({_NAME})(?:,(?!{_PERSON_BEFORE_SAID})[^,.“”\"\n]{{1,80}}|\s[-–—]\s[^.“”\"\n–—-]{{1,80}}\s[-–—])?,?\s+{_SAID_VERB}"
)
# Someone the article does not name: 'A Labour spokesman denied …', '…," a spokeswoman said.',
# '…," said one analyst.' The quotation is theirs, shown as "A Labour spokesman said: “…”", never
# given to a person named earlier.
_UNNAMED = (
    rf"((?:[Aa]n?|[Oo]ne|[Aa]nother)\s+(?:[A-Z][\w’'-]*\s+|[a-z][\w’'-]*\s+){{0,4}}?"
    rf"(?:{_ROLE}|source|aide|insider|friend|colleague|witness|resident|member)s?)"
)
# After a verb of saying, the start of what was reported: 'A spokesman said Downing Street had no
# comment' reports its own words, it does not close the quotation before it.
_REPORTED_CLAUSE = re.compile(r"\s+(?:[A-Z]|(?:that|the|it|he|she|they|there|this|its|his|her)\b)")
_UNNAMED_SAID = re.compile(rf"\b{_UNNAMED},?\s+{_SAID_VERB}")
_UNNAMED_SUBJECT = re.compile(
    rf"\s*(?:(?:But|And|Yet|However|Meanwhile),?\s+|[A-Z][^,“”\"\n]{{0,40}},\s+)?{_UNNAMED},?\s+{_SAID_VERB}"
)
_SAID_UNNAMED = re.compile(rf"\b{_SAYS}\s+{_UNNAMED}")
# A quotation closed by what its speaker is, the verb after: '"…," The Spectator editor told BBC
# Radio 4's Today programme.', '"…," the bank's chief economist said.' (what follows is the attribution)
# (what they are: up to three capitalised words and three others that are no function word,
# "The prime minister's official spokesman", not "the bill and the minister")
_DESCRIPTION = (
    rf"((?:[Tt]he|[Hh]is|[Hh]er|[Ii]ts|[Tt]heir)\s+(?:[A-Z][\w&’'-]*(?:[’']s)?\s+){{0,3}}"
    r"(?:(?!(?:the|a|an|and|or|but|of|in|on|at|to|for|with|who|which|that|said|says|told|has|had|have|"
    rf"is|was|were|are|will|would)\b)[a-z][\w’'-]*\s+){{0,3}}{_ROLE})"
)
_ROLE_SAID = re.compile(rf"[,?!…][”\"]\s+{_DESCRIPTION}\s+{_SAID_VERB}[^“”\"]*$")
# The same description as a sentence's subject before a quotation: 'The prime minister's official
# spokesman said …. "…," he said.' gives the spokesman, as the article describes him.
_DESCRIBED_SAID = re.compile(rf"\b{_DESCRIPTION},?\s+{_SAID_VERB}")
# A quotation's own closing attribution to a description: '"Who can forget …?" asked the magazine.'
_SAID_THE = re.compile(r"[,?!…][”\"]\s+" + _SAYS + r"\s+(the\s+[a-z][\w’'-]*(?:\s+[a-z][\w’'-]*){0,3})\s*[.,]")
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
    + ["Many", "Some", "Others", "Most", "Few", "Several", "Both", "All"]  # "Many suggested …"
    + ["So", "Thus", "Hence", "It's", "It’s", "That's", "That’s", "There's", "There’s"]
    + ["However", "Meanwhile", "Yet", "Still", "Also"]
    # adverbs that open a sentence: "Earlier, she told BBC Radio 4 …" names no one
    + ["Earlier", "Later", "Previously", "Separately", "Elsewhere", "Speaking", "Asked", "Now", "Then", "Today"]
    + ["Yesterday", "Recently", "Indeed", "Instead", "Similarly", "Finally", "Afterwards", "Overall", "Moreover"]
    # conjunctions that open a sentence: "When asked about …, he told …"
    + ["When", "If", "As", "After", "Before", "While", "Although", "Though", "Since", "Once", "Until", "Because"]
    + ["For", "In", "At", "On", "By", "With", "From", "To", "Of"]
)
_MIN_WORDS = 5  # shorter quoted lines are headings ("‘Close to collapse’"), not speech
SPEAKER_REACH = 400  # characters before a quoted sentence searched for its speaker


# Reported speech whose subject is a pronoun: 'He said anyone wanting to use the Mac mini … may find
# it odd …' reports the words of the person named before it, as '"…," he said.' quotes them.
# (after an opening phrase at most: "At home he said many people were turning to …", "During an
# interview on ITV1's This Morning she said …"; not a clause's: "firms which he says were sold …")
_NOT_RELATIVE = r"(?<!which)(?<!who)(?<!whom)(?<!that)(?<!what)(?<!where)(?<!\bas)(?<!\bif)"
_PRONOUN_REPORTS = re.compile(
    rf"^\s*(?:(?:But|And|Yet|So)\s+|[A-Z][^,“”\"\n]{{0,60}}?{_NOT_RELATIVE},?\s+(?=(?:he|she)\s))?"
    rf"(?:[Hh]e|[Ss]he)\s+(?:also\s+)?{_SAID_VERB}"
)


# A view told as the person's own: "His only misgivings were over how easy other consumers …
# would find using the machine." (Ian Fogg's, named before it), "His main concern was the reports
# that …". Not "His comments come as …", which reports when, not what.
_PRONOUN_VIEW = re.compile(
    r"^\s*(?:But\s+|And\s+)?(His|Her)\s+(?:(?:only|main|chief|biggest|greatest|one|own|real)\s+)?"
    r"(?:view|views|misgivings?|concerns?|fears?|hopes?|worry|worries|advice|message|belief|verdict"
    r"|reservations?|prediction|argument|warning)\s+(?:was|were|is|are)\b"
)


def _reports(sentence: str) -> bool:
    """Whether the sentence reports what "he"/"she" said or thinks, in the reporter's words."""
    return _PRONOUN_REPORTS.match(sentence) is not None or _PRONOUN_VIEW.match(sentence) is not None


def reported_by_pronoun(sentence: str) -> bool:
    """Whether a sentence that quotes no one reports what "he"/"she" said ("He said anyone …",
    "But she added that …") or thinks ("His only misgivings were …"): its speaker is found as a
    quotation's "he" is (`speaker_at`)."""
    return _reports(sentence) and not is_quotation(sentence)


def is_quotation(sentence: str) -> bool:
    """A sentence of quoted words: it opens with a quote mark, ends with "…,” he said.", opens
    with 'He added: "…', or closes a quotation it never opened ('… arms and battlefield
    technology from Europe."' after the speaker's sentence, where the copy lost the opening
    mark: 3 sentences of the BBC archive, each a quotation's end)."""
    return (
        sentence.lstrip()[:1] in _QUOTE_MARKS
        or _pronoun_said(sentence)
        or _IT_SAID.search(sentence) is not None
        or (_ENDS_QUOTE.search(sentence) is not None and _OPENS.search(sentence) is None)
    )


_ENDS_QUOTE = re.compile(r'[.!?…]["”]\s*$')
_CLOSE_BEFORE_STOP = re.compile(r'["”]([.!?…])$')
_OPENS = re.compile(r'“|(?:^|(?<=[\s(\[:—–-]))"')


def _pronoun_said(sentence: str) -> bool:
    """Whether a quoted sentence gives its speaker as "he"/"she" ("…,” he said." / 'He added: "…')."""
    return any(p.search(sentence) for p in (_PRONOUN_SAID, _PRONOUN_MID)) or _PRONOUN_OPENS.match(sentence) is not None


def inside_quotation(text: str, start: int) -> bool:
    """Whether `start` lies inside a quotation opened earlier in its paragraph ("Today … And
    what's happening? The place is being utterly destroyed. That's a fact."): the last quotation
    mark before it in its paragraph opens one, and the quotation goes on past it: a mark follows
    in the paragraph (its close, or its reopening in the next paragraph of the copy), or the next
    paragraph opens with one. A quotation the copy never closes ('"In view of … 'wait and see',
    the organisation said in its report. Global growth is expected …') does not take in the
    reporter's next sentences.

    A mark's side is read from its shape (“ opens, ” closes) or, for a straight mark, from what
    stands around it: a space or the paragraph's start before it and a character after it open
    (` "Prices`), anything else closes (`fall."`, `community. " A spokesman`). Counting marks would
    not do: news copy reopens a quotation at each of its paragraphs without closing the last one
    (`said: "This is damaging. Gordon Brown knows it. "I think …`, the paragraphs run together in
    the BBC archive), which leaves an odd count after the quotation has closed ("… bold move.
    "But it shows …" The new iPod …") and an even one inside it.
    """
    return quotation_opening(text, start) is not None


def quotation_opening(text: str, start: int) -> int | None:
    """Where the quotation that `start` lies inside opens (its mark's index in `text`), or None
    when `start` lies inside none opened earlier in its paragraph (`inside_quotation`)."""
    line = text.rfind("\n", 0, start) + 1
    before = text[line:start]
    for i in range(len(before) - 1, -1, -1):
        if before[i] in QUOTATION_MARKS:
            if not _opens(text, line + i):  # read in the text: the mark may be the last before `start`
                return None
            stop = text.find("\n", start)
            rest = text[start : stop if stop >= 0 else len(text)]
            following = text[stop:].lstrip() if stop >= 0 else ""
            goes_on = any(ch in QUOTATION_MARKS for ch in rest) or following[:1] in QUOTATION_MARKS
            return line + i if goes_on else None
    return None


QUOTATION_MARKS = '“”"'  # the marks that open or close a quotation (not apostrophes)


def _opens(text: str, i: int) -> bool:
    """Whether the quotation mark at `text[i]` opens a quotation (see `inside_quotation`)."""
    mark = text[i]
    if mark != '"':
        return mark == "“"
    spaced = i == 0 or text[i - 1].isspace() or text[i - 1] in "([{:—–-"
    return spaced and i + 1 < len(text) and not text[i + 1].isspace()


_CALENDAR = frozenset(
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    + ["January", "February", "March", "April", "May", "June", "July", "August"]
    + ["September", "October", "November", "December"]
)


def _clean(name: str) -> str | None:
    if name[-1:] in "'’":  # "… Betty', he said": the end of quoted words, not a name
        return None
    words = name.split()
    while words and words[0] in _NOT_SPEAKERS:
        words = words[1:]
    if words and words[0] in _CALENDAR:
        # "on Saturday, the organization that supports it said": a day, not a speaker; "on
        # Tuesday Mr Ebbers denied": the day goes, the name stays
        words = words[1:] if len(words) > 1 and words[1][:1].isupper() else []
    # "In Harrogate Mr Kennedy said": the name starts at its title
    titled = next((i for i, w in enumerate(words) if i and w in _HONORIFICS), 0)
    return " ".join(words[titled:]) or None


_HONORIFICS = frozenset(["Mr", "Mrs", "Ms", "Miss", "Dr", "Sir", "Lord", "Lady", "Baroness", "Professor", "Prof"])


# What joins the words of a longer name before the matched one: "Laura Brownlees of Save the
# Children", "the UN's World Summit on the Information Society", "the Department for Transport".
_JOINED = re.compile(
    r"(?:\b(?!(?:For|In|At|On|By|With|From|To|As|After|Of|The|A|An|And|But)\b)[A-Z][\w’'-]*\s+)+"
    r"(?:of|for|on|de|the)\s+(?:the\s+)?$"
)
# A body speaking through someone: "A spokeswoman for Royal Mail said".
# The speaker is then the spokesman as the article writes them ("A spokesman for DaimlerChrysler"),
# not the body alone.
_SPEAKS_FOR = re.compile(
    r"(?:\b(?:an?|the|one|its|his|her|their)\s+(?:[a-z-]+\s+)?)?"
    r"\b(?:spokes(?:man|woman|person)|representative)\s+(?:for|from|of|at)\s+(?:the\s+)?$",
    re.I,
)


def _name_at(text: str, m: re.Match[str]) -> str | None:
    """The speaker an attribution match names in `text`: its name whole ("Laura Brownlees of Save
    the Children", not "Children"), a spokesman as the article writes them ("A spokeswoman for
    Royal Mail" for "a spokeswoman for Royal Mail said"); None when the name is no one's: a place
    after a preposition ("a GP in the Upper Afan Valley, before becoming AM for Aberavon, said"), a
    title ("said the Ealing North MP"; "Tom McCabe MSP said" is Tom McCabe)."""
    name = _clean(m.group(1))
    if not name:
        return None
    at = m.end(1) - len(name)  # _clean drops words from the front only
    while j := _JOINED.search(text, max(0, at - 80), at):
        name, at = text[j.start() : at] + name, j.start()
    before = text[max(0, at - 60) : at]
    spokesman = _SPEAKS_FOR.search(before)
    if _PLACE_BEFORE.search(before) and not spokesman:
        return None
    words = name.split()
    if words[-1] in _TITLES_IN_CAPITALS:
        if len(words) < 3 or before.endswith(("the ", "The ")):
            return None
        words = words[:-1]
    name = _clean(" ".join(words))
    if spokesman and name:
        said_by = before[spokesman.start() :] + name
        return said_by[:1].upper() + said_by[1:]
    return name


# Titles after a name, not part of it: "Tom McCabe MSP", "the Ealing North MP" (a body's
# initials, "the LSE", "GM", speak for it and stay speakers).
_TITLES_IN_CAPITALS = frozenset(["MP", "MPs", "MSP", "MEP", "AM", "MLA", "QC", "TD"])
# Letters after a name in a question ("What did Guy Mansfield QC say …?"): the surname is before them.
POST_NOMINALS = _TITLES_IN_CAPITALS | frozenset(["KC", "OBE", "MBE", "CBE", "KBE", "DBE", "PhD", "Jr", "Sr"])


def without_post_nominals(name: str) -> str:
    """A name without the letters after it ("Guy Mansfield QC", "Guy Mansfield, QC," → "Guy Mansfield")."""
    words = name.strip(" ,").split()
    while words and words[-1].strip(",.") in POST_NOMINALS:
        words.pop()
    return " ".join(words).strip(" ,")


_ACCORDING = re.compile(rf"\baccording to ((?:the )?{_NAME})")
_INTRODUCES = re.compile(r"\s*:\s*[“\"]")  # 'said: "' opens the quotation the sentence gives
_NAME_JUST_SAID = re.compile(rf"({_NAME}),?\s+{_SAID_VERB}")


_NAME_CLOSES = re.compile(rf",\s+({_NAME}),?\s+(?:has\s+|had\s+)?{_SAID_VERB}[^,.“”\"]{{0,60}}[.!?]?\s*$")


def named_speaker(sentence: str) -> str | None:
    """The source a sentence names itself, as its subject or its closing attribution: "Kerry told
    reporters …" (within its first six words), "…, said Osama Abo Ezz." (within its last twelve),
    "…, Ms Short said." (at its end), "The Trafford Centre spokeswoman said …" (what they are, as
    its subject), "according to SAMS" (anywhere). Not a name inside what is reported: in "Sullivan told the court
    that Bernard Ebbers told him …" the speaker is Sullivan, whom a title-less subject-first reading
    finds; a name found nowhere in those places gives None."""
    words = sentence.split()
    head = " ".join(words[:6])
    tail_at = len(" ".join(words[:-12])) if len(words) > 12 else 0
    # the subject may be followed by what they are, past the first six words ("Kaha Kiknavelidze,
    # analyst at Troika Dialog, said: …")
    # (not a name inside the words it quotes: 'The minister said: "Mr Brown said: …"')
    m = next((x for x in _NAME_SAID.finditer(sentence) if not inside_quotation(sentence, x.start())), None)
    if m is not None and m.start() <= len(head) and (name := _name_at(sentence, m)):
        return name
    # or anywhere, where it opens the quotation the sentence gives: "When asked …, the carmaker's
    # chief executive Helmut Panke said: "we will …""
    for pattern in (_NAME_JUST_SAID, _NAME_SAID):  # the name right before the verb first
        for x in pattern.finditer(sentence):
            if _INTRODUCES.match(sentence, x.end()) and not inside_quotation(sentence, x.start()):
                name = _name_at(sentence, x)
                if name:
                    return name
    m = next((x for x in _SAID_NAME.finditer(sentence) if x.start() >= tail_at and _closes(sentence, x)), None)
    if m is not None:
        return _name_at(sentence, m)
    # or its closing attribution with the name first: "…, Ms Short said.", "…, Icstis told the BBC."
    m = _NAME_CLOSES.search(sentence)
    if m is not None and not inside_quotation(sentence, m.start()) and (name := _name_at(sentence, m)):
        return name
    # or what they are, as its subject: "The Trafford Centre spokeswoman said …", "But a
    # Conservative spokeswoman said: …" (a newcomer's finding: shown as the reporter's voice)
    m = _DESCRIBED_SAID.match(sentence) or _UNNAMED_SUBJECT.match(sentence)
    if m is not None:
        return _described(m)
    m = _ACCORDING.search(sentence)
    return _clean(m.group(1)) if m else None


def _described(m: re.Match[str]) -> str:
    """An unnamed speaker as the article describes them, capitalised to open "… said: “…”"."""
    words = " ".join(m.group(1).split())
    return words[:1].upper() + words[1:]


def _speaker_named(text: str, m: re.Match[str]) -> str | None:
    """Who an attribution match in `text` gives: the description of an unnamed source
    (`_UNNAMED_SAID`, `_SAID_UNNAMED`) or of a described one (`_DESCRIBED_SAID`), else the name
    (`_name_at`)."""
    return _described(m) if m.re in (_UNNAMED_SAID, _SAID_UNNAMED, _DESCRIBED_SAID) else _name_at(text, m)


def _closes(sentence: str, m: re.Match[str]) -> bool:
    """Whether a "said <name>" match closes an attribution rather than opens what was said."""
    return _AFTER_NAME.match(sentence, m.end(1)) is not None


_MALE = frozenset(["Mr", "Sir", "Lord"])
_FEMALE = frozenset(["Mrs", "Ms", "Miss", "Lady", "Baroness", "Dame"])
_GENDERED = re.compile(rf"\b({'|'.join(sorted(_MALE | _FEMALE))})\.? (?:[A-Z][a-z]+ )?([A-Z][a-zA-Z’'-]+)\b")
_HE = re.compile(r"\b(?:[Hh]e|[Hh]is|[Hh]im)\b")
_SHE = re.compile(r"\b(?:[Ss]he|[Hh]er)\b")


def _pronoun_gender(sentence: str) -> str | None:
    """The sex of a sentence's speaker pronoun, "m" ("he", "his") or "f" ("she", "her"): the one of
    its attribution ('…," she said.'), else the first in it ("His only misgivings …")."""
    said = _PRONOUN_SAID.search(sentence) or _PRONOUN_MID.search(sentence) or _PRONOUN_OPENS.match(sentence)
    part = said.group(0) if said else sentence
    he, she = _HE.search(part), _SHE.search(part)
    if he and (not she or he.start() < she.start()):
        return "m"
    return "f" if she else None


@functools.lru_cache(maxsize=8)
def _titles(text: str) -> dict[str, frozenset[str]]:
    """Each surname of an article's text and the gendered titles written before it (read once an article)."""
    found: dict[str, set[str]] = {}
    for title, surname in _GENDERED.findall(text):
        found.setdefault(surname, set()).add(title)
    return {k: frozenset(v) for k, v in found.items()}


def _agrees(name: str, gender: str | None, text: str) -> bool:
    """Whether a "he"/"she" of `gender` can be `name`: not when the article gives them a title of
    the other sex ("Ms Short" for Clare Short; "Mr" for a "she"), their own or before their surname
    anywhere in `text`; a surname two people share with both sexes' titles tells nothing."""
    if gender is None:
        return True
    titles = _titles(text).get(name.split()[-1], frozenset()) | ({name.split()[0]} & (_MALE | _FEMALE))
    male, female = bool(titles & _MALE), bool(titles & _FEMALE)
    return not (male != female and (male if gender == "f" else female))


def speaker_of(text: str, start: int, end: int) -> str | None:
    """The name of who speaks the quoted sentence `text[start:end]`, or None when it cannot be told."""
    found = speaker_at(text, start, end)
    return found[0] if found else None


def _own_attribution(text: str, start: int, sentence: str) -> tuple[bool, tuple[str, int] | None]:
    """The quoted sentence's own attribution (`speaker_at`): (True, its speaker and where the name
    stands, or None where it names no one), or (False, None) when the sentence has none."""
    # (read in the text: in a sentence inside a quotation opened before it, "We had what Ken
    # Livingstone said, …" is the speaker's words, not an attribution: a newcomer's finding)
    own = next((x for x in _SAID_NAME.finditer(sentence) if _closes(sentence, x)), None) or next(
        (x for x in _NAME_SAID.finditer(sentence) if not inside_quotation(text, start + x.start())), None
    )
    if own and _clean(own.group(1)):  # its own attribution, even one naming no one ("said the Ealing North MP")
        name = _name_at(sentence, own)
        return True, ((name, start + own.start(1)) if name else None)
    # its own attribution to someone unnamed or described: '…," said a Vodafone spokesman.', '…?"
    # asked the magazine.' ("said the spokesman" is no wrong speaker where an earlier one named him)
    unnamed = _SAID_UNNAMED.search(sentence) or _UNNAMED_SAID.search(sentence) or _SAID_THE.search(sentence)
    if unnamed and not _REPORTED_CLAUSE.match(sentence, unnamed.end()):
        return True, (_described(unnamed), start + unnamed.start(1))
    # a role closing the quotation: '"…," The Spectator editor told BBC Radio 4's Today programme.'
    role = _ROLE_SAID.search(sentence)
    if role:
        return True, (_described(role), start + role.start(1))
    if _IT_SAID.search(sentence):  # "…,” it said.": a body, the subject of a sentence just before
        body = _body_before(text, start)
        if body:
            return True, body
    return False, None


def speaker_at(text: str, start: int, end: int) -> tuple[str, int] | None:
    """Who speaks the quoted sentence `text[start:end]`, and where the name stands in `text`.

    The rest of the sentence's paragraph is read first (the attribution that closes the quote),
    unless the sentence itself ends with "he said"; then the nearest attribution before it, within
    `SPEAKER_REACH` characters and the same article; for "…” he said", one person named after
    that attribution is the pronoun's antecedent instead.
    """
    sentence = text[start:end]
    reported = _reports(sentence)  # "He said anyone …": read as "…," he said.
    if not (is_quotation(sentence) or inside_quotation(text, start) or reported) or len(sentence.split()) < _MIN_WORDS:
        return None
    pronoun = reported or _pronoun_said(sentence)
    gender = _pronoun_gender(sentence) if pronoun else None  # read only where a pronoun is resolved
    if not reported:  # its own, outside its quoted words ('“…,” Kirby said.'; "He said Mr Brown told …" has none)
        told, own = _own_attribution(text, start, sentence)
        if told:
            return own
    if not pronoun:
        stop = text.find("\n", end)
        rest = text[end : stop if stop >= 0 else len(text)][:200]
        m = _closing(rest, still_open=inside_quotation(text, end))
        if m:
            name = _speaker_named(rest, m)
            return (name, end + m.start(1)) if name else None
    # whole sentences: a reach that cuts "Jeffrey Matsuura, director of … at the University of
    # Dayton, said" would leave "University of Dayton, said"
    origin = sentence_at(text, max(0, start - SPEAKER_REACH))[0]
    before = text[origin:start]
    # "said <name>" only where the name closes the attribution: in 'He said Mr Straw was "naive …"'
    # Mr Straw is who it is about, not who speaks
    found = [m for m in _SAID_NAME.finditer(before) if _closes(before, m)] + list(_NAME_SAID.finditer(before))
    found += [*_UNNAMED_SAID.finditer(before), *_SAID_UNNAMED.finditer(before), *_DESCRIBED_SAID.finditer(before)]
    # the nearest attribution; of two that end at one "said", the whole one ("Jeffrey Matsuura,
    # director of … at the University of Dayton, said", not "University of Dayton, said")
    for m in sorted(found, key=lambda m: (-m.end(), m.start())):
        name = _speaker_named(before, m)
        if not name:
            continue
        rest = before[m.end() :]
        # the attribution's own sentence: 'X said Mr McLetchie had been considering retirement. He
        # added: "…' is X's, not Mr McLetchie's
        said_ends = sentence_at(text, origin + m.start(1))[1]
        # not one named in someone's words ('Marr said: "… Gordon Brown knows it"')
        between = [
            (person, origin + m.end() + p.start())
            for p, person in _persons(rest, text, origin + m.end())
            if person not in name
            and origin + m.end() + p.start() >= said_ends
            and (not pronoun or _agrees(person, gender, text))
        ]
        if not between:
            if pronoun and not _agrees(name, gender, text):
                continue  # "he said" after "Ms Taylor said": an earlier attribution may be his
            if pronoun and " " not in name:
                return None  # "he said" after "…, SEPA said": a body is no "he"; one word names no person
            return name, origin + m.start(1)
        # Someone was named after the attribution: "… Abu Rajab made an urgent call. “…” he said."
        # The pronoun points to that person when there is just one; otherwise no one is given.
        if pronoun and len({person for person, _ in between}) == 1:
            return between[-1]
        return None
    if pronoun:  # no attribution within reach: "he" is the subject of the sentence before
        s = _subject_sentence(text, start, gender) if not _another_says(sentence) else None
        m = _SUBJECT.match(text, s, start) if s is not None else None
        name = _clean(m.group(1)) if m else None
        if m and name and " " in name and name.split()[0] not in _CALENDAR and _agrees(name, gender, text):
            return name, m.start(1)
    return None


_PRONOUN_ASIDE = re.compile(rf"(?:,|[”\"])\s+(?:he|she)\s+{_SAID_VERB}")  # "…, he claimed, …", '…," she said'
_CHAIN = 4  # sentences "he" may be carried back over ("X is doubtful. He designed … He thinks … "…," he says.")
_PRONOUN_SUBJECT = {"m": re.compile(r"\s*(?:But |And )?He\b"), "f": re.compile(r"\s*(?:But |And )?She\b")}


def _subject_sentence(text: str, start: int, gender: str | None) -> int | None:
    """Where the sentence that names a pronoun's antecedent starts: the sentence before `start`, or,
    over up to `_CHAIN` sentences that open with the same pronoun or are quoted words without an
    attribution of their own (the same person's, reopened), the first before them. None when that
    one is attributed by a pronoun itself ("Mr Blair has failed …, he claimed": its subject is not
    who speaks, and the chain is lost)."""
    s, e = sentence_at(text, max(0, start - 2))
    chain = _PRONOUN_SUBJECT.get(gender or "")
    walked = False
    for _ in range(_CHAIN):
        if s == 0 or chain is None or not (chain.match(text, s) or _only_words(text[s:e])):
            break
        s, e = sentence_at(text, max(0, s - 2))
        walked = True
    return None if walked and _PRONOUN_ASIDE.search(text[s:e]) else s


_SAYING = re.compile(r"\b(?:said|says|told|added|asked|replied|shouted|yelled|cried|screamed|exclaimed)\b")


def _another_says(sentence: str) -> bool:
    """Whether a second verb of saying stands before a sentence's quotation ('He said the man
    shouted: "…"'): the quoted words are that other speaker's, not the pronoun's."""
    first = min((i for i in (sentence.find(m) for m in QUOTATION_MARKS) if i >= 0), default=len(sentence))
    return len(_SAYING.findall(sentence[:first])) >= 2


def _only_words(sentence: str) -> bool:
    """Whether a sentence is quoted words alone, without an attribution of its own: it opens with
    a quotation mark and nothing but punctuation follows its last mark ('"How much tax …?"'), or it
    closes none (a quotation going on)."""
    body = sentence.strip()
    if body[:1] not in QUOTATION_MARKS or _pronoun_said(body):
        return False  # not quoted, or attributed inside ('"It is," she said, "a disaster."')
    last = max(body.rfind(m) for m in QUOTATION_MARKS)
    return last == 0 or not body[last + 1 :].strip(" .,;:!?…")


# The person a sentence opens with, after an opening phrase at most ("Launching the initiative, Mr
# Blair completed an agility course …"), followed by what they did: the antecedent of the next
# sentence's 'He said: "…'.
_SURNAME = r"[A-Z][a-zA-Z-]*(?:[’'][A-Z][a-zA-Z-]+)?"  # "O'Brien"; not "Castro's"
_SUBJECT = re.compile(
    rf"(?:[A-Z][^,.\n]{{0,60}},\s+)?"
    # what they are, before the name: "Health Secretary John Reid", "backbench Labour MP Karen Buck"
    # (not a pronoun, a verb of saying or a preposition: "But he said Mr Blair had …", "marketing
    # manager at Snappy Snaps")
    r"(?:(?!(?i:he|she|it|they|we|said|says|told|added|who|which|that|is|was|has|had|have|the|a|an|at|of|"
    r"for|in|on|with|from|by|to)\b)[\w-]+ ){0,4}?"
    rf"((?:Mr|Mrs|Ms|Dr|Sir|Lord|Lady|Professor) {_SURNAME}|[A-Z][a-z-]+ {_SURNAME})"
    rf"(?!\s+(?:[a-z-]+\s+)?{_ROLE}\b)"  # "Home Office minister Hazel Blears": the office is not the person
    # and after it: "Mr Hague, 43, told …", "Lord Janner, who is …, branded …", "Mr Khodorkovsky - who
    # has been in jail for more than a year - pleaded …"
    r"(?:,[^,.\n“”\"]{1,80},|\s[-–—]\s[^.\n“”\"–—-]{1,80}\s[-–—])?"
    r"\s+(?!(?:and|or|of|for)\b)[a-z]"
)


_NOT_BODIES = frozenset(
    ["There", "Here", "What", "Why", "How", "Where", "Many", "Some", "Most", "All", "One", "Its", "Their", "His", "Her"]
    + ["These", "Those", "So", "Last", "Next", "Under", "According", "Business", "Monitoring", "Other", "Such"]
    + ["Both", "Each", "Every", "Several", "Few", "Neither", "Either", "Another"]
)
# "…,” it said (in a statement)." closes a body's words; the body is the subject of one of the
# sentences just before ("The BPI is equally quick to condemn …", "Sony has said that …").
_IT_SAID = re.compile(
    r"[,.!?…]?\s*[”\"’],?\s+(?:it|the (?:company|firm|group|bank|airline|retailer|carrier|agency|body|union|"
    r"watchdog|regulator|organisation|organization|club|party|ministry|department|government)) "
    r"(?:said|added|says|adds|concluded|continued)\b[^.”\"]*\.?\s*$"
)
_BODY_SUBJECT = re.compile(
    r"((?:The )?(?!(?:" + "|".join(sorted(_NOT_SPEAKERS | _NOT_BODIES)) + r")\b)"
    r"[A-Z][\w&.-]*(?: (?:of |for |and |& )?[A-Z][\w&.-]*){0,5})\s+"
    r"(?:(?:has|have|had|is|was|will|would|could|also|now|later|then|strongly|equally|itself)\b|"
    + _SAID_VERB
    + r"|[a-z]+(?:ed|es|s)\b)"
)
_BODY_LOOKBACK = 3  # sentences searched for the body of "it said"


def _body_before(text: str, start: int) -> tuple[str, int] | None:
    """The body that one of the sentences just before `start`, in its paragraph, opens with, and
    where it stands; a body whose words an earlier "it said" closed goes on. None when one of them
    opens with a person (a title: "Mr Martin was freed") or none opens with a body."""
    at, paragraph = start, text.rfind("\n", 0, start) + 1
    for _ in range(_BODY_LOOKBACK):
        if at <= paragraph:
            return None  # in its own paragraph only
        s, _end = sentence_at(text, max(0, at - 2))
        if s >= at or s < paragraph:
            return None
        m = _BODY_SUBJECT.match(text, s, at)
        at = s
        if _IT_SAID.search(text[s:_end]):
            return _body_before(text, s)  # the body's words go on: '"…," it said. "Illegal file-sharers …'
        if not m or is_quotation(text[s:_end]):
            continue  # a quotation's subject is the speaker's, not the reporter's ('"China is censoring …
        name = m.group(1)
        if name.split()[0] in _HONORIFICS or (
            " " in name and _PERSON.fullmatch(name) and name.split()[-1] not in _BODIES and not name.startswith("The ")
        ):
            return None  # a person: "it" is not them
        return name, m.start(1)
    return None


# A name followed by what they are ("came from Brian Gammage, vice-president of research at
# Gartner") is a person even after a preposition.
_APPOSED = re.compile(r",\s+(?:a |an |the )?(?:[a-z-]+ ){0,2}(?:" + _ROLE + r"|vice-president|director|analyst)\b")


def _persons(rest: str, text: str, at: int) -> list[tuple[re.Match[str], str]]:
    """The people the reporter names in `rest` (which starts at offset `at` of `text`): two words or
    more, not a body, not after a preposition ("in Bustan al-Qasr") or as an object ("would contest
    Bethnal Green") unless followed by what they are (`_APPOSED`), not inside someone's words."""
    return [
        (p, person)
        for p in _PERSON.finditer(rest)
        if (person := _clean(p.group(0)))
        and " " in person
        and person.split()[-1] not in _BODIES
        and (
            _APPOSED.match(rest, p.end()) is not None
            or not (_PLACE_BEFORE.search(rest[: p.start()]) or _OBJECT_BEFORE.search(rest[: p.start()]))
        )
        and not inside_quotation(text, at + p.start())
    ]


_LEAD = re.compile(r"[\s,”\"’]*")
# "<name> said" ends a closing attribution there; "<name> said:" opens the next quotation instead.
_SAID_ONLY = re.compile(r"\s*(?:[.!?]|,\s+(?:adding|who|the|a|an)\b|$)")


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
    m = _SAID_NAME.match(rest, lead) or _SAID_UNNAMED.match(rest, lead)
    if m:
        return m
    m = _NAME_SAID.match(rest, lead) or _UNNAMED_SAID.match(rest, lead)
    return m if m and _SAID_ONLY.match(rest, m.end()) else None


# A phrase the reporter quotes ('… blocking visits from overseas users for "security reasons".')
# whose words the article gives a named source elsewhere ('Scott Stanzel, a spokesman for the
# Bush-Cheney campaign said: "The measure was taken for security reasons."'). Three words at least:
# of 46 BBC sentences read blind, two-word phrases were as often terms ("control orders", "living
# wills", "local loop") as words (docs/speaker-changes-2026-11-30s.json; with three, 12 changed
# sentences, all right: …-30s2.json). A sentence that names
# its own source ('… asking Mr Finegold if he is a "German war criminal"', '…, say the Tories.')
# gives the phrase to them, not to one who repeats it.
_PHRASE = re.compile(r"[“\"]([^“”\"\n]{3,120})[”\"]")
_PHRASE_WORDS = 3
_SAY_THE = re.compile(r",\s+(?:say|says|said)\s+(?:the\s+)?[A-Z]")


def phrase_speaker(text: str, start: int, end: int) -> tuple[str, int, int] | None:
    """Whose words a phrase quoted in the reporter's sentence `text[start:end]` are: (speaker,
    where the name stands in `text`, the end of the phrase's closing mark in `text`), where the
    same words (case folded) stand once more in the article, inside a quotation outside the
    readers' comments whose speaker `speaker_at` finds or whose sentence names (`named_speaker`);
    None when none does."""
    from rag.reading.comments import is_comment

    sentence = text[start:end]
    person = _PERSON.search(sentence)
    if _SAY_THE.search(sentence):
        return None
    for m in _PHRASE.finditer(text, start, end):
        words = m.group(1).split()
        if len(words) < _PHRASE_WORDS or not _opens(text, m.start()):
            continue
        said = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)", re.I)
        places = list(said.finditer(text))
        if len(places) != 2:  # a term the article uses again ("control orders") is no one's words
            continue
        for w in places:
            if start <= w.start() < end or not inside_quotation(text, w.start()) or is_comment(text, w.start()):
                continue
            s, e = sentence_at(text, w.start())
            found = speaker_at(text, s, e)
            named = None if found else named_speaker(text[s:e])  # 'Scott Stanzel … said: "The measure …"'
            at = text.find(named, s, e) if named else -1
            if named and at >= 0:
                found = named, at
            if found and (person is None or found[0].split()[-1] in person.group(0)):
                return found[0], found[1], m.end()
    return None


def attributed(sentence: str, speaker: str) -> str:
    """The quoted sentence as said by `speaker`: 'Osama Abo Ezz said: “The CT scanner is out of order.”'.

    A sentence whose "he said" goes on with more of what was said ('People had turned out "to
    show en masse …", he said adding that foxes had been killed "legally".'), or that reports
    speech in the reporter's words ('But as BT handled 180 million calls a day monitoring was
    "quite a task in itself", he added.'), keeps every word, the speaker put in brackets after the
    pronoun, as editors do: '…, he [Gavin Patterson] added.'; so does reported speech whose subject
    is the pronoun ("He [Ian Fogg] said anyone …", `reported_by_pronoun`); only words the article
    quotes are put inside quotation marks.
    """
    if reported_by_pronoun(sentence):  # "He said anyone …" → "He [Ian Fogg] said anyone …"
        view = _PRONOUN_VIEW.match(sentence)  # "His [Ian Fogg's] only misgivings were …"
        at = view.end(1) if view else _HE_OR_SHE.search(sentence).end()  # type: ignore[union-attr]
        return f"{sentence[:at]} [{speaker}{'’s' if view else ''}]{sentence[at:]}"
    m = _PRONOUN_SAID.search(sentence) or _IT_SAID.search(sentence)
    if m and (_ADDING.search(m.group(0)) or _reporters_words(sentence)):
        at = _PRONOUN.search(sentence, m.start()).end()  # type: ignore[union-attr]  # the match holds one
        return f"{sentence[:at]} [{speaker}]{sentence[at:]}"
    return f"{speaker} said: “{quoted_words(sentence)}”"


def _reporters_words(sentence: str) -> bool:
    """Whether a sentence ending "he said" is in the reporter's words, quoting a phrase at most: it
    does not open with a quotation mark, and opens one inside or has none ('… monitoring was "quite
    a task in itself", he added.'); 'The CT scanner is out of order," he said.' goes on a quotation
    opened before it."""
    if sentence.lstrip()[:1] in _QUOTE_MARKS:
        return False
    return _OPENS.search(sentence) is not None or not any(ch in sentence for ch in QUOTATION_MARKS)


_ADDING = re.compile(r"\badding\b")
_PRONOUN = re.compile(r"\b(?:he|she|it|the [a-z]+)\b")
_HE_OR_SHE = re.compile(r"\b(?:[Hh]e|[Ss]he)\b")


def _role_cut(sentence: str) -> str:
    """The sentence without a closing attribution to a role (`_ROLE_SAID`), its final mark kept."""
    m = _ROLE_SAID.search(sentence)
    return sentence[: m.start() + 2] if m else sentence


def quoted_words(sentence: str) -> str:
    """The words a quoted sentence quotes, without its quotation marks and its "he said"."""
    core = (
        _PRONOUN_OPENS.sub("", _IT_SAID.sub("", _PRONOUN_SAID.sub("", _PRONOUN_MID.sub(", ", _role_cut(sentence)))))
        .strip()
        .strip(_QUOTE_MARKS)
        .strip()
        .rstrip(",")
    )
    if _OPENS.search(core) is None:
        core = _CLOSE_BEFORE_STOP.sub(r"\1", core)  # '… fight six men".': the mark the copy put before its full stop
    if core[-1:] not in (".", "!", "?", "…"):
        core += "."
    return core
