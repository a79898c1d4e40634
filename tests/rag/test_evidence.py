"""Question types and the evidence check: does a passage answer what was asked?"""

import pytest

from rag.answer import Passage
from rag.evidence import judge, known_term, mentions, provides
from rag.grounding import Candidate
from rag.keyword import terms
from rag.question_type import classify


@pytest.mark.parametrize(
    ("question", "kind", "target"),
    [
        ("How many layers does the spam classifier's neural network have?", "number", "layers"),
        ("How many decimal digits of precision does it keep?", "number", "digits"),
        ("How many random numbers per second can it make?", "number", "numbers"),
        ("How many times faster is a deque?", "number", None),
        ("What percentage of requests fail?", "number", None),
        ("What is the default maximum recursion depth?", "number", None),
        ("How much faster is the C version than the Python one?", "number", None),
        ("When was the library first released?", "date", None),
        ("In what year did the project start?", "date", None),
        ("Who designed the sorting algorithm?", "name", None),
        ("Which company developed the format?", "name", "company"),
        ("Which optimizer did the course recommend for training?", "recommendation", None),
        ("What learning rate should I use?", "recommendation", None),
        ("How is bagging different from boosting?", "comparison", None),
        ("Why are automated metrics limited?", "reason", None),
        ("What is overfitting?", "definition", None),
        ("How do I split a dataset?", "procedure", None),
        ("Are the sorts stable?", "yes-no", None),
        ("When should MAE be preferred over MSE?", "recommendation", None),
    ],
)
def test_question_kinds_come_from_the_wording(question: str, kind: str, target: str) -> None:
    qtype = classify(question)
    assert (qtype.kind, qtype.target) == (kind, target)


def test_named_things_are_read_as_written() -> None:
    qtype = classify("How do I call json.parse() on a BERT output from ResNet-50 and zip()?")
    assert qtype.entities == ["json.parse()", "BERT", "ResNet-50", "zip()"]
    assert "cours" not in classify("What does the course say about drift?").focus


def test_a_name_is_mentioned_however_it_is_spaced_or_called() -> None:
    assert mentions("F1-score", ["The F1 score balances both."])
    assert mentions("zip()", ["Use zip(a, b) to pair them."])
    assert mentions("json.loads()", ["json.loads(s) parses a string."])
    assert not mentions("json.parse()", ["parse_float is called for every float."])
    assert not mentions("GB", ["The GBM model"])


def test_a_number_answer_needs_a_number_about_the_thing_counted() -> None:
    layers = classify("How many layers does the network have?")
    question = "How many layers does the network have?"
    assert provides(layers, question, "The network has 12 layers.")
    assert provides(layers, question, "It uses three hidden layers.")
    assert not provides(layers, question, "Out of 100 emails, 8 are spam.")
    assert not provides(layers, question, "Neural networks learn in many layers.")
    share = "What percentage of transactions fail under Serializable?"
    assert provides(classify(share), share, "About 2% of them fail.")
    assert provides(classify(share), share, "Roughly five percent fail.")
    assert not provides(classify(share), share, "Two transactions fail when they conflict.")
    depth = classify("What is the maximum recursion depth?")
    assert not provides(depth, "What is the maximum recursion depth?", "Recursion is slow.")
    assert not provides(depth, "What is the maximum recursion depth?", ">>> f(1000)\n1000")


def test_other_kinds_look_for_their_own_surface_form() -> None:
    date = classify("When was it released?")
    assert provides(date, "When was it released?", "It was released in March 2019.")
    assert not provides(date, "When was it released?", "It was released to the public.")
    name = classify("Who invented the algorithm?")
    assert provides(name, "Who invented the algorithm?", "It was invented by Tim Peters.")
    assert not provides(name, "Who invented the algorithm?", "the algorithm is stable.")
    advice = classify("Which optimizer should I use?")
    assert provides(advice, "Which optimizer should I use?", "Adam is usually the best start.")
    assert not provides(advice, "Which optimizer should I use?", "Optimizers update weights.")
    assert provides(classify("What is drift?"), "What is drift?", "Anything at all.")


def _passage(text: str, section: str = "Models") -> Passage:
    return Passage(
        chunk_id="c", source="s.md", section=section, text=text, start=0, end=1, dense_score=0.6
    )


def test_judge_declines_what_the_passages_do_not_hold() -> None:
    passages = [_passage("The spam classifier flags 20 emails. It is retrained weekly.")]
    ranked = [
        Candidate(passage=0, sentence="The spam classifier flags 20 emails.", score=0.6),
        Candidate(passage=0, sentence="It is retrained weekly.", score=0.4),
    ]
    question = "How many layers does the spam classifier have?"
    verdict = judge(question, classify(question), passages, ranked, best_sentences=2)
    assert not verdict.covered and verdict.missing_kind == "number"
    assert verdict.nearby is not None and verdict.nearby.score == 0.6
    question = "How many emails does the spam classifier flag?"
    assert judge(question, classify(question), passages, ranked, 2).covered
    question = "How do I retrain the spam classifier with ResNet-50?"
    verdict = judge(question, classify(question), passages, ranked, 2)
    assert not verdict.covered and verdict.missing_entities == ["ResNet-50"]


def test_the_vocabulary_check_knows_word_families() -> None:
    vocabulary = {"crowdworker", "complex", "prefer", "statist", "function", "comput"}
    assert known_term("crowdwork", vocabulary) and known_term("complexiti", vocabulary)
    assert known_term("sav", vocabulary)  # too short to tell
    assert not known_term("kurtosi", vocabulary)
    passages = [_passage("The statistics module computes means.")]
    ranked = [Candidate(passage=0, sentence="The statistics module computes means.", score=0.5)]
    question = "Which function computes kurtosis?"
    verdict = judge(question, classify(question), passages, ranked, 3, vocabulary)
    assert not verdict.covered and verdict.unknown_terms == ["kurtosis"]
    assert judge(question, classify(question), passages, ranked, 3).covered


def test_two_everyday_words_no_document_uses_decline_but_one_does_not() -> None:
    text = "Support vector machines separate classes with a margin. Machines use features."
    vocabulary = set(terms(text))
    common = frozenset({"kernel", "trick", "support", "vector", "use", "machines", "margin"})
    passages = [_passage(text)]
    ranked = [Candidate(passage=0, sentence=text.split(". ")[0], score=0.5)]
    two = "How do support vector machines use the kernel trick?"
    verdict = judge(two, classify(two), passages, ranked, 3, vocabulary, common)
    assert not verdict.covered and verdict.unknown_terms == ["kernel", "trick"]
    one = "How do support vector machines use the kernel?"
    assert judge(one, classify(one), passages, ranked, 3, vocabulary, common).covered


def test_british_and_american_spellings_are_one_term() -> None:
    assert known_term("behaviour", {"behavior"}) and known_term("optimis", {"optimiz"})
    assert not known_term("tour", {"torment"})  # "tour" is not a British "tor"
