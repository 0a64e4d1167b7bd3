"""Who speaks a quoted sentence: the article's own attribution, before or after it, or no one."""

from __future__ import annotations

from rag.reading.speakers import attributed, named_speaker, speaker_of

TEXT = (
    '"We have patients who will die in the dozens if they are not evacuated," said Osama Abo Ezz, a general '
    "surgeon and Aleppo coordinator for SAMS.\n\n"
    '"The medical staff is insufficient and completely exhausted. The CT scanner is out of order," he said.\n\n'
    '"Aleppo city\'s hospitals are overwhelmed with wounded people ... Things are starting to run out," said Aref '
    "al-Aref, an intensive care medical worker.\n\n"
    "Sahloul said a small group of patients and doctors were inside the hospital.\n\n"
    "SAMS radiologist and hospital administrator Mohammad Abu Rajab made an urgent call for help from inside M10.\n\n"
    "“The hospital is being destroyed! SOS, everyone!” he said in an audio message distributed to journalists.\n\n"
    "The largest hospital was hit by barrel bombs on Saturday, the medical organization that supports it said.\n\n"
    "“A new barrel bomb fell this afternoon in front of the hospital,” a doctor at M10 told AFP."
)


def _span(piece: str) -> tuple[int, int]:
    start = TEXT.index(piece)
    return start, start + len(piece)


def test_the_speaker_named_before_or_after_the_quote() -> None:
    assert speaker_of(TEXT, *_span('The CT scanner is out of order," he said.')) == "Osama Abo Ezz"
    assert speaker_of(TEXT, *_span("\"Aleppo city's hospitals are overwhelmed with wounded people ...")) == (
        "Aref al-Aref"
    )
    line = 'The CT scanner is out of order," he said.'
    assert attributed(line, "Osama Abo Ezz") == "Osama Abo Ezz said: “The CT scanner is out of order.”"


def test_a_pronoun_is_the_one_person_named_since_and_no_speaker_is_guessed_from_a_day_or_a_place() -> None:
    # Abu Rajab is named between Sahloul's attribution and a quote that "he said": he is the "he".
    assert speaker_of(TEXT, *_span("“The hospital is being destroyed! SOS, everyone!” he said in an audio")) == (
        "Mohammad Abu Rajab"
    )
    # Two people named since the attribution: the pronoun cannot be told, no one is given.
    two = TEXT.replace("made an urgent call", "and Adham Sahloul made an urgent call")
    start = two.index("“The hospital is being destroyed!")
    assert speaker_of(two, start, start + 60) is None
    # "on Saturday, the organization ... said" and "a doctor at M10 told": no person's name.
    assert speaker_of(TEXT, *_span("“A new barrel bomb fell this afternoon in front of the hospital,”")) is None
    # Not a quotation at all.
    assert speaker_of(TEXT, *_span("Sahloul said a small group of patients")) is None


def test_a_sentence_inside_a_longer_quotation_has_the_quotation_s_speaker() -> None:
    text = (
        '"The cause is Assad and Russia," Kerry told reporters during a trip to Colombia. "Today there is no '
        "ceasefire. And what's happening? The place is being utterly destroyed. That's a fact.\"\n\nThe offensive went on."
    )
    start = text.index("The place")
    assert speaker_of(text, start, start + len("The place is being utterly destroyed.")) == "Kerry"
    after = text.index("The offensive")
    assert speaker_of(text, after, after + len("The offensive went on.")) is None


def test_a_later_sentence_with_its_own_words_does_not_name_the_quote_s_speaker() -> None:
    # The shape of a BBC archive answer that gave one person's words to the next person named
    # (docs/eval-bbc-2026-11-29/after, bp003); written fresh, neutral facts.
    text = (
        'Market chair Ann Cole said: "Stalls have traded on this square for 300 years. This will be nothing '
        'more than a short pause in normal trade." Board member Tom Reid said if the council was re-elected '
        "it would reverse the rule.\n\n"
        '"We will open again in May," Ms Cole added.'
    )
    piece = 'This will be nothing more than a short pause in normal trade."'
    start = text.index(piece)
    assert speaker_of(text, start, start + len(piece)) == "Ann Cole"
    # an attribution that closes the quotation still names its speaker
    closing = 'Stalls open at six. "The square is full by nine," said Tom Reid, a board member.'
    s = closing.index('"The square')
    assert speaker_of(closing, s, closing.index(",", s) + 2) == "Tom Reid"


def test_a_job_title_between_said_and_the_name_is_not_the_speaker() -> None:
    from rag.reading.speakers import named_speaker

    text = '"We are confident the bid undervalues the exchange," said LSE chief executive Clara Furse.'
    assert speaker_of(text, 0, len(text)) == "Clara Furse"
    assert named_speaker(text) == "Clara Furse"
    assert named_speaker('"It is a good deal," said the firm\'s spokesman, Nick Davies.') == "Nick Davies"
    # the role may say what it is of (a newcomer's BBC question: BA's Saudi flights)
    boyle = '"It is a difficult one to make," said BA director of commercial planning, Robert Boyle.'
    assert named_speaker(boyle) == "Robert Boyle"
    assert speaker_of(f'{boyle} "However, the routes do not make a profit."', len(boyle) + 1, len(boyle) + 44) == (
        "Robert Boyle"
    )
    # lower-case words that are no job title: no name is taken from what was said
    assert named_speaker("The report said shares in Google rose sharply on the news of the deal.") is None


def test_a_sentence_opening_with_he_added_is_a_quotation_of_the_person_named_before() -> None:
    from rag.reading.speakers import is_quotation, quoted_words

    text = (
        "George Galloway said he would contest Bethnal Green, in London, for Respect.\n\n"
        'He added: "Here in this constituency there is a New Labour stooge MP.'
    )
    start = text.index("He added")
    assert is_quotation(text[start:])
    assert speaker_of(text, start, len(text)) == "George Galloway"
    assert quoted_words(text[start:]) == "Here in this constituency there is a New Labour stooge MP."


def test_the_quoted_words_lose_a_closing_mark_the_copy_put_before_the_full_stop() -> None:
    from rag.reading.speakers import attributed, quoted_words

    # BBC politics/mp-attacked-by-muggers-in-kenya.txt: '… you cannot fight six men".'
    said = '"I knew I had to stay very calm and passive - you cannot fight six men".'
    assert (
        attributed(said, "Mr Davies")
        == "Mr Davies said: “I knew I had to stay very calm and passive - you cannot fight six men.”"
    )
    # a quotation inside the quoted words keeps its marks
    assert quoted_words('"We want a "fair deal".') == 'We want a "fair deal".'
    assert quoted_words("The deal is “done”.") == "The deal is “done”."


def test_a_name_after_said_that_opens_what_was_said_is_not_the_speaker() -> None:
    from rag.reading.speakers import named_speaker

    sentence = 'However, Mr Johnson, who edits a magazine, said Mr Blair "should butt out of" the row.'
    assert named_speaker(sentence) != "Mr Blair"
    assert named_speaker('"The numbers are in line," said analyst Alex Potter at Lehman Brothers.') == "Alex Potter"


def test_a_person_named_right_before_said_is_the_speaker_not_an_apposition_of_a_place() -> None:
    # BBC run at ca43a9b: 'Speaking from a cafe in Brick Lane, east London, Mr Galloway said …' gave
    # "London", so his next quotation ('He added: "…') was shown with no speaker.
    text = (
        "Speaking from a cafe in Brick Lane, east London, Mr Galloway said he was honoured.\n\n"
        'He added: "Here in this constituency there is a New Labour stooge MP.'
    )
    assert speaker_of(text, text.index("He added"), len(text)) == "Mr Galloway"
    # a body after the name is an apposition: the person before it speaks
    text = 'Colin Asplin, Blackpool Hotel Association said: "We have tried very hard."'
    assert speaker_of(text, text.index('"We'), len(text)) == "Colin Asplin"


def _of(text: str, piece: str) -> str | None:
    start = text.index(piece)
    return speaker_of(text, start, start + len(piece))


def test_a_quotation_reopened_at_each_paragraph_goes_on_and_names_inside_it_are_not_the_pronoun_s() -> None:
    # Paragraphs run together as in the BBC archive: the quotation is reopened, never closed, so the
    # sentence between the marks is the speaker's, and "Gordon Brown" (named in Marr's words) is not
    # who "He added" refers to.
    text = (
        'Andrew Marr said: "This is enormously damaging. Gordon Brown knows it as well as Tony Blair. "I think '
        'the relationship is very poor indeed." He added: "Lots of ministers believe Tony Blair will move '
        'Gordon Brown out of the Treasury." The vote is due in May.'
    )
    assert _of(text, "Gordon Brown knows it as well as Tony Blair.") == "Andrew Marr"
    assert _of(
        text, 'He added: "Lots of ministers believe Tony Blair will move Gordon Brown out of the Treasury."'
    ) == ("Andrew Marr")
    assert _of(text, "The vote is due in May.") is None  # after the closing mark: the reporter's


def test_a_quotation_after_a_verb_of_saying_and_one_whose_opening_mark_was_lost() -> None:
    text = (
        'Mr Howard denied he had been "playing politics" by raising the case of Margaret Dixon. And he hit back '
        'at claims he had used Mrs Dixon as a "human shield". "She is not a human shield, she is a human being." '
        'He said Mr Straw was "naive beyond belief" if he accepted the claim. The French want the ban lifted '
        'because they want to sell arms."'
    )
    assert _of(text, '"She is not a human shield, she is a human being."') == "Mr Howard"
    # 'He said Mr Straw was …': Mr Straw is who it is about, so the closing line is still Mr Howard's
    assert _of(text, 'The French want the ban lifted because they want to sell arms."') == "Mr Howard"


def test_he_said_adding_keeps_every_word_with_the_speaker_in_brackets() -> None:
    text = (
        "Countryside Alliance chairman John Jackson said that Saturday had been a demonstration. People had turned "
        'out "to show that the act was a bad law", he said adding that foxes had been killed "legally".'
    )
    line = 'People had turned out "to show that the act was a bad law", he said adding that foxes had been killed "legally".'
    assert _of(text, line) == "John Jackson"
    assert attributed(line, "John Jackson") == line.replace("he said", "he [John Jackson] said")


def test_a_longer_name_is_read_whole_and_no_speaker_comes_from_an_adverb_or_a_title() -> None:
    text = (
        'Laura Brownlees of Save the Children said there were concerns. "We are worried about the children sent '
        'back," she said.\n\nEarlier, she told the programme: "We have written to the minister twice now."\n\n'
        '"I felt guilt in the marrow of my bones," said the Ealing North MP.'
    )
    # the name whole, not "Children"
    assert (
        _of(text, '"We are worried about the children sent back," she said.') == "Laura Brownlees of Save the Children"
    )
    # an opening adverb is no speaker: "she" is the person the paragraph before names
    earlier = 'Earlier, she told the programme: "We have written to the minister twice now."'
    assert _of(text, earlier) == "Laura Brownlees of Save the Children"
    assert _of(text, '"I felt guilt in the marrow of my bones," said the Ealing North MP.') is None


def test_an_unnamed_source_is_the_speaker_not_a_person_named_before() -> None:
    # "A Labour spokesman denied …" stands between Mr Mennear's words and the quotation: it is the
    # spokesman's (a newcomer saw it given to Mr Mennear), shown as the article describes him.
    text = (
        "The campaign was insensitive, Mr Mennear added. A Labour spokesman denied the campaign was anti-Semitic. "
        '"As we said at the time, pigs will fly before the sums add up. This poster is making a serious point," '
        'he said.\n\n"The roaming market is competitive and we expect to resist the charges," said a Vodafone '
        'spokesman.\n\n"It is not right to say that you must be disadvantaged," the spokesman said.'
    )
    assert _of(text, '"As we said at the time, pigs will fly before the sums add up.') == "A Labour spokesman"
    assert _of(text, 'This poster is making a serious point," he said.') == "A Labour spokesman"
    piece = '"The roaming market is competitive and we expect to resist the charges," said a Vodafone spokesman.'
    assert _of(text, piece) == "A Vodafone spokesman"


def test_wrote_and_asked_attribute_and_a_description_is_the_last_resort() -> None:
    text = (
        '"An addiction is something you cannot stop doing in your free time," wrote Travis Anderson, in Texas.\n\n'
        '"Who can forget the first time they held a portable CD player?" asked the magazine.\n\n'
        'Gillian Shepherd remembered how a colleague called all women "Betty". "When I said, \'Look you know my '
        "name isn't Betty', he said, 'ah but you're all the same, so I call you all Betty'.\"\n\n"
        'When asked about the leadership, he told the programme: "That contest is a long way away now."'
    )
    assert _of(
        text, '"An addiction is something you cannot stop doing in your free time," wrote Travis Anderson, in Texas.'
    ) == ("Travis Anderson")
    assert (
        _of(text, '"Who can forget the first time they held a portable CD player?" asked the magazine.')
        == "The magazine"
    )
    # "Betty'" closes quoted words and "When" opens a clause: neither is a speaker
    assert (
        _of(
            text,
            "\"When I said, 'Look you know my name isn't Betty', he said, 'ah but you're all the same, so I call you all Betty'.\"",
        )
        is None
    )
    # "When" opens a clause, not a name: the "he" after it is the person the sentence before names
    # (docs/speaker-changes-2026-11-30m.json; a pronoun's gender is not read: see README)
    asked = 'When asked about the leadership, he told the programme: "That contest is a long way away now."'
    assert _of(f"Mr Clarke said the party was united. {asked}", asked) == "Mr Clarke"


def test_he_said_with_no_attribution_within_reach_is_the_subject_of_the_sentence_before() -> None:
    text = (
        '"It is an important part of education," Mr Blair said. ' + "The plan covers yoga and Tai Chi. " * 12 + "\n\n"
        "Launching the initiative, Mr Blair completed an agility course with students from the Waverley College. "
        'He said: "You have got to bring back school sport now."\n\nOn Tuesday, traders in Asia said the bank sold.'
    )
    assert _of(text, 'He said: "You have got to bring back school sport now."') == "Mr Blair"
    assert named_speaker("On Tuesday, traders in Asia said the bank sold.") is None  # a day is no speaker


def test_reported_speech_ending_he_added_is_not_put_inside_quotation_marks() -> None:
    line = 'But as BT handled 180 million calls a day monitoring was "quite a task in itself", he added.'
    assert attributed(line, "Gavin Patterson") == line.replace("he added", "he [Gavin Patterson] added")
    quoted = '"We are looking at whether we can improve this," he added.'
    assert (
        attributed(quoted, "Gavin Patterson")
        == "Gavin Patterson said: “We are looking at whether we can improve this.”"
    )


def test_it_said_is_the_body_a_sentence_just_before_opens_with_and_never_a_person() -> None:
    text = (
        "He urged people to dump brands. The BPI is equally quick to condemn established brands. "
        "'Networks like eDonkey facilitate illegal filesharing. The BPI strongly believes that any reputable "
        'company should look carefully at their support," it said in a statement. "Illegal file-sharers steal '
        'millions of pounds worth of music. We are sure the companies would not put up with theft," it said.\n\n'
        "Mr Martin was freed from prison in July 2003. "
        '"Householders will be dealt with as swiftly as possible," it said.'
    )
    first = 'The BPI strongly believes that any reputable company should look carefully at their support," it said'
    assert _of(text, first + " in a statement.") == "The BPI"
    # the body's words go on after its first "it said"
    assert _of(text, 'We are sure the companies would not put up with theft," it said.') == "The BPI"
    # "it" is no person, and a body is not looked for in another paragraph
    assert _of(text, '"Householders will be dealt with as swiftly as possible," it said.') is None
    line = '"This move today is the best of both worlds," it said.'
    assert attributed(line, "The British Chambers of Commerce") == (
        "The British Chambers of Commerce said: “This move today is the best of both worlds.”"
    )


def test_inverted_verbs_close_a_quotation_and_a_person_with_a_title_after_from_is_the_antecedent() -> None:
    # "replied X" closes the sentence's own quotation; "warned" without a comma takes an object
    line = '"On that date, yes. I was lying," replied Mr Sullivan.'
    assert _of(line, 'I was lying," replied Mr Sullivan.') == "Mr Sullivan"
    assert named_speaker("Labour MPs this week warned Mr Blair about the dangers of disunity.") is None
    assert named_speaker("Processing claims abroad would not work, argued Mr Blair.") == "Mr Blair"
    # "came from Brian Gammage, vice-president …": a person after a preposition, followed by what he is
    text = (
        '"It is very much a computer," said Mr Fogg. One dissenting opinion came from Brian Gammage, '
        'vice-president of research at analysts Gartner. He said: "I do not think it changes the world."'
    )
    assert _of(text, 'He said: "I do not think it changes the world."') == "Brian Gammage"
    # "the company added" closes a body's words like "it said", and is left out of the quoted words
    emi = (
        'EMI said two albums had been delayed. "Sales in January have been lower than anticipated," the company added.'
    )
    piece = '"Sales in January have been lower than anticipated," the company added.'
    assert _of(emi, piece) == "EMI"
    assert attributed(piece, "EMI") == "EMI said: “Sales in January have been lower than anticipated.”"


def test_he_said_inside_a_quotation_and_he_told_a_programme_attribute_to_the_person_named_before() -> None:
    text = (
        "Peter Molyneux was made an OBE. "
        '"It was thought to be like skateboarding," he said, "a craze that everyone thought would go away." '
        'He told BBC News: "I never would have guessed it." '
        'He said the man shouted: "You have offended my religion."'
    )
    mid = '"It was thought to be like skateboarding," he said, "a craze that everyone thought would go away."'
    assert _of(text, mid) == "Peter Molyneux"
    assert attributed(mid, "Peter Molyneux") == (
        "Peter Molyneux said: “It was thought to be like skateboarding, a craze that everyone thought would go away.”"
    )
    told = 'Mark Oaten spoke after the vote. He told BBC News: "I never would have guessed it."'
    assert _of(told, 'He told BBC News: "I never would have guessed it."') == "Mark Oaten"
    # the words after "the man shouted:" are the man's, not the pronoun's
    assert _of(text, 'He said the man shouted: "You have offended my religion."') is None


def test_the_pronoun_s_antecedent_may_follow_what_they_are_and_be_followed_by_an_aside() -> None:
    """BBC articles (docs/speaker-changes-2026-11-30f.json): 'Health Secretary John Reid earlier
    warned …. He told BBC News: "…"' is Reid's; "Mr Hague, 43, told …" and "Former Labour MP Lord
    Janner, who is …, branded …" name the "He" of the next sentence."""
    cases = {
        "Health Secretary John Reid earlier warned that members would not forgive anybody.": "John Reid",
        "However, backbench Labour MP Karen Buck warned against proposed changes.": "Karen Buck",
        "Mr Hague, 43, told the Daily Telegraph he would now find politics boring.": "Mr Hague",
        "Former Labour MP Lord Janner, who is a member of the community, branded it stupid.": "Lord Janner",
    }
    quote = 'He told BBC News: "Those who inspire these books have to know that they will be found out."'
    for before, speaker in cases.items():
        assert _of(f"{before} {quote}", quote) == speaker
    # an aside that names someone else is not the subject: "who is chairing the Power Inquiry"
    she = quote.replace("He told", "She told")
    text = "Labour peer Baroness Kennedy, who is chairing the Power Inquiry, rejected it. " + she
    assert _of(text, she) == "Baroness Kennedy"
    # and a "he" is not a baroness (issue 28: a pronoun's sex read from the titles the article gives)
    assert _of(text.replace(she, quote), quote) is None


def test_he_told_after_a_closing_mark_is_an_attribution_and_a_dashed_aside_keeps_the_subject() -> None:
    """A newcomer's "Who said …?" on BBC business/yukos-loses-us-bankruptcy-battle.txt was refused:
    '"…," he told a Russian court.' was read as no one's words."""
    from rag.reading.speakers import is_quotation

    before = "Mr Khodorkovsky - who has been in jail for more than a year - pleaded not guilty to the charges."
    quote = '"I pride myself on heading for 15 years a number of successful companies," he told a Russian court.'
    assert _of(f"{before} {quote}", quote) == "Mr Khodorkovsky"
    # "he warned" with no closing mark before it closes no quotation
    assert not is_quotation("Analysts doubt the plan will work, and he warned of job losses.")


def test_a_name_and_a_verb_of_saying_inside_the_quoted_words_are_not_its_attribution() -> None:
    """seeds hand labels: '“The Secretary stressed …,” Kirby said.' had been read as the Secretary's."""
    line = "“The Secretary stressed that the burden remains on Russia to stop this assault,” Kirby said."
    assert _of(line, line) == "Kirby"
    text = (
        "On Thursday, Mr Howard told the Today programme Mr Blair had refused the change. "
        "He said: \"We've had three policy positions in three months. "
        "\"It's not surprising Gordon Brown told him: 'There's nothing you could say to me now.'\""
    )
    assert (
        _of(text, "\"It's not surprising Gordon Brown told him: 'There's nothing you could say to me now.'\"")
        == "Mr Howard"
    )


def test_a_subject_followed_by_what_they_are_names_the_sentence_s_source_and_a_later_he() -> None:
    """A newcomer's run: 'Kaha Kiknavelidze, analyst at Troika Dialog, said: "…' was shown as the
    article's words, and a later '"…," he said.' as the University of Dayton's."""
    line = 'Kaha Kiknavelidze, analyst at Troika Dialog, said: "I think the decision was taken long ago.'
    assert named_speaker(line) == "Kaha Kiknavelidze"
    lead = (
        "Jeffrey Matsuura, director of the law and technology programme at the University of Dayton, "
        "said personal websites can be hazardous."
    )
    assert named_speaker(lead) == "Jeffrey Matsuura"
    quote = '"You have to remember that you don\'t have total free speech anymore," he said.'
    filler = "It was crucial that any policy was expressed clearly and enforced fairly in company policy. " * 3
    assert _of(f"{lead} {filler}{quote}", quote) == "Jeffrey Matsuura"


def test_reported_views_name_their_source_and_quantifiers_name_no_one() -> None:
    """BBC sentences (docs/speaker-changes-2026-11-30j.json): "pointed out", "noted", "believes",
    "acknowledged" report their subject's words; "Many suggested …" and "It's predicted …" name
    no one."""
    from rag.reading.speakers import named_speaker

    assert named_speaker("Lord Browne pointed out that BP was reaping the benefits of its investment.") == "Lord Browne"
    assert (
        named_speaker("Chief constable Mr Hayman acknowledged that binge drinking did cause problems.") == "Mr Hayman"
    )
    assert named_speaker("The Scottish Executive believes that the legislation should be handled by Westminster.") == (
        "Scottish Executive"
    )
    assert named_speaker("Many suggested that the music industry needed to recognise the changes.") is None
    assert named_speaker("It's predicted that by 2006 two billion people will own a mobile phone.") is None
    # an act is no speech: "conceded defeat" reports what he did
    assert named_speaker("Mr Kerry conceded defeat on Wednesday, abandoning last-ditch hopes in Ohio.") is None


def test_a_name_and_verb_just_inside_an_opening_mark_are_the_quoted_words_not_their_attribution() -> None:
    """BBC politics/csa-chief-who-quit-still-in-job.txt: '"So Doug believes that …"' was read as
    Doug's words; the mark just before "So" opens the quotation (docs/speaker-changes-2026-11-30k.json)."""
    text = (
        'Mr Johnson said: "Doug has exceeded the four years that senior civil servants are expected to stay. '
        '"So Doug believes that we have reached the natural breakpoint at which he can hand over the reins."'
    )
    quote = '"So Doug believes that we have reached the natural breakpoint at which he can hand over the reins."'
    assert _of(text, quote) == "Mr Johnson"


def test_a_subject_with_an_aside_between_dashes_names_its_own_sentence() -> None:
    """BBC politics/clarke-defends-terror-detentions.txt: "Lord Bingham - a senior law lord - said the
    rules were incompatible …" had no source, so an answer citing it beside "The Law Lords said …"
    was shown "According to Law Lords: Lord Bingham …" (docs/speaker-changes-2026-11-30l.json)."""
    from rag.reading.speakers import named_speaker

    line = "Lord Bingham - a senior law lord - said the rules were incompatible with the European Convention."
    assert named_speaker(line) == "Lord Bingham"


def test_a_newcomers_quotations_name_their_speakers() -> None:
    """A newcomer's run over the BBC archive (docs/speaker-changes-2026-11-30m.json): a name that
    opens the sentence's quotation past its first words, "replies", a pronoun after an opening
    phrase, and a role closing the quotation."""
    from rag.reading.speakers import attributed, named_speaker

    panke = (
        "When asked if BMW would be seeking compensation from Bosch, the carmaker's chief executive Helmut Panke "
        'said: "we will first solve the problem before talking about who will pay".'
    )
    assert named_speaker(panke) == "Helmut Panke"
    assert named_speaker("Mr Finegold replies: \"No, I'm Jewish, I wasn't a German war criminal.") == "Mr Finegold"
    browne = 'Currently above $40 a barrel, he said: "The price of oil will be well supported above $30 a barrel."'
    assert _of(f"Lord Browne believes oil prices will remain quite high. {browne}", browne) == "Lord Browne"
    editor = '"I don\'t see why the prime minister has to get involved in this," The Spectator editor told BBC Radio 4.'
    before = "However, Mr Johnson, who wrote about hostage Ken Bigley, said Mr Blair should butt out of the row."
    assert _of(f"{before} {editor}", editor) == "The Spectator editor"
    assert attributed(editor, "The Spectator editor") == (
        "The Spectator editor said: “I don't see why the prime minister has to get involved in this.”"
    )


def test_a_conjunction_before_he_added_a_described_subject_and_verbs_after_the_closing_mark() -> None:
    """A newcomer's run over the BBC archive (docs/speaker-changes-2026-11-30n.json): 'But he
    added: "…' is a quotation; a "he" after "The prime minister's official spokesman said …" is the
    spokesman as the article describes him; "is reported as saying" and "confirmed" close a
    quotation or report their subject's words, the passive "to be confirmed" does not; a name
    inside the words a sentence quotes is not its source."""
    from rag.reading.speakers import is_quotation, quoted_words

    added = 'But he added: "We will see what happens next week."'
    assert is_quotation(added)
    assert quoted_words(added) == "We will see what happens next week."
    assert _of(f"Mr Straw spoke to reporters. {added}", added) == "Mr Straw"
    spokesman = '"You cannot, in a modern government, take every decision in Cabinet," he said.'
    before = "The prime minister's official spokesman said the Cabinet met every week."
    assert _of(f"{before} {spokesman}", spokesman) == "The prime minister's official spokesman"
    # a description holds no function word: "the minister", not "the bill and the minister"
    assert _of(f"He read the bill and the minister said no. {spokesman}", spokesman) == "The minister"
    ebbers = '"I did not know what was going on," Mr Ebbers is reported as saying.'
    assert _of(f"The trial went on. {ebbers}", ebbers) == "Mr Ebbers"
    assert named_speaker("Rover confirmed the tie-up would take place soon.") == "Rover"
    assert (
        named_speaker("Edinburgh architect, Dominic Stephenson, became the first Scot to be confirmed as a victim.")
        is None
    )
    assert named_speaker('The minister said: "Mr Brown said: we must act now," the aide said.') == "The minister"


def test_a_spokesman_for_someone_is_the_speaker_as_the_article_writes_them() -> None:
    """ "A spokesman for Mr Blair said …" are the spokesman's words, not Mr Blair's; a body's
    spokesman keeps the body's name (docs/speaker-changes-2026-11-30o.json)."""
    assert named_speaker("A spokesman for Mr Blair said the Prime Minister expected the conference to go well.") == (
        "A spokesman for Mr Blair"
    )
    daimler = (
        "A spokesman for DaimlerChrysler, parent company of Mercedes Benz, said it will have to halt some production."
    )
    assert named_speaker(daimler) == "A spokesman for DaimlerChrysler"
    quote = '"We are investigating a problem with the delivery," a spokesperson from Icstis told the BBC.'
    assert _of(quote, quote) == "A spokesperson from Icstis"


def test_reported_speech_by_a_pronoun_is_the_person_named_before_and_a_long_unnamed_source() -> None:
    """ "He said anyone …" reports the words of the person named before it, as '"…," he said.'
    quotes them; a name inside what he reported is not its source; an unnamed source may be
    described in four words ("a Department of Homeland Security spokeswoman")
    (docs/speaker-changes-2026-11-30p.json)."""
    from rag.reading.speakers import reported_by_pronoun

    before = "Ian Fogg, an analyst at Jupiter Research, said the machine was a good buy."
    he = "He said anyone wanting to use the Mac mini with an old monitor may find it odd."
    assert reported_by_pronoun(he) and not reported_by_pronoun(before)
    assert _of(f"{before} {he}", he) == "Ian Fogg"
    told = "He said Mr Brown told him the tax would not rise this year."
    assert _of(f"{before} {told}", told) == "Ian Fogg"
    hs = (
        '"Amit Yoran has been a valuable contributor on cyber security issues," '
        "said a Department of Homeland Security spokeswoman."
    )
    assert _of(hs, hs) == "A Department of Homeland Security spokeswoman"


def test_a_closing_name_first_attribution_a_described_subject_and_a_pronoun_after_an_opening_phrase() -> None:
    """A newcomer's run over the BBC archive (docs/speaker-changes-2026-11-30q.json, …-r.json):
    "…, Ms Short said." and "The Trafford Centre spokeswoman said …" name their source; "which he
    said included" is the reporter's sentence, not a quotation; "At home he said …" reports the
    person named before."""
    from rag.reading.speakers import is_quotation, reported_by_pronoun

    assert named_speaker("The plan will not work, Ms Short said.") == "Ms Short"
    assert named_speaker("Rogue diallers cost consumers millions, Icstis told the BBC.") == "Icstis"
    assert (
        named_speaker("The Trafford Centre spokeswoman said it was the busiest day.")
        == "The Trafford Centre spokeswoman"
    )
    schools = "The schools - which he said included about 100 Muslim schools - must teach citizenship."
    assert not is_quotation(schools) and not reported_by_pronoun(schools)
    home = "At home he said many people were turning to the Liberal Democrats."
    assert reported_by_pronoun(home)
    assert _of(f"Mr Kennedy spoke in Harrogate on Friday. {home}", home) == "Mr Kennedy"


def test_a_pronoun_is_not_a_person_the_article_titles_as_the_other_sex() -> None:
    """BBC politics/kilroy-names-election-seat-target.txt: a "he" after "Ms Blackman …" is not
    hers (docs/speaker-changes-2026-11-30t2.json); a "he" after "Ms Taylor said …" is still the
    one man named since ("Cory Doctorow, …, expressed doubts"), and a "she" is hers."""
    quote = '"It will not stop copying," he said.'
    text = f"Ms Blackman said the vote was close. Ms Blackman, the candidate, thanked voters. {quote}"
    assert _of(text, quote) is None
    text = f'"Buyers want portability," Ms Taylor said. Ann Taylor runs the shop. Cory Doctorow, of the EFF, expressed doubts. {quote}'
    assert _of(text, quote) == "Cory Doctorow"
    she = quote.replace(" he ", " she ")
    text = f"Ms Taylor said buyers want portability. Ann Taylor runs the shop. {she}"
    assert _of(text, she) == "Ann Taylor"


def test_a_name_inside_a_quotation_opened_before_is_no_attribution_and_an_unnamed_subject_is_the_source() -> None:
    """Newcomer's findings (docs/speaker-changes-2026-11-30u.json): in Michael Howard's quotation
    "We had what Ken Livingstone said, …" is his words, not Livingstone's; "But a Conservative
    spokeswoman said: …" names its source as described; '"…," it concluded.' closes a body's words."""
    from rag.reading.speakers import named_speaker, quoted_words

    inner = "We had what Ken Livingstone said and what others have said."
    text = (
        'Tory leader Michael Howard said it was important. "It matters that we talk with civility," he said. '
        f'"I think it is sad. {inner} I regret it."'
    )
    assert _of(text, inner) == "Michael Howard"
    assert named_speaker('But a Conservative spokeswoman said: "The posters were withdrawn."') == (
        "A Conservative spokeswoman"
    )
    assert named_speaker("An Apple spokesman declined to comment.") is None
    said = '"In the end, we tried to find what makes a gadget a gadget," it concluded.'
    assert quoted_words(said) == "In the end, we tried to find what makes a gadget a gadget."
    # the second newcomer's: an opening phrase before the unnamed subject, and "responded"
    assert named_speaker("On Wednesday, a Home Office spokeswoman said the review had not begun.") == (
        "A Home Office spokeswoman"
    )
    assert named_speaker('But Labour spokesman Fraser Kemp responded: "Britain is working."') == "Fraser Kemp"
    assert named_speaker("Markets responded by pushing the euro lower.") is None


def test_he_is_carried_back_over_sentences_that_open_with_he_or_are_quoted_words() -> None:
    """'X is doubtful. He designed … He thinks … "…" "…," he says.': he is X (a newcomer's run;
    19 BBC sentences, all read blind, docs/speaker-changes-2026-11-30x2.json)."""
    text = (
        "Podcasts grow\n\nBut Dana Reyes is doubtful. She designed the feed format. She thinks its power lies in "
        'its reach.\n\n"We are the sources of the news here. "No matter how you look at it, this will not pay '
        'much money," she says.'
    )
    start = text.index('"No matter')
    assert speaker_of(text, start, len(text)) == "Dana Reyes"
    # a chain that reaches a sentence attributed by a pronoun itself is lost: its subject is not who speaks
    text = (
        "Tories set out plans\n\nTom Hale has failed to tackle these problems, he claimed, saying so.\n\n"
        '"The result is big government and higher taxes." "Worst of all, it wastes money." '
        "The Tories, he said, can cut crime without asking people to pay more taxes."
    )
    start = text.index("The Tories, he said")
    assert speaker_of(text, start, len(text)) is None
