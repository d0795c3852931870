"""Fragments rendered once per page however many rows repeat them.

``{% memo a b %}...{% endmemo %}`` renders its body the first time a page meets
the values ``a`` and ``b``, and gives the same output wherever they meet again
in that page: the desk's 500 rows have a handful of distinct status badges and
consent cells, and each cost as much to render as the rest of its row. The
values named must be everything the body shows; nothing is kept from one page
to the next."""

from __future__ import annotations

from django import template
from django.template.base import FilterExpression, NodeList
from django.template.context import Context

register = template.Library()


class MemoNode(template.Node):
    def __init__(self, nodelist: NodeList, keys: list[FilterExpression]):
        self.nodelist = nodelist
        self.keys = keys

    def render(self, context: Context) -> str:
        # the render context lives as long as this page's render, and is not shared with another page's
        rendered = context.render_context.setdefault(self, {})
        key = tuple(k.resolve(context) for k in self.keys)
        if key not in rendered:
            rendered[key] = self.nodelist.render(context)
        return rendered[key]


@register.tag
def memo(parser, token) -> MemoNode:
    bits = token.split_contents()[1:]
    if not bits:
        raise template.TemplateSyntaxError("memo names the values its fragment shows: {% memo a b %}")
    nodelist = parser.parse(("endmemo",))
    parser.delete_first_token()
    return MemoNode(nodelist, [parser.compile_filter(bit) for bit in bits])
