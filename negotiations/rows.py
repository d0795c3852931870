"""Rows read into model instances without the ORM's per-call costs.

Three tools for the paths where the ORM's own work cost more than the database's:

- Hand-written statements on the hottest paths (the access check every request makes, the API
  token, recording a line), written once per process from the models' metadata: compiling a query
  through the ORM each time cost more CPU than running it (docs/PERFORMANCE.md, "The write path").
  ``columns``, ``instance``, ``instances`` and ``joined`` turn their rows into model instances,
  applying the backend's and the fields' converters as the ORM's compiler does, so the same code
  serves PostgreSQL and the embedded SQLite default.
- ``Reused``: a query of fixed shape (its joins, its columns, its order) that runs again and again
  with other values, compiled by the ORM once per process and database, then run with new values.
- ``attach_related``: related rows read once for many objects that share them, instead of joined
  into every row."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from functools import cache

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators


def columns(model: type[Model], alias: str, table: str | None = None) -> str:
    """The model's concrete columns, in field order, optionally qualified by a table alias."""
    quote = connections[alias].ops.quote_name
    prefix = f"{quote(table)}." if table else ""
    return ", ".join(prefix + quote(field.column) for field in model._meta.concrete_fields)


@cache
def _converters(model: type[Model], alias: str) -> tuple[tuple[int, tuple, object], ...]:
    """For each column that needs it, what turns the driver's value into the field's: none on
    PostgreSQL for most fields; dates, booleans and UUIDs on SQLite."""
    connection = connections[alias]
    found = []
    for index, field in enumerate(model._meta.concrete_fields):
        column = field.get_col(model._meta.db_table)
        converters = tuple(connection.ops.get_db_converters(column) + field.get_db_converters(connection))
        if converters:
            found.append((index, converters, column))
    return tuple(found)


@cache
def _names(model: type[Model]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def width(model: type[Model]) -> int:
    return len(model._meta.concrete_fields)


def instance[M: Model](model: type[M], alias: str, row: Sequence, start: int = 0) -> M:
    """The instance whose columns (as ``columns(model)`` lists them) start at ``row[start]``."""
    values = list(row[start : start + width(model)])
    connection = connections[alias]
    for index, functions, column in _converters(model, alias):
        for convert in functions:
            values[index] = convert(values[index], column, connection)
    return model.from_db(alias, _names(model), values)


def instances[M: Model](model: type[M], alias: str, sql: str, params: Sequence) -> list[M]:
    """Run ``sql`` (which selects ``columns(model)``) and build an instance from each row."""
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [instance(model, alias, row) for row in rows]


def joined(alias: str, sql: str, params: Sequence, *models: type[Model]) -> tuple | None:
    """Run ``sql``, which selects the columns of each of ``models`` in turn, and build one instance of
    each from its first row; None when there is no row. A model whose columns are all NULL (a LEFT
    JOIN that found nothing) gives None in its place."""
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    built, at = [], 0
    for model in models:
        pk_at = at + model._meta.concrete_fields.index(model._meta.pk)
        built.append(None if row[pk_at] is None else instance(model, alias, row, at))
        at += width(model)
    return tuple(built)


def attach_related(objects: Sequence[Model], relations: dict[str, Iterable[str]]) -> None:
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


class Reused[M: Model]:
    """A query whose shape never changes and whose values do: ``build(**values)`` returns the
    queryset (filters, ``select_related``, ordering; no ``prefetch_related``, no annotations). The
    ORM compiles it once per database, with a stand-in for each value, and the SQL is then run with
    the values of each call and its rows built as the ORM builds them (the related rows joined in
    included). The stream's read of new lines joins 16 tables: compiling that through the ORM cost
    more CPU than PostgreSQL took to run it.

    Each value must be a whole number that reaches the SQL as a parameter of its own (a primary or
    foreign key compared with ``=``, ``<``, ``>``)."""

    STAND_IN = -(2**31) + 7  # no key has it: the values' places in the compiled parameters are found by it

    def __init__(self, model: type[M], build: Callable[..., QuerySet[M]], *names: str) -> None:
        self.model, self.build, self.names = model, build, names
        self._compiled: dict[tuple[str, str], tuple] = {}
        self._lock = threading.Lock()

    def _compile(self, alias: str) -> tuple:
        stand_ins = {self.STAND_IN + i: name for i, name in enumerate(self.names)}
        queryset = self.build(**{name: value for value, name in stand_ins.items()})
        if queryset._prefetch_related_lookups or queryset.query.annotations or queryset._fetch_mode.track_peers:
            raise ValueError("Reused: prefetch_related, annotations and peer-fetching modes are not supported")
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        slots = [(stand_ins.get(p) if isinstance(p, int) else None, p) for p in params]
        found = sorted(name for name, _ in slots if name is not None)
        if found != sorted(self.names):
            raise ValueError(f"Reused: each of {self.names} must reach the SQL once as a parameter, found {found}")
        converters = compiler.get_converters([column[0] for column in compiler.select[: compiler.col_count]])
        return compiler, sql, slots, converters, queryset._fetch_mode

    def __call__(self, **values: int) -> list[M]:
        alias = router.db_for_read(self.model)
        key = (alias, connections[alias].vendor)
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key) or self._compiled.setdefault(key, self._compile(alias))
        compiler, sql, slots, converters, fetch_mode = compiled
        params = [values[name] if name is not None else value for name, value in slots]
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        select, klass_info = compiler.select, compiler.klass_info
        model_cls, fields = klass_info["model"], klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        names = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, alias, fetch_mode)
        built = []
        for row in compiler.apply_converters(rows, converters) if converters else rows:
            obj = model_cls.from_db(alias, names, row[start:end], fetch_mode=fetch_mode)
            for populator in populators:
                populator.populate(row, obj)
            built.append(obj)
        return built
