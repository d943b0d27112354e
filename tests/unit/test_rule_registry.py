"""Every rule is documented with the fixed headings, has a unique well-formed code and a fixture."""

from __future__ import annotations

import re

import pytest

from msmigrate.analysis.findings import Category
from msmigrate.rules import all_rules
from msmigrate.rules.base import DOC_HEADINGS, Rule
from tests.fixture_examples import FIXTURES

PREFIX = {Category.GRAPH_SYNTAX: "MSG", Category.API_DIFFERENCE: "MSA", Category.DYNAMIC_SHAPE: "MSD"}
FOLDER = {
    Category.GRAPH_SYNTAX: "graph_syntax",
    Category.API_DIFFERENCE: "api_difference",
    Category.DYNAMIC_SHAPE: "dynamic_shape",
}


def test_there_are_rules() -> None:
    assert len(all_rules()) >= 1


def test_codes_are_distinct() -> None:
    codes = [rule.code for rule in all_rules()]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.code)
def test_rule_is_documented(rule: type[Rule]) -> None:
    doc = rule.doc()
    assert doc.summary, "a one-line summary first"
    missing = [heading for heading in DOC_HEADINGS if not doc.sections.get(heading)]
    assert not missing, f"{rule.code} docstring lacks {missing}"
    assert doc.url and doc.url.startswith("https://www.mindspore.cn/"), "References must link the MindSpore docs"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.code)
def test_rule_code_matches_category_and_has_a_fixture(rule: type[Rule]) -> None:
    assert re.fullmatch(PREFIX[rule.category] + r"\d{3}", rule.code)
    assert rule.__module__.split(".")[-2] == FOLDER[rule.category]
    fixtures = list((FIXTURES / FOLDER[rule.category]).glob(f"{rule.code}*.py"))
    assert fixtures, f"{rule.code} needs examples in tests/fixtures/{FOLDER[rule.category]}/{rule.code}.py"


def test_markdown_doc_has_every_section() -> None:
    for rule in all_rules():
        markdown = rule.doc().as_markdown(rule.code, rule.name())
        for heading in DOC_HEADINGS:
            assert f"**{heading}**" in markdown
