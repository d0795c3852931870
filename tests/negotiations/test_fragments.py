"""``{% memo %}`` renders a fragment once per distinct value within a page, and
keeps nothing from one page to the next."""

from __future__ import annotations

from django.template import Context, Template

TEMPLATE = Template(
    "{% load fragments %}{% for row in rows %}{% memo row.kind %}<{{ row.kind }} {{ calls.pop }}>{% endmemo %}"
    "{% endfor %}"
)


def test_a_memo_renders_its_fragment_once_per_distinct_value_in_a_page():
    calls = list(range(10, 0, -1))
    rows = [{"kind": k} for k in ("a", "b", "a", "a", "b", "c")]
    assert TEMPLATE.render(Context({"rows": rows, "calls": calls})) == "<a 1><b 2><a 1><a 1><b 2><c 3>"


def test_a_memo_keeps_nothing_from_one_page_to_the_next():
    first = TEMPLATE.render(Context({"rows": [{"kind": "a"}], "calls": [1]}))
    second = TEMPLATE.render(Context({"rows": [{"kind": "a"}], "calls": [2]}))
    assert (first, second) == ("<a 1>", "<a 2>")
