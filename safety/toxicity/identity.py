"""Identity terms, masked before the embedded harm models read a text.

A classifier that learns from examples learns that identity words co-occur with hate,
and then flags benign sentences that merely name a group ("Write a headline about Muslims
winning a hackathon"), more for some groups than for others. Counterfactual augmentation
of the training set narrowed that gap but did not close it. So the embedded harm
classifier never sees which group a sentence names: group mentions are replaced by
"people", in training and at inference. Two sentences that differ only in the group
they name therefore get identical scores, by construction.

What it costs, and what still catches hate: hate is carried by what is said about a
group (dehumanising words, calls for violence or exclusion, slurs), and none of that is
masked; slurs are not identity terms. A group-specific claim with no such words
("{group} should not be allowed to vote") is scored as the same claim about "people".
Groups not in these lists are not masked, so the audit covers the listed groups only.
Words for minors (children, kids, girls, boys, teenagers) are deliberately never masked:
sexual or violent content involving minors must stay visible to the classifier, so
those groups are audited but not blinded.
"""

from __future__ import annotations

import re

_ADJECTIVES = (
    "gay|lesbian|bisexual|queer|trans|transgender|cisgender|homosexual|heterosexual|straight"
    "|non-binary|nonbinary|intersex|asexual|pansexual|muslim|jewish|christian|catholic|protestant|hindu|sikh"
    "|buddhist|atheist|black|white|asian|latino|latina|latinx|hispanic|arab|african"
    "|indigenous|native|roma|romani|immigrant|migrant|refugee|disabled|deaf|blind|autistic"
    "|neurodivergent|older|elderly|old|young|younger|middle-aged|female|male"
)
_GROUP_NOUNS = (
    "people|persons|person|folks|men|women|man|woman|students|users|communities|community"
    "|workers|employees|patients|citizens|individuals|adults|voters|applicants|customers"
)
_PLURAL_NOUNS = (
    "women|men|mothers|fathers|muslims|jews|christians|catholics|hindus|sikhs|buddhists"
    "|atheists|lesbians|gays|bisexuals|immigrants|migrants|refugees|roma|seniors|retirees"
    "|elderly|latinos|latinas|hispanics|arabs|africans|asians|blacks|whites|wheelchair users"
    "|trans women|trans men|people with disabilities|people without disabilities"
)

_GROUP_PHRASE = re.compile(
    rf"\b(?:the\s+)?(?:(?:{_ADJECTIVES})[\s-]+)+(?:{_GROUP_NOUNS})\b|\b(?:{_PLURAL_NOUNS})\b",
    re.IGNORECASE,
)

_IDENTITY_WORDS = re.compile(
    r"\b(?:gay|lesbian|bisexual|queer|trans(?:gender)?|homosexual|muslims?|islam(?:ic)?|jews?"
    r"|jewish|christians?|hindus?|sikhs?|buddhists?|atheists?|black|white|asian|latin[oax]s?"
    r"|hispanic|arabs?|african|immigrants?|disabled|deaf|blind|autistic|women|woman|men|man"
    r"|girls?|boys?|elderly|old|young|straight|nonbinary|non-binary)\b",
    re.IGNORECASE,
)


def mask_identity_groups(text: str) -> str:
    """`text` with each mention of an identity group ("Black people", "Muslims", "older
    people", "trans women") replaced by "people"."""
    return _GROUP_PHRASE.sub("people", text)


def mask_identity_words(text: str) -> str:
    """`text` with every identity word replaced by "person", for the profanity model: a
    bag-of-words model that scores words such as "gay" as profane on their own."""
    return _IDENTITY_WORDS.sub("person", text)
