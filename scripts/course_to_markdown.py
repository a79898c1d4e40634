"""Convert the course's plain-text export into Markdown with its heading hierarchy.

The text export loses heading levels; they are restored from the document's own table of
contents. Tab-separated rows become Markdown tables. Run once when the course changes:

    python scripts/course_to_markdown.py ../shared/course/foundations-of-machine-learning.txt \
        kb/foundations-of-machine-learning.md
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

TOP = {
    "Overview",
    "Learning Objectives",
    "Motivation",
    "Development, Training, and Deployment of Machine Learning Systems",
    "Testing Machine Learning Systems Before Deployment",
    "Types and Quality Attributes of Data",
    "Introduction to Generative AI Tools",
    "Key Limitations and Challenges",
    "Practical Deployment Considerations",
    "Basic Evaluation Ideas",
    "Data Work and Invisible Labour in Machine Learning",
    "Failure Modes in Practice",
    "Summary",
}
SUB = {
    "Practical Example: Spam Email Classifier",
    "Unit Tests",
    "Integration Tests",
    "Performance Tests",
    "Robustness Tests",
    "Fairness Audits",
    "Stress Tests",
    "A/B Testing (or Online Experiments)",
    "Data Types by Structure",
    "Measurement Scales (Data Attributes)",
    "Data Quality Attributes (Dimensions)",
    "Text-Generating AI (Language Models)",
    "Image-Generating AI",
    "The Big Picture",
    "Factual Inaccuracies and Hallucinations",
    "Societal Biases",
    "Prompt Sensitivity",
    "Computational Requirements",
    "Copyright and Ethical Issues",
    "Evaluation Challenges",
    "Content Filters",
    "Watermarking Techniques",
    "Retrieval-Augmented Generation (RAG)",
    "Model Optimization Methods",
    "Error in Classification Tasks",
    "Error in Regression Tasks",
    "Fairness Measures",
    "Practical Example: Credit Risk Model",
    "Annotation",
    "Transcription and Speech Annotation",
    "Moderation and Content Filtering",
    "Quality Assurance and Label Cleaning",
    "Crowdsourcing Platforms and Conditions",
    "Data Drift",
    "Concept Drift",
    "Model Decay",
    "Adversarial Inputs",
    "Feedback Loops",
    "Infrastructure Mismatches",
    "Silent Failures",
}
SUBSUB = {"How they learn", "What they can do", "How they generate images"}

HEADER = """# Foundations of Machine Learning

*Author: Ghassem Tofighi. Course document reproduced in coursebot's knowledge base with
credit to its author; converted from the text export to Markdown (headings restored from
the table of contents, tables rebuilt), wording unchanged.*

"""


def convert(text: str) -> str:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "Overview" and i > 60)
    out: list[str] = []
    table: list[list[str]] = []

    def flush_table() -> None:
        if table:
            width = max(len(r) for r in table)
            rows = [r + [""] * (width - len(r)) for r in table]
            out.append("| " + " | ".join(rows[0]) + " |")
            out.append("|" + "---|" * width)
            out.extend("| " + " | ".join(r) + " |" for r in rows[1:])
            out.append("")
            table.clear()

    for raw in lines[start:]:
        line = raw.rstrip()
        stripped = line.strip()
        if "\t" in stripped and not stripped.startswith("-"):
            table.append([cell.strip() for cell in stripped.split("\t")])
            continue
        flush_table()
        if stripped in TOP:
            out.append(f"## {stripped}\n")
        elif stripped in SUB:
            out.append(f"### {stripped}\n")
        elif stripped in SUBSUB:
            out.append(f"#### {stripped}\n")
        elif stripped:
            out.append(stripped + "\n")
    flush_table()
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(out))
    return HEADER + body.strip() + "\n"


if __name__ == "__main__":
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    target.write_text(convert(source.read_text(encoding="utf-8")), encoding="utf-8")
