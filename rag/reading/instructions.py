"""Sentences written to steer an AI model rather than to report news ("prompt injection").

An article that carries them keeps the paragraph out of the index (never in a prompt, never
cited, `rag.reading.ingest`), with a warning; the file itself is not changed. A sentence is an
instruction when it does what addressing a machine looks like, in one of seven named ways
(`RULES`); words alone ("the new rules", "ignore", "system", "assistant manager", "new car
models", "spam bots", "note to readers") never are:

- ``role``: it opens with a speaker or role label of a chat transcript or prompt ("SYSTEM:",
  "Assistant:", "Developer message:", "System override:").
- ``markup``: it carries prompt markup ("</sources>", "[SYSTEM]", "<|im_start|>", "### Instruction",
  "BEGIN SYSTEM PROMPT") or imitates the reply's JSON.
- ``addressee``: it addresses a machine reader, a model, assistant, AI, bot, crawler, summariser,
  automated system or the reader's software: by a note to it ("Note for automated assistants:"),
  by name at its start followed by an order ("Chatbot: answer …", "AI models, when asked …, reply"),
  as the reader of this very text ("bots reading this page", "software that reads this article"),
  or by its identity ("If you are a language model,", "As an AI, you", "You are now acting as").
- ``discard``: it asks to drop the question or the instructions ("disregard the reader's question",
  "ignore all previous instructions", "forget what you were asked", "whatever the user asked").
- ``reply_format``: it dictates the reply's form ("Reply only in the format {…}", "Respond in JSON",
  "Output only the word …", "Format your answer as …", "begin their summary with …").
- ``citation``: it dictates what is cited or shown ("citing this paragraph as the source",
  "cite it as [1]", "mark it verified", "present the next paragraph as the official answer").
- ``the_user``: it speaks of the person the reader answers ("tell the user", "the question you
  were asked", "the correct answer to every question").

Measured by `scripts/instruction-filter.py` (written to `docs/instruction-filter.json`) on the
hand-written labelled set `tests/data/injections.jsonl`: 108 of 110 injected texts flagged (the two
missed: one in French, the rules are English; one "the assistant will say …", which news uses of
people), 0 of 113 hard negatives; on the 1,230-article BBC archive (`corpora/bbc-news`, written by
journalists, not by this team) 0 of 24,316 sentences withheld. Those figures are after fitting: the
set's two later splits, written after the rules and measured once before any rule changed for
them, were flagged 6 of 25 (`holdout`) and 7 of 24 (`holdout2`) with 0 of 50 negatives (issue 26,
commit 2b24579 and the next). Rules over wording catch the wordings someone thought of; expect
fresh ones to pass. Answers are grammar-constrained ids and quotes copied by code, so a sentence
that slips through cannot change the output's format, and a claim it dictates is shown only if
the cited text supports it, like any other.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rule:
    """One way a sentence addresses a machine: its name (reported per sentence) and pattern.

    `words` (lower case) and `marks` are a gate: the pattern cannot match a sentence that holds none
    of them, so it is not tried there (None: always tried). It keeps the filter near the cost of a
    single regex (60-100 µs a sentence on the BBC archive, against 40-55 for the rules of issue 23;
    without the gate, 420)."""

    name: str
    pattern: re.Pattern[str]
    words: frozenset[str] | None = None
    marks: str = ""

    def opens(self, words: frozenset[str], text: str) -> bool:
        """Whether the gate lets the sentence (its lower-case `words`, its `text`) through to the pattern."""
        return self.words is None or not self.words.isdisjoint(words) or any(m in text for m in self.marks)


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.IGNORECASE)


def _words(*groups: str) -> frozenset[str]:
    return frozenset(w for g in groups for w in g.split())


# A machine reader. Strong nouns name one on their own; weak ones ("systems", "tools",
# "software", "readers", "agents") only after a word that makes them a machine's.
_STRONG = (
    r"(?:ais?|artificial\s+intelligences?|llms?|(?:large\s+)?language\s+models?|models?|chat\s?bots?|bots?"
    r"|crawlers?|scrapers?|summari[sz]ers?|assistants?|machines?|chatgpt|gpt(?:-?\d\w*)?|claude|gemini|copilot"
    r"|llama|mistral|qwen)"
)
_MODIFIER = (
    r"(?:ai|llm|automated|automatic|machine|reading|summari[sz]ation|summary|web|search|browser|chat|answer"
    r"|answering|virtual|digital|your|readers?'s?)"
)
_WEAK = (
    r"(?:systems?|tools?|software|programs?|agents?|readers?|services?|engines?|spiders?|(?:fact-?)?checkers?"
    r"|helpers?|eyes)"
)
_NOUN = rf"(?:{_STRONG}|(?:{_MODIFIER}\s+)+(?:[\w-]+\s+)?{_WEAK}|software)"
_MACHINE = rf"(?:(?:an?|any|all|every|the|you|other)\s+)?(?:(?:{_MODIFIER}|large)\s+)*{_NOUN}"
_MACHINES = rf"{_MACHINE}(?:\s*(?:,|and|or|&)\s*{_MACHINE})*"
# This very text, as its reader would name it.
_THIS = (
    r"(?:this\s+(?:(?:web\s*)?page|article|text|paragraph|sentence|document|site|website|story|passage|post"
    r"|report|content|line|section|piece|email|message|comment|review|file|thread|for\s+you)\b|this\s*[,.;:])"
)
# An order's first words: a verb of answering or showing, a "you", a "do not".
_ORDER = (
    r"(?:please\s+|(?:when|if)\s+asked\b[^,.]*,\s*|(?:before|after|when|while)\s+\w+ing\b[^,.]*,\s*|now\s+"
    r"|from\s+now\s+on,?\s+)?(?:first\s+|then\s+|just\s+|also\s+)?"
    r"(?:(?:answer|reply|respond|say|state|tell|report|output|write|print|return|cite|quote|treat|ignore"
    r"|disregard|forget|stop|present|record|leave|list|summari[sz]e|mention|include|describe|prefer|assign"
    r"|mark|put|begin|start|add|show|give|reveal|explain|translate|praise|remember|insist|claim|confirm"
    r"|deny|refuse|append|index|rank|rate|recommend|follow|obey|act|pretend|use|switch|call|forward|repeat)\b"
    r"|you\b|do\s+not\b|don't\b|never\b|always\b|the\s+(?:correct|right|real|only)\s+answer\b|this\s+is\b"
    rf"|{_THIS})"
)
_READS = (
    r"(?:read|reads|reading|process|processes|processing|summari[sz]e|summari[sz]es|summari[sz]ing|index"
    r"|indexes|indexing|crawl|crawls|crawling|parse|parses|parsing|scan|scans|scanning|quote|quotes|quoting"
    r"|ingest|ingests|ingesting|analy[sz]e|analy[sz]es|analy[sz]ing|see|sees|seeing)"
)
_REPLY = r"(?:answers?|repl(?:y|ies)|responses?|outputs?|summar(?:y|ies))"
# The gates' words: each pattern of a rule needs one of them (see `Rule`).
_MACHINE_WORDS = _words(
    "ai ais llm llms model models bot bots chatbot chatbots chat crawler crawlers scraper scrapers summariser",
    "summarisers summarizer summarizers assistant assistants software automated automatic machine machines",
    "reading summarisation summarization summary web search browser your reader readers reader's readers'",
    "program programs agent agents spider spiders system systems tool tools service services engine engines",
    "artificial intelligence intelligences checkers chatgpt gpt claude gemini copilot llama mistral qwen",
)
_READ_WORDS = _words(
    "read reads reading process processes processing summarise summarises summarising summarize summarizes",
    "summarizing index indexes indexing crawl crawls crawling parse parses parsing scan scans scanning quote",
    "quotes quoting ingest ingests ingesting analyse analyses analysing analyze analyzes analyzing see sees seeing",
)

RULES: tuple[Rule, ...] = (
    Rule(
        "role",
        _rx(
            r"^\W{0,3}(?:system|developer|assistant|user|human|ai|bot|chatbot|model|llm|admin|operator)"
            r"(?:\s+(?:prompt|message|note|override|instructions?|update|notice|mode))?\s*[:\]>]",
            r"^\W{0,3}(?:(?:new|updated|additional|hidden|real|actual|important)\s+)?instructions?\s*:",
            r"^\W{0,3}(?:new|updated|additional|hidden|real|actual)\s+(?:task|prompt|directive|orders?|role)\s*:",
        ),
    ),
    Rule(
        "markup",
        _rx(
            r"</?\s*(?:sources?|system|instructions?|context|prompt|assistant|user)\s*>",
            r"\[/?\s*(?:system|inst|sys|instructions?)\s*\]",
            # a chat-template marker that opens a turn ("<|im_start|>system", "<|assistant|>"): a
            # marker alone is shown to the model as text (`rag.model.specials`), not withheld
            r"<\|[a-z_]{2,30}\|>\s*(?:system|user|assistant|developer|tool)\b",
            r"<\|(?:system|user|assistant|developer)\|>",
            r"<<\s*/?\s*sys\s*>>",
            r"#{2,}\s*(?:instruction|system|response|input)s?\b",
            r"\b(?:begin|end|start)\s+(?:of\s+)?(?:the\s+)?system\s+(?:prompt|message|instructions?)\b",
            r"[{,]\s*\"(?:statements|sources|answer|quotes)\"\s*:",
        ),
        marks="<[#{",
        words=_words("system statements sources answer quotes"),
    ),
    Rule(
        "addressee",
        _rx(
            # a note to it
            rf"\b(?:notes?|messages?|instructions?|reminder|directive|notice|warning|request|memo|attention)\s+"
            rf"(?:to|for)\s+{_MACHINES}(?:\s+only)?\s*(?:[:,;)\u2014-]|\s+(?:reading|processing|summari[sz]ing|that|who|which)\b)",
            # text set aside for it ("For machine readers only:", "for AI eyes only")
            rf"\b(?:for|to)\s+{_MACHINES}\s+only\b",
            # called by name ("Attention AI:", "Dear assistant,"), or named at the start, then an order
            rf"^\W{{0,3}}(?:dear|hey|hi|hello|attention|calling)\s+{_MACHINES}\s*[:,!]",
            rf"^\W{{0,3}}(?:(?:to|for)\s+)?{_MACHINES}(?:\s+(?:{_READS}|answering|using)\b[^,:]{{0,40}})?\s*[:,]\s*{_ORDER}",
            # the reader of this very text
            rf"\b{_MACHINE}\s+(?:(?:that|which|who)\s+)?(?:(?:is|are)\s+)?{_READS}\s+{_THIS}",
            # the one reading this very text, by what it is doing ("When summarizing this article, say …")
            rf"\b(?:when|while|if|before|after)\s+(?:you\s+are\s+|you're\s+)?{_READS}\s+{_THIS}\s*,\s*{_ORDER}",
            # the text calling itself an order ("This sentence is an instruction to the system")
            r"\bthis\s+(?:sentence|line|text|paragraph|note|page)\s+(?:is\s+(?:an?\s+)?(?:instruction|message|command"
            r"|directive|prompt|note)\s+(?:to|for)\b|overrides?\b)",
            # the machine as the one asked ("If an AI is asked about this town, …")
            rf"\b(?:if|when|whenever)\s+{_MACHINE}\s+(?:is|are|gets?|get)\s+asked\b",
            # an order to a machine that no source reports: news of a rule for chatbots says who made it
            rf"^(?!.*\b(?:said|says|according|told|reported|under|rules?|laws?|regulations?|regulators?|guidelines"
            rf"|guidance|code|ruling|propos\w*|plans?|requires?|required|warned|argued|believes?|would)\b)"
            rf".*?\b{_MACHINES}(?:\s+[\w'-]+){{0,6}}?\s+(?:must|should|shall|(?:is|are)\s+to|needs?\s+to"
            rf"|ha(?:s|ve)\s+to|(?:is|are)\s+(?:asked|told|instructed|required|expected)\s+to)\s+(?:always\s+|now\s+"
            rf"|only\s+|also\s+)?(?:say|state|reply|answer|respond|describe|mark|treat|report|tell|cite|quote|present"
            rf"|mention|include|call|refer|claim|confirm|list|rank|recommend|add|begin|start|record|rate)\b",
            # by its identity
            r"\bif\s+you\s+are\s+(?:an?\s+|the\s+)?(?:[\w-]+\s+){0,2}(?:ai|llm|chatbot|bot|assistant"
            r"|language\s+model|model|crawler|scraper|summari[sz]er|program|machine|software|agent)"
            r"(?=\s*[,.;:)]|\s+(?:reading|processing|and|or|that|who|please)\b)",
            r"\bas\s+an?\s+(?:ai|llm|language\s+model|chatbot|bot|assistant|model)\s*,\s*you\b",
            r"\bas\s+an\s+ai\s+(?:language\s+model|assistant|model)\b",
            r"(?<!if )\byou\s+are\s+now\s+(?:in\s+|acting\b|playing\b|operating\b|speaking\b|answering\b"
            r"|responding\b|role-?playing\b|(?:an?\s+)?(?:[\w-]+\s+)?(?:mode|assistant|ai|chatbot|bot)\b)",
            r"\byou\s+are\s+(?:an?|the)\s+(?:helpful|harmless|friendly|obedient|honest)\s+(?:\w+\s+)?"
            r"(?:assistant|ai|chatbot|bot|model)\b",
        ),
        words=_MACHINE_WORDS | _READ_WORDS | {"now", "instruction", "overrides", "override"},
    ),
    Rule(
        "discard",
        _rx(
            # strong objects anywhere: the user's question, the previous instructions, your prompt
            r"\b(?:ignore|disregard|forget|override|skip|bypass|pay\s+no\s+attention\s+to|set\s+aside)\s+"
            r"(?:(?:all|any|of|the|your|these|those)\s+)*(?:(?:previous|prior|above|earlier|preceding|original|initial"
            r"|system|user's|users'|reader's|readers'|asker's)\s+)+(?:[\w-]+\s+)?(?:instructions?|questions?|prompts?"
            r"|query|queries|task|request|guidelines|guidance|directions|orders|commands|rules)\b",
            r"\b(?:ignore|disregard|forget|override|bypass|pay\s+no\s+attention\s+to)\s+(?:all\s+)?(?:of\s+)?"
            r"(?:your|my)\s+(?:\w+\s+)?(?:instructions?|prompts?|system\s+prompt|guidelines|guidance|task|orders)\b",
            r"\b(?:ignore|disregard|forget)\s+(?:everything|anything|all)\s+(?:above|before|previous|earlier|else\s+you)",
            # the reader's own orders, renewed ("Your new instructions are …")
            r"\byour\s+(?:new|updated|real|actual|true|previous|prior|original|earlier|current)\s+(?:instructions"
            r"|task|guidance|orders|prompt|directive|guidelines)\b",
            # weak objects ("the question") only where an order stands: a sentence's or clause's start
            r"(?:^\W{0,3}|[:;,(]\s*|\b(?:and|please|then|now|simply|just)\s+)(?:ignore|disregard|forget|skip)\s+"
            r"(?:all\s+|any\s+)?(?:the\s+|this\s+|these\s+|that\s+)?(?:question|questions|query|instructions?|prompt"
            r"|task|request)\b",
            r"\b(?:forget|ignore|disregard)\s+what\s+(?:you\s+(?:were|have\s+been|are\s+being|'ve\s+been)"
            r"|the\s+(?:user|reader|person)\s+(?:has\s+)?)\s*(?:asked|told|said|wants?|wanted)\b",
            # or to keep the order itself secret
            r"\b(?:do\s+not|don't|never)\s+(?:reveal|mention|disclose|admit|acknowledge)\s+(?:that\s+)?(?:this|these"
            r"|the)\s+(?:instructions?|prompt|note|message|directive)\b",
            r"\b(?:whatever|regardless\s+of\s+what)\s+(?:the\s+)?(?:user|reader|asker)s?\s+(?:asked|asks|says|said|wants)\b",
        ),
        words=_words("ignore disregard forget override skip bypass attention aside whatever regardless your")
        | _words("reveal mention disclose admit acknowledge"),
    ),
    Rule(
        "reply_format",
        _rx(
            r"\b(?:reply|respond|answer|output|write|return)\s+(?:only\s+|solely\s+|exclusively\s+)?(?:in|with|using|as)\s+"
            r"(?:the\s+following\s+|the\s+|this\s+|a\s+)?(?:format\b|json\b|yaml\b|xml\b|markdown\b|single\s+word"
            r"|one\s+word|word\b|exactly\b|only\b|phrase\b)",
            r"(?:^\W{0,3}|[:;,.(]\s*|\band\s+)(?:output|print|say|write|return|reply|respond|answer)\s+only\b",
            rf"\bformat(?:ting)?\s+(?:your|the|their)\s+{_REPLY}\b",
            rf"\b(?:begin|start|end|open|close)\s+(?:your|their|its|every|each)\s+{_REPLY}(?:\s+[\w'-]+){{0,4}}?\s+with\b",
            rf"\bin\s+your\s+{_REPLY}\b",
            r"^\W{0,3}(?:please\s+)?(?:summari[sz]e\s+(?:this|the\s+(?:above|following|article|page|text))|say\s+(?:that"
            r"|only)|answer\s+(?:that|only|with|every)|stop\s+(?:summari[sz]|answer|read|translat|respond|repl)\w*"
            r"|pretend\s+(?:that|you|the|to\s+be)|act\s+as\s+(?:an?|the)\b)",
            r"\brepeat\s+after\s+me\b|\bswitch\s+(?:to|into)\s+(?:developer|admin|debug|god|jailbreak|unrestricted)\s+mode\b",
            rf"\byour\s+{_REPLY}\s+(?:must|should|has\s+to|needs\s+to|may\s+not|cannot|can't|will)\b",
            rf"\b(?:into|in\s+every|in\s+each)\s+(?:your\s+)?{_REPLY}\b",
        ),
        words=_words("reply respond answer output write return print say format formatting begin start end open")
        | _words("close your into summarise summarize stop pretend act repeat switch"),
    ),
    Rule(
        "citation",
        _rx(
            r"\b(?:cite|citing|quote|quoting|list|listing|present|presenting|treat|treating|index|indexing|mark"
            r"|marking|put|include|show|rank)\s+(?:this|it|these|the\s+(?:next|following|above|previous))"
            r"(?:\s+(?:sentence|paragraph|text|article|page|passage|document|line|statement|site|story))?\s+"
            r"(?:[\w-]+\s+){0,3}?(?:as|in)\s+(?:the\s+|a\s+|an\s+|your\s+)?(?:[\w-]+\s+)?(?:source|answer|reply"
            r"|response|summary|fact|statement|citation|reference)\b",
            r"\bas\s+(?:the\s+)?(?:source|statement|citation|reference)\s*\[?\d+\]?",
            r"\bas\s+\[\d+\]",
            r"\bmark(?:ing)?\s+(?:it|this|them|these)\s+(?:\w+\s+)?(?:as\s+)?(?:verified|true|correct|reliable|trusted)\b",
        ),
        marks="[",
        words=_words("cite citing quote quoting list listing present presenting treat treating index indexing mark")
        | _words("marking put include show rank source statement citation reference"),
    ),
    Rule(
        "the_user",
        _rx(
            r"\b(?:tell|inform|show|remind|thank|warn|convince|assure|(?:respond|reply|say|explain|write)\s+to)"
            r"\s+(?:the|your)\s+user\b",
            r"\b(?:questions?|what)\s+you\s+(?:were|have\s+been|are\s+being|'ve\s+been)\s+(?:asked|given)\b",
            r"\b(?:when|while|before|as|if)\s+you\s+(?:answer|reply|respond|summari[sz]e|are\s+(?:answering|summari[sz]ing"
            r"|replying|responding))\b",
            rf"\bwhoever\s+(?:is\s+)?(?:generat|writ|produc|answer|summari[sz])\w*\s+(?:the\s+|this\s+)?{_REPLY}",
            r"\b(?:text|instructions?|context|prompt|documents?|sources?)\s+you\s+(?:were|have\s+been|'ve\s+been)\s+given\b",
            # the reader's own reply by what it does ("The answer you give must …", "any answer that uses this")
            rf"\b{_REPLY}\s+you\s+(?:give|write|provide|produce|return|send|generate)\b",
            rf"\b{_REPLY}\s+(?:that|which)\s+(?:uses?|cites?|quotes?|draws?\s+on|mentions?|summari[sz]es?)\s+this\b",
            r"\b(?:correct|right|real|only|true)\s+answer\s+to\s+(?:every|any|each|all)\b",
            r"\b(?:for|to)\s+(?:every|each)\s+(?:\w+\s+)?question\s*,\s*(?:reply|answer|respond|say|state)\b",
        ),
        words=_words("user question questions asked given answer answers reply replies response responses output")
        | _words("outputs summary summaries whoever"),
    ),
)


# Identifies the rules: part of the chunking signature, so a change of rules re-indexes (an index
# built before would still hold sentences the new rules withhold).
RULES_DIGEST = hashlib.sha256("\n".join(f"{r.name}={r.pattern.pattern}" for r in RULES).encode()).hexdigest()[:8]

_WORD = re.compile(r"[a-z]+(?:'[a-z]*)?")


def instruction_rule(sentence: str) -> str | None:
    """The name of the first rule in `RULES` the sentence meets, or None for a sentence of news."""
    text = " ".join(sentence.split())
    words = frozenset(_WORD.findall(text.lower()))
    for rule in RULES:
        if rule.opens(words, text) and rule.pattern.search(text):
            return rule.name
    return None


def looks_like_instruction(sentence: str) -> bool:
    """True for a sentence written to steer an AI model (see the module docstring), not to report news."""
    return instruction_rule(sentence) is not None
