"""Course questions with their context passage, and the course's human-written paragraphs."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from rag.paths import default_kb_dir

COURSE_MARKDOWN = "foundations-of-machine-learning.md"

# (question, section heading whose text is the context)
QUESTIONS: list[tuple[str, str]] = [
    (
        "What are the stages of developing a machine learning system?",
        "Development, Training, and Deployment of Machine Learning Systems",
    ),
    (
        "Which deployment options does the course mention?",
        "Development, Training, and Deployment of Machine Learning Systems",
    ),
    (
        "How would you frame the problem for a spam email classifier?",
        "Practical Example: Spam Email Classifier",
    ),
    (
        "Which features are engineered for the spam classifier?",
        "Practical Example: Spam Email Classifier",
    ),
    ("What do unit tests check in a machine learning system?", "Unit Tests"),
    ("Explain integration tests for a machine learning pipeline.", "Integration Tests"),
    ("What do performance tests measure?", "Performance Tests"),
    ("How are robustness tests carried out?", "Robustness Tests"),
    ("What is a fairness audit?", "Fairness Audits"),
    ("Describe a stress test for a model server.", "Stress Tests"),
    (
        "How does A/B testing decide whether to promote a new model?",
        "A/B Testing (or Online Experiments)",
    ),
    ("What is the difference between structured and unstructured data?", "Data Types by Structure"),
    ("What are nominal and ordinal scales?", "Measurement Scales (Data Attributes)"),
    (
        "Which data quality dimensions matter for machine learning?",
        "Data Quality Attributes (Dimensions)",
    ),
    ("How do text-generating AI tools learn?", "How they learn"),
    ("What can language models do?", "Text-Generating AI (Language Models)"),
    ("How do image generators produce pictures?", "How they generate images"),
    ("Why do language models hallucinate?", "Factual Inaccuracies and Hallucinations"),
    ("How do societal biases show up in generated content?", "Societal Biases"),
    ("What is prompt sensitivity?", "Prompt Sensitivity"),
    ("Why are large generative models expensive to run?", "Computational Requirements"),
    ("What copyright issues do generative models raise?", "Copyright and Ethical Issues"),
    ("Why is evaluating generative models hard?", "Evaluation Challenges"),
    ("What do content filters do in production?", "Content Filters"),
    ("What is watermarking used for?", "Watermarking Techniques"),
    (
        "How does retrieval-augmented generation reduce hallucinations?",
        "Retrieval-Augmented Generation (RAG)",
    ),
    ("How do quantization and distillation make models cheaper?", "Model Optimization Methods"),
    ("What are error rate and accuracy?", "Error in Classification Tasks"),
    ("When should precision be preferred to recall?", "Error in Classification Tasks"),
    ("How do mean squared error and mean absolute error differ?", "Error in Regression Tasks"),
    ("What is demographic parity?", "Fairness Measures"),
    ("What does equalized odds require?", "Fairness Measures"),
    ("What went wrong with the credit risk model example?", "Practical Example: Credit Risk Model"),
    ("What does data annotation involve?", "Annotation"),
    ("What do moderators do during RLHF?", "Moderation and Content Filtering"),
    (
        "What are working conditions like on crowdsourcing platforms?",
        "Crowdsourcing Platforms and Conditions",
    ),
    ("What is data drift?", "Data Drift"),
    ("How does concept drift differ from data drift?", "Concept Drift"),
    ("What are adversarial inputs?", "Adversarial Inputs"),
    ("How can feedback loops amplify bias?", "Feedback Loops"),
    ("What is a silent failure of a deployed model?", "Silent Failures"),
    ("Why can infrastructure mismatches hurt a deployed model?", "Infrastructure Mismatches"),
]


class CourseQuestion(BaseModel):
    """One benchmark prompt: a question and the course passage given as its context."""

    question: str
    section: str
    context: str


def course_sections(markdown: Path | None = None) -> dict[str, str]:
    """Section heading -> the section's own text (up to the next heading) of the course."""
    path = markdown or default_kb_dir() / COURSE_MARKDOWN
    sections: dict[str, str] = {}
    heading, body = "", list[str]()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"#+\s+(.*)", line)
        if match:
            if heading:
                sections[heading] = "\n".join(body).strip()
            heading, body = match.group(1).strip(), []
        else:
            body.append(line)
    if heading:
        sections[heading] = "\n".join(body).strip()
    return sections


def course_questions(
    markdown: Path | None = None, max_context_chars: int = 1200
) -> list[CourseQuestion]:
    """QUESTIONS with their context passages, each trimmed to `max_context_chars`."""
    sections = course_sections(markdown)
    return [
        CourseQuestion(
            question=question, section=section, context=sections[section][:max_context_chars]
        )
        for question, section in QUESTIONS
    ]


def course_paragraphs(path: Path | None = None) -> list[str]:
    """Every blank-line-separated paragraph of the human-written course text."""
    source = path or default_kb_dir() / COURSE_MARKDOWN
    blocks = re.split(r"\n\s*\n", source.read_text(encoding="utf-8"))
    return [block.strip() for block in blocks if block.strip()]
