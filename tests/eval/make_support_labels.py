"""Writes tests/eval/support_labels.jsonl from the hand-written table below.

Each row: (key phrases of the cited sentence(s), statement, label, kind). The key phrase picks
the sentence from the seed article, so every passage is quoted verbatim from the file with its
offsets; statements and labels are written and checked by hand. Kinds of negatives: wrong_number,
wrong_actor, wrong_place, wrong_time, reversed, merged (figures of two sources in one claim),
absent (true in the world, or plausible, but not in the passage), overreach.
"""

from __future__ import annotations

import json
from pathlib import Path

from rag.reading.ingest import load_document

ROOT = Path(__file__).resolve().parents[2]
S, N = "supported", "not_supported"

ROWS: list[tuple[tuple[str, ...], str, str, str]] = [
    # 000: hospital bombing, siege, diplomacy
    (
        ("largest hospital in rebel-held east Aleppo was bombed",),
        "The largest hospital in rebel-held east Aleppo was bombed for the second time in days.",
        S,
        "paraphrase",
    ),
    (
        ("largest hospital in rebel-held east Aleppo was bombed",),
        "The largest hospital in west Aleppo was bombed for the second time in days.",
        N,
        "wrong_place",
    ),
    (
        ("largest hospital in rebel-held east Aleppo was bombed",),
        "Rebel forces pressed an offensive to retake the entire city.",
        N,
        "wrong_actor",
    ),
    (
        ("largest hospital in rebel-held east Aleppo was bombed",),
        "The largest hospital in east Aleppo was bombed for the third time in days.",
        N,
        "wrong_number",
    ),
    (
        ("where an estimated 250,000 people live",),
        "An estimated 250,000 people live under government siege in the east.",
        S,
        "paraphrase",
    ),
    (
        ("where an estimated 250,000 people live",),
        "About 250 000 people live under siege in east Aleppo.",
        S,
        "format_variant",
    ),
    (
        ("where an estimated 250,000 people live",),
        "An estimated 350,000 people live under government siege in the east.",
        N,
        "wrong_number",
    ),
    (("where an estimated 250,000 people live",), "The offensive was announced on September 22.", S, "paraphrase"),
    (("where an estimated 250,000 people live",), "The offensive was announced on September 12.", N, "wrong_number"),
    (("where an estimated 250,000 people live",), "The offensive has seen no civilians killed.", N, "reversed"),
    (
        ("Sergei Lavrov spoke to his American counterpart John Kerry",),
        "Sergei Lavrov spoke to John Kerry about the possibility of normalizing the situation around Aleppo.",
        S,
        "paraphrase",
    ),
    (
        ("Sergei Lavrov spoke to his American counterpart John Kerry",),
        "Lavrov and Kerry met in Geneva to discuss Aleppo.",
        N,
        "absent",
    ),
    (
        ("Sergei Lavrov spoke to his American counterpart John Kerry",),
        "The foreign ministry in Washington said Lavrov spoke to Kerry.",
        N,
        "wrong_actor",
    ),
    (
        ("warned the US against taking any direct action",),
        "Maria Zakharova warned the US against taking any direct action against Damascus or the Syrian army.",
        S,
        "exact",
    ),
    (
        ("warned the US against taking any direct action",),
        "Maria Zakharova urged the US to take direct action against Damascus.",
        N,
        "reversed",
    ),
    (
        ("warned the US against taking any direct action",),
        "John Kirby warned Russia against taking any direct action against Damascus.",
        N,
        "wrong_actor",
    ),
    (
        ("It will lead to terrible, tectonic shifts",),
        "Zakharova said direct action would lead to “terrible, tectonic shifts”.",
        S,
        "quote",
    ),
    (
        ("It will lead to terrible, tectonic shifts",),
        "Zakharova said direct action would lead to “a terrible war in Europe”.",
        N,
        "quote",
    ),
    (
        ("Two barrel bombs hit the M10 hospital",),
        "Two barrel bombs hit the M10 hospital, according to Adham Sahloul.",
        S,
        "paraphrase",
    ),
    (("Two barrel bombs hit the M10 hospital",), "Three barrel bombs hit the M10 hospital.", N, "wrong_number"),
    (("Two barrel bombs hit the M10 hospital",), "Two barrel bombs hit the M2 hospital.", N, "wrong_place"),
    (
        ("Two barrel bombs hit the M10 hospital",),
        "There were reports of a cluster bomb at the M10 hospital.",
        S,
        "paraphrase",
    ),
    (
        ("left only six fully-functional hospitals",),
        "According to SAMS, only six fully-functional hospitals are left in east Aleppo.",
        S,
        "paraphrase",
    ),
    (
        ("left only six fully-functional hospitals",),
        "According to SAMS, only eight fully-functional hospitals are left in east Aleppo.",
        N,
        "wrong_number",
    ),
    (
        ("left only six fully-functional hospitals",),
        "According to MSF, only six fully-functional hospitals are left in east Aleppo.",
        N,
        "wrong_actor",
    ),
    (
        (
            "left only six fully-functional hospitals",
            "all eight remaining hospitals in eastern Aleppo have been damaged",
        ),
        "Six hospitals in east Aleppo are fully functional and all eight remaining hospitals have been damaged.",
        N,
        "merged",
    ),
    (
        (
            "left only six fully-functional hospitals",
            "all eight remaining hospitals in eastern Aleppo have been damaged",
        ),
        "Eight fully-functional hospitals remain in east Aleppo.",
        N,
        "merged",
    ),
    (
        ("Martin Schulz called the hospital bombing",),
        "Martin Schulz called the hospital bombing a “war crime”.",
        S,
        "quote",
    ),
    (
        ("Martin Schulz called the hospital bombing",),
        "Martin Schulz called the hospital bombing an accident.",
        N,
        "reversed",
    ),
    (
        ("Martin Schulz called the hospital bombing",),
        "Jean-Marc Ayrault called the hospital bombing a “war crime”.",
        N,
        "wrong_actor",
    ),
    (
        ("Jean-Marc Ayrault said",),
        "French Foreign Minister Jean-Marc Ayrault said the systematic targeting of health workers is particularly unjustifiable.",
        S,
        "paraphrase",
    ),
    (
        ("Jean-Marc Ayrault said",),
        "German Foreign Minister Jean-Marc Ayrault condemned the targeting of health workers.",
        N,
        "wrong_place",
    ),
    (
        ("Gulf Cooperation Council urged",),
        "The Gulf Cooperation Council urged the UN Security Council to intervene to stop the aggression against Aleppo.",
        S,
        "paraphrase",
    ),
    (
        ("Gulf Cooperation Council urged",),
        "The Arab League urged the UN Security Council to intervene in Aleppo.",
        N,
        "wrong_actor",
    ),
    (
        ("more than 220 people have been killed",),
        "According to the Syrian Observatory for Human Rights, more than 220 people have been killed by bombardment on Aleppo's east.",
        S,
        "paraphrase",
    ),
    (
        ("more than 220 people have been killed",),
        "Six children and 12 other civilians were killed on Friday, according to the Syrian Observatory for Human Rights.",
        S,
        "paraphrase",
    ),
    (
        ("more than 220 people have been killed",),
        "Six children and 21 other civilians were killed on Friday.",
        N,
        "wrong_number",
    ),
    (
        ("more than 220 people have been killed",),
        "More than 220 people have been killed in west Aleppo.",
        N,
        "wrong_place",
    ),
    (
        ("more than 220 people have been killed", "at least 237 people"),
        "More than 220 people, including at least 38 children, have been killed, according to the Observatory.",
        N,
        "merged",
    ),
    (
        ("rebel rocket fire killed 15 civilians",),
        "In west Aleppo, rebel rocket fire killed 15 civilians and wounded 40 on Friday.",
        S,
        "exact",
    ),
    (
        ("rebel rocket fire killed 15 civilians",),
        "In west Aleppo, government rocket fire killed 15 civilians.",
        N,
        "wrong_actor",
    ),
    (
        ("rebel rocket fire killed 15 civilians",),
        "In west Aleppo, rebel rocket fire killed 40 civilians and wounded 15.",
        N,
        "reversed",
    ),
    (
        ("most of Aleppo had water cuts",),
        "Most of Aleppo had water cuts on Saturday because of damage.",
        S,
        "paraphrase",
    ),
    (("most of Aleppo had water cuts",), "Most of Aleppo had water cuts on Monday.", N, "wrong_time"),
    (
        ("which has killed more than 300,000 people",),
        "Syria's conflict has killed more than 300,000 people.",
        S,
        "paraphrase",
    ),
    (
        ("which has killed more than 300,000 people",),
        "Syria's conflict has killed more than 500,000 people.",
        N,
        "wrong_number",
    ),
    (("which has killed more than 300,000 people",), "Syria's conflict began in March 2011.", S, "paraphrase"),
    (("which has killed more than 300,000 people",), "Syria's conflict began in March 2012.", N, "wrong_number"),
    (("bombs are raining",), "MSF warned that “bombs are raining” over the city.", S, "quote"),
    (("bombs are raining",), "MSF warned that east Aleppo had become “a giant kill box”.", S, "quote"),
    (("bombs are raining",), "SAMS warned that east Aleppo had become “a giant kill box”.", N, "wrong_actor"),
    (
        ("Since fighting first broke out there in 2012",),
        "Aleppo has been divided since 2012 between rebels in the east and government troops in the west.",
        S,
        "paraphrase",
    ),
    (
        ("Since fighting first broke out there in 2012",),
        "Aleppo has been divided between government troops in the east and rebels in the west.",
        N,
        "reversed",
    ),
    (
        ("Since fighting first broke out there in 2012",),
        "An estimated 250,000 people live in east Aleppo.",
        N,
        "absent",
    ),
    # 001: phone diplomacy
    (
        ("held discussions by phone for the fourth consecutive day",),
        "The US and Russian foreign ministers held phone talks for the fourth consecutive day on Oct. 1.",
        S,
        "paraphrase",
    ),
    (
        ("held discussions by phone for the fourth consecutive day",),
        "The US and Russian foreign ministers held phone talks for the second consecutive day.",
        N,
        "wrong_number",
    ),
    (
        ("held discussions by phone for the fourth consecutive day",),
        "The foreign ministers met in Moscow on Oct. 1.",
        N,
        "absent",
    ),
    (
        ("offering safe passage and aid supplies",),
        "The Syrian army told rebels to leave the area, offering safe passage and aid supplies.",
        S,
        "exact",
    ),
    (("offering safe passage and aid supplies",), "The rebels offered the Syrian army safe passage.", N, "reversed"),
    (
        ("taking the Kindi hospital",),
        "The army and its allies took the Kindi hospital and parts of the Shuqaif industrial area.",
        S,
        "paraphrase",
    ),
    (("taking the Kindi hospital",), "Rebels took the Kindi hospital from the army.", N, "reversed"),
    (("taking the Kindi hospital",), "The army advanced south from the Handarat refugee camp.", S, "paraphrase"),
    (
        ("East Aleppo came under siege in early July",),
        "East Aleppo came under siege in early July after the Castello Road fell under government control.",
        S,
        "paraphrase",
    ),
    (
        ("East Aleppo came under siege in early July",),
        "East Aleppo came under siege in early September.",
        N,
        "wrong_time",
    ),
    (
        ("East Aleppo came under siege in early July",),
        "West Aleppo came under siege after the Castello Road fell.",
        N,
        "wrong_place",
    ),
    (
        ("deeply alarmed by the ferocious pummeling",),
        "Stephen O'Brien said he was “deeply alarmed by the ferocious pummeling of eastern Aleppo”.",
        S,
        "quote",
    ),
    (
        ("deeply alarmed by the ferocious pummeling",),
        "Stephen O'Brien said he was “not concerned” about eastern Aleppo.",
        N,
        "quote",
    ),
    (
        ("deeply alarmed by the ferocious pummeling",),
        "Ban Ki-moon said he was deeply alarmed by the pummeling of eastern Aleppo.",
        N,
        "wrong_actor",
    ),
    (
        ("The health system is on the verge of total collapse",),
        "O'Brien said the health system was on the verge of total collapse.",
        S,
        "paraphrase",
    ),
    (("The health system is on the verge of total collapse",), "The health system has fully recovered.", N, "reversed"),
    (
        ("largest trauma and intensive care center",),
        "On Oct. 1, the largest trauma center in eastern Aleppo was badly damaged by air strikes and had to close.",
        S,
        "paraphrase",
    ),
    (
        ("largest trauma and intensive care center",),
        "Two patients were killed when the trauma center was hit.",
        S,
        "paraphrase",
    ),
    (
        ("largest trauma and intensive care center",),
        "Twelve patients were killed when the trauma center was hit.",
        N,
        "wrong_number",
    ),
    (
        ("largest trauma and intensive care center",),
        "The trauma center stayed open after the air strikes.",
        N,
        "reversed",
    ),
    (
        ("hit seven times since July",),
        "SAMS said the hospital had been hit seven times since July, with three attacks this week alone.",
        S,
        "paraphrase",
    ),
    (("hit seven times since July",), "SAMS said the hospital had been hit nine times since July.", N, "wrong_number"),
    (
        ("hit seven times since July",),
        "SAMS said the hospital had been hit seven times since January.",
        N,
        "wrong_time",
    ),
    # 002: Kerry defends diplomacy
    (
        ("defended his efforts to negotiate with Moscow",),
        "John Kerry defended his efforts to negotiate with Moscow over the war in Syria.",
        S,
        "paraphrase",
    ),
    (
        ("defended his efforts to negotiate with Moscow",),
        "John Kerry abandoned his efforts to negotiate with Moscow.",
        N,
        "reversed",
    ),
    (
        ("Medical supplies were running out in eastern Aleppo",),
        "Medical supplies were running out in eastern Aleppo.",
        S,
        "exact",
    ),
    (
        ("Medical supplies were running out in eastern Aleppo",),
        "Medical supplies were plentiful in eastern Aleppo.",
        N,
        "reversed",
    ),
    (
        ("The cause of what is happening is Assad and Russia",),
        "Kerry said the cause of what is happening is Assad and Russia wanting to pursue a military victory.",
        S,
        "paraphrase",
    ),
    (
        ("The cause of what is happening is Assad and Russia",),
        "Kerry said the cause of the fighting is the rebels wanting a military victory.",
        N,
        "wrong_actor",
    ),
    (
        ("The cause of what is happening is Assad and Russia",),
        "Kerry spoke to reporters during a trip to Geneva.",
        N,
        "wrong_place",
    ),
    (
        ("Some 250,000 civilians remain trapped",),
        "Some 250,000 civilians remain trapped in the besieged, opposition-held sector.",
        S,
        "exact",
    ),
    (
        ("Some 250,000 civilians remain trapped",),
        "Some 25,000 civilians remain trapped in the besieged sector.",
        N,
        "wrong_number",
    ),
    (
        ("called Russia's bombing in support of Assad",),
        "The United States called Russia's bombing in support of Assad “barbarism”.",
        S,
        "quote",
    ),
    (("called Russia's bombing in support of Assad",), "Russia called the US bombing “barbarism”.", N, "reversed"),
    (
        ("there are only about 30 doctors left",),
        "There are only about 30 doctors left in the rebel-held sector.",
        S,
        "paraphrase",
    ),
    (
        ("there are only about 30 doctors left",),
        "There are only about thirty doctors left in the rebel-held sector.",
        S,
        "format_variant",
    ),
    (
        ("there are only about 30 doctors left",),
        "There are about 300 doctors left in the rebel-held sector.",
        N,
        "wrong_number",
    ),
    (
        ("there are only about 30 doctors left",),
        "There are only about 30 nurses left in west Aleppo.",
        N,
        "wrong_place",
    ),
    (
        ("Aleppo city's hospitals are overwhelmed",),
        "Aref al-Aref said Aleppo's hospitals are overwhelmed with wounded people.",
        S,
        "paraphrase",
    ),
    (
        ("Aleppo city's hospitals are overwhelmed",),
        "Osama Abo Ezz said Aleppo's hospitals are overwhelmed with wounded people.",
        N,
        "wrong_actor",
    ),
    (
        ("overnight bombardment continued until 6 a.m.",),
        "Bebars Mishal said the overnight bombardment continued until 6 a.m.",
        S,
        "paraphrase",
    ),
    (
        ("overnight bombardment continued until 6 a.m.",),
        "Bebars Mishal said the bombardment continued until 9 a.m.",
        N,
        "wrong_number",
    ),
    (
        ("says at least 237 people",),
        "The Syrian Observatory says at least 237 people, including 38 children, have been killed since the ceasefire ended.",
        S,
        "paraphrase",
    ),
    (
        ("says at least 237 people",),
        "The Syrian Observatory says at least 273 people have been killed.",
        N,
        "wrong_number",
    ),
    (("put the death toll at 400",), "Civil defence workers put the death toll at 400.", S, "paraphrase"),
    (("says at least 237 people",), "The Syrian Observatory put the death toll at 400.", N, "merged"),
    (
        ("only 30 doctors remained inside",),
        "SAMS said this week that only 30 doctors remained inside.",
        S,
        "paraphrase",
    ),
    (
        ("only 30 doctors remained inside",),
        "MSF said this week that only 30 doctors remained inside.",
        N,
        "wrong_actor",
    ),
    (("only 30 doctors remained inside",), "SAMS said that only 13 doctors remained inside.", N, "wrong_number"),
    (
        ("The blood bank refrigerators are completely empty",),
        "The blood bank refrigerators are completely empty, the surgeon said.",
        S,
        "paraphrase",
    ),
    (("The blood bank refrigerators are completely empty",), "The blood bank refrigerators are full.", N, "reversed"),
    (("The CT scanner is out of order",), "The CT scanner is out of order.", S, "paraphrase"),
    (
        ("A water pumping station serving eastern Aleppo",),
        "A water pumping station serving eastern Aleppo has been destroyed.",
        S,
        "paraphrase",
    ),
    (
        ("A water pumping station serving eastern Aleppo",),
        "A power station serving western Aleppo has been destroyed.",
        N,
        "wrong_place",
    ),
    (
        ("11 million driven from their homes",),
        "Hundreds of thousands of people have been killed in the civil war and 11 million driven from their homes.",
        S,
        "paraphrase",
    ),
    (
        ("11 million driven from their homes",),
        "Some 21 million people have been driven from their homes.",
        N,
        "wrong_number",
    ),
    (
        ("Since Russia joined the war a year ago",),
        "Russia joined the war a year ago to support Assad's government.",
        S,
        "paraphrase",
    ),
    (
        ("Since Russia joined the war a year ago",),
        "Russia joined the war five years ago to support the rebels.",
        N,
        "reversed",
    ),
    (
        ("absolutely no prospect",),
        "Moscow saw “absolutely no prospect” for holding a summit on Syria, Dmitry Peskov said.",
        S,
        "quote",
    ),
    (("absolutely no prospect",), "Moscow saw “good prospects” for a summit on Syria.", N, "quote"),
    (
        ("Moscow blames Washington for the failure of the ceasefire",),
        "Moscow blames Washington for the failure of the ceasefire.",
        S,
        "exact",
    ),
    (
        ("Moscow blames Washington for the failure of the ceasefire",),
        "Washington blames Moscow for the failure of the ceasefire.",
        N,
        "reversed",
    ),
    (
        ("Moscow blames Washington for the failure of the ceasefire",),
        "Russia says the US failed to stop rebels from using the truce to regroup.",
        S,
        "paraphrase",
    ),
    # 003: US threatens to cut off talks
    (
        ("NEWS BRIEF The U.S. threatened to cut off talks",),
        "The U.S. threatened to cut off talks with Russia after airstrikes took out two of eastern Aleppo's largest hospitals.",
        S,
        "paraphrase",
    ),
    (
        ("NEWS BRIEF The U.S. threatened to cut off talks",),
        "Russia threatened to cut off talks with the U.S.",
        N,
        "reversed",
    ),
    (
        ("NEWS BRIEF The U.S. threatened to cut off talks",),
        "The U.S. threatened to cut off talks after airstrikes took out five hospitals.",
        N,
        "wrong_number",
    ),
    (
        ("making preparations to suspend U.S.-Russia bilateral engagement",),
        "Kirby said the United States was making preparations to suspend bilateral engagement with Russia on Syria.",
        S,
        "paraphrase",
    ),
    (
        ("making preparations to suspend U.S.-Russia bilateral engagement",),
        "Kirby said the United States had already ended all contact with Russia.",
        N,
        "overreach",
    ),
    (
        ("two hospitals run by Doctors Without Borders",),
        "Two hospitals run by Doctors Without Borders (MSF) in Aleppo were bombed.",
        S,
        "exact",
    ),
    (
        ("two hospitals run by Doctors Without Borders",),
        "Two hospitals run by the Red Cross in Aleppo were bombed.",
        N,
        "wrong_actor",
    ),
    (
        ("The hospitals received more than 270 dead",),
        "The hospitals received more than 270 dead and more than 800 wounded, according to MSF.",
        S,
        "paraphrase",
    ),
    (
        ("The hospitals received more than 270 dead",),
        "The hospitals received more than 720 dead, according to MSF.",
        N,
        "wrong_number",
    ),
    (
        ("The hospitals received more than 270 dead",),
        "The hospitals received more than 800 dead and 270 wounded.",
        N,
        "reversed",
    ),
    (
        ("all eight remaining hospitals in eastern Aleppo have been damaged",),
        "MSF says all eight remaining hospitals in eastern Aleppo have been damaged.",
        S,
        "paraphrase",
    ),
    (
        ("all eight remaining hospitals in eastern Aleppo have been damaged",),
        "MSF says all six remaining hospitals in eastern Aleppo have been damaged.",
        N,
        "wrong_number",
    ),
    (
        ("Reuters reports 30 doctors",),
        "Reuters reports that 30 doctors are believed to remain in the eastern part of the city.",
        S,
        "paraphrase",
    ),
    (
        ("Reuters reports 30 doctors",),
        "AFP reports that 30 doctors are believed to remain in eastern Aleppo.",
        N,
        "wrong_actor",
    ),
    (
        ("We reject the word",),
        "Joanne Liu, MSF's president, told the UN Security Council that many attacks are brushed off as mistakes.",
        S,
        "paraphrase",
    ),
    (("We reject the word",), "Joanne Liu told the UN General Assembly that the attacks were mistakes.", N, "reversed"),
    (
        ("temporarily suspended aid deliveries",),
        "The UN temporarily suspended aid deliveries after the bombing of a humanitarian convoy.",
        S,
        "paraphrase",
    ),
    (("temporarily suspended aid deliveries",), "The UN permanently ended aid deliveries to Syria.", N, "overreach"),
    (
        ("both Moscow and Damascus have denied",),
        "Moscow and Damascus have denied claims that they target convoys and medical facilities.",
        S,
        "paraphrase",
    ),
    (
        ("both Moscow and Damascus have denied",),
        "Moscow admitted targeting medical facilities in Aleppo.",
        N,
        "reversed",
    ),
    # 004: Kerry calls for bombardment to end
    (
        ("has called on Syrian government forces and rebel groups to declare a ceasefire",),
        "John Kerry called on government forces and rebels to declare a ceasefire, particularly in Aleppo.",
        S,
        "paraphrase",
    ),
    (
        ("has called on Syrian government forces and rebel groups to declare a ceasefire",),
        "John Kerry called on Russia to bomb Aleppo.",
        N,
        "reversed",
    ),
    (
        ("Both sides – the opposition and the regime",),
        "Kerry said both the opposition and the regime have contributed to the chaos.",
        S,
        "paraphrase",
    ),
    (
        ("Both sides – the opposition and the regime",),
        "Kerry said only the regime has contributed to the chaos.",
        N,
        "overreach",
    ),
    (
        ("Both sides – the opposition and the regime",),
        "Kerry spoke in Geneva alongside Staffan de Mistura.",
        S,
        "paraphrase",
    ),
    (
        ("Both sides – the opposition and the regime",),
        "Kerry spoke in Vienna alongside Staffan de Mistura.",
        N,
        "wrong_place",
    ),
    (
        ("De Mistura said he would then travel to Moscow",),
        "De Mistura said he would travel to Moscow on Tuesday to meet Lavrov.",
        S,
        "paraphrase",
    ),
    (
        ("De Mistura said he would then travel to Moscow",),
        "De Mistura said he would travel to Washington on Tuesday to meet Kerry.",
        N,
        "wrong_place",
    ),
    (
        ("De Mistura said he would then travel to Moscow",),
        "De Mistura met Lavrov in Moscow on Friday.",
        N,
        "wrong_time",
    ),
    (
        ("including 49 children and 31 women",),
        "More than 250 civilians, including 49 children and 31 women, had been killed in 10 days, according to the Syrian Observatory.",
        S,
        "paraphrase",
    ),
    (
        ("including 49 children and 31 women",),
        "More than 250 civilians, including 31 children and 49 women, had been killed.",
        N,
        "reversed",
    ),
    (
        ("including 49 children and 31 women",),
        "More than 250 civilians had been killed in 20 days of fighting.",
        N,
        "wrong_number",
    ),
    (
        ("including 49 children and 31 women", "more than 220 people have been killed"),
        "More than 250 civilians, including six children, had been killed, according to the Syrian Observatory.",
        N,
        "merged",
    ),
    (
        ("The group said 145 civilians were killed",),
        "The group said 145 civilians were killed by air strikes on rebel-controlled neighbourhoods.",
        S,
        "exact",
    ),
    (
        ("The group said 145 civilians were killed",),
        "The group said 145 civilians were killed by rebel rockets on government areas.",
        N,
        "wrong_actor",
    ),
    (
        ("The Observatory did not identify the planes",),
        "The Observatory did not identify the planes attacking rebel-controlled areas.",
        S,
        "exact",
    ),
    (
        ("The Observatory did not identify the planes",),
        "The Observatory said Russian planes attacked rebel-controlled areas.",
        N,
        "overreach",
    ),
    (
        ("had been extended for another two days",),
        "The truce around Damascus had been extended for another two days.",
        S,
        "paraphrase",
    ),
    (
        ("had been extended for another two days",),
        "The truce around Aleppo had been extended for another two days.",
        N,
        "wrong_place",
    ),
    (
        ("had been extended for another two days",),
        "The truce around Damascus had been extended for another week.",
        N,
        "wrong_time",
    ),
    (
        ("The Arab League is weighing an emergency meeting",),
        "The Arab League is weighing an emergency meeting to discuss the situation.",
        S,
        "exact",
    ),
    (
        ("The Arab League is weighing an emergency meeting",),
        "The Arab League held an emergency meeting and condemned Russia.",
        N,
        "overreach",
    ),
    (
        ("six civilians were killed and 40 others injured",),
        "SANA said six civilians were killed and 40 injured in rebel rocket attacks.",
        S,
        "paraphrase",
    ),
    (
        ("six civilians were killed and 40 others injured",),
        "SANA said sixteen civilians were killed in rebel rocket attacks.",
        N,
        "wrong_number",
    ),
    (
        ("six civilians were killed and 40 others injured",),
        "The population of Damascus is about two million.",
        N,
        "absent",
    ),
]


def _find(text_docs, key: str) -> tuple[str, str]:
    for source, doc in text_docs:
        for s in doc.sentences:
            if key in s.text:
                return source, s.text
    raise KeyError(key)


def main() -> None:
    docs = []
    for p in sorted((ROOT / "seeds").glob("*.txt")):
        doc, _ = load_document(p, root=ROOT, max_bytes=10**7)
        assert doc is not None
        docs.append((doc.source, doc))
    out = ROOT / "tests" / "eval" / "support_labels.jsonl"
    with out.open("w", encoding="utf-8") as f:
        for i, (keys, statement, label, kind) in enumerate(ROWS):
            passages = [dict(zip(("source", "quote"), _find(docs, k), strict=True)) for k in keys]
            row = {"id": f"s{i:03d}", "statement": statement, "passages": passages, "label": label, "kind": kind}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(ROWS)} rows -> {out}")


if __name__ == "__main__":
    main()
