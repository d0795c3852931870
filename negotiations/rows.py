"""Related rows read once for many objects that share them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import models


def attach_related(objects: Sequence[models.Model], relations: dict[str, Iterable[str]]) -> None:
    """Give each object the rows its foreign keys in ``relations`` point to
    (``{"delegation": ("party",)}``: each delegation with its party), each
    row read and built once however many objects share it: one query per
    relation, whatever the number of objects. Joined into every object's
    row (``select_related``), a row shared by thousands of objects was built
    again for each of them."""
    if not objects:
        return
    meta = type(objects[0])._meta
    for name, nested in relations.items():
        field = meta.get_field(name)
        ids = {getattr(o, field.attname) for o in objects}
        ids.discard(None)
        rows = {}
        if ids:
            related = field.related_model._base_manager.all()
            nested = tuple(nested)
            rows = (related.select_related(*nested) if nested else related).in_bulk(ids)
        for o in objects:
            field.set_cached_value(o, rows.get(getattr(o, field.attname)))
