"""Reading what a question asks for on documents the project did not write: quantities
named after the question word, which-questions, purposes and definitions, and the
quote's preference for the sentence of that form over prose about the topic or code."""

from __future__ import annotations

from rag.embeddings import HashingEmbedder
from rag.evidence import judge, provides
from rag.grounding import (
    DEFAULT_TUNING,
    Candidate,
    GroundingChecker,
    defined_terms,
    quote_candidates,
)
from rag.question_type import asks_for_code, classify
from rag.sentence_form import defines, gives_form, is_code
from tests.rag.test_quote_bonus import ChosenSimilarity, passage


def _judged(question: str, text: str, section: str = "Isolation") -> bool:
    passages = [passage("c", text, section)]
    ranked = [Candidate(passage=0, sentence=text, score=0.6)]
    return judge(question, classify(question), passages, ranked, best_sentences=3).covered


def test_a_quantity_noun_after_the_question_word_asks_for_a_number() -> None:
    assert classify("What percentage of transactions fail under Serializable?").kind == "number"
    assert classify("What precision does the spam example give?").kind == "number"
    assert classify("What kind of comparison can hash indexes handle?").kind != "number"


def test_a_pointer_to_another_section_or_an_inline_call_is_no_number() -> None:
    question = "What is the maximum number of window functions allowed in one query?"
    qtype = classify(question)
    pointer = "More details about window functions are in Section 4.2.8 and Table 9.22."
    assert not provides(qtype, question, pointer)
    assert not provides(qtype, question, "Window functions are listed by a.insert(0, x).")
    assert provides(qtype, question, "At most 12 window functions may appear in one query.")


def test_a_which_question_needs_documents_that_name_such_a_thing() -> None:
    question = "Which cloud provider offers the cheapest managed PostgreSQL service?"
    assert classify(question).which_words == ["cloud", "provider"]
    # "provides" shares the stem of "provider" but names no provider.
    assert not _judged(question, "PostgreSQL provides an optional autovacuum daemon.")
    assert _judged(question, "Several cloud providers sell managed PostgreSQL.")
    # A plural or singular form of any word of the phrase is enough.
    question = "Which library does the course mention for adversarial tests?"
    assert _judged(question, "Use adversarial attack libraries such as Foolbox.")
    question = "Which values can be used as dictionary keys?"
    assert _judged(question, "Any immutable value can be a key.")


def test_what_is_x_for_asks_for_a_purpose() -> None:
    assert classify("What is the finally clause of a try statement for?").kind == "purpose"
    assert classify("What is the purpose of the visibility map?").kind == "purpose"
    assert gives_form("purpose", "The clause is intended to define clean-up actions.")
    assert not gives_form("purpose", "The clause runs as the last task of the statement.")


def test_a_definition_states_the_subject_or_follows_its_term() -> None:
    focus = classify("What is a namespace in Python?").focus
    assert defines("A namespace is a mapping from names to objects.", focus)
    assert not defines("Namespaces are created at different moments.", focus)
    assert not defines("This is a mapping from names to objects.", focus)
    assert defines("Terms used below: A namespace is a mapping.", focus)
    focus = classify("What is a phantom read?").focus
    definition = "A transaction re-executes a query returning a set of rows."
    assert defines(definition, focus, term="phantom read")
    assert not defines(definition, focus, term="dirty read")


GLOSSARY = (
    "The phenomena prohibited at various levels are:\n\n"
    "dirty read\n\nA transaction reads data written by a concurrent transaction.\n\n"
    "phantom read\n\nA transaction re-executes a query returning a set of rows."
)


def test_a_definition_list_entry_is_embedded_with_its_term() -> None:
    contexts = dict(quote_candidates("Isolation", GLOSSARY))
    assert contexts["A transaction re-executes a query returning a set of rows."] == (
        "Isolation: phantom read: A transaction re-executes a query returning a set of rows."
    )


def test_a_definition_question_quotes_the_defining_sentence() -> None:
    topic = "Namespaces are created at different moments and have different lifetimes."
    definition = "A namespace is a mapping from names to objects."
    similarity = {topic: 0.62, definition: 0.6}
    passages = [passage("topic", topic), passage("definition", definition)]
    question = "What is a namespace?"
    quoted = GroundingChecker(ChosenSimilarity(similarity), 0.5).extract(question, passages, 0.1)
    assert quoted is not None and quoted.citations[0].chunk_id == "definition"
    plain = DEFAULT_TUNING.model_copy(update={"form_bonus": 0.0})
    checker = GroundingChecker(ChosenSimilarity(similarity), 0.5, plain)
    quoted = checker.extract(question, passages, 0.1)
    assert quoted is not None and quoted.citations[0].chunk_id == "topic", "what it fixes"


CODE_PAGE = (
    "```\n>>> import json\n>>> json.loads('[1, 2]')\n[1, 2]\n```\n\n"
    "Deserialize s, a str holding a JSON document, to a Python object."
)


def test_code_is_quoted_only_when_the_question_asks_for_code() -> None:
    assert is_code(">>> json.loads('[1, 2]')") and not is_code("Deserialize s to an object.")
    assert asks_for_code("Show an example of json.loads()")
    assert not asks_for_code("What does json.loads() do?")
    checker = GroundingChecker(HashingEmbedder(), 0.5)
    quoted = checker.extract("What does json.loads() do?", [passage("p", CODE_PAGE)], 0.0)
    assert quoted is not None
    assert ">>>" not in quoted.text, quoted.text
    shown = checker.extract("Show example code for json.loads()", [passage("p", CODE_PAGE)], 0.0)
    assert shown is not None and ">>>" in shown.text, "asked for code, code may be quoted"


CONTENTS = (
    "8.1.3. Floating-Point Types\n\n8.1.4. Serial Types\n\n"
    "Numeric types consist of two-, four-, and eight-byte integers."
)


def test_a_table_of_contents_is_no_definition_list() -> None:
    # A run of short lines names sections; the sentence after the last one defines none.
    assert defined_terms(CONTENTS) == {}
    assert defined_terms(GLOSSARY) == {
        "A transaction reads data written by a concurrent transaction.": "dirty read",
        "A transaction re-executes a query returning a set of rows.": "phantom read",
    }
