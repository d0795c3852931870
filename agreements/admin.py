from django.contrib import admin

from agreements.models import Agreement, Formulation, Point
from negotiations.admin import ReadOnlyRecordAdmin


@admin.register(Point)
class PointAdmin(ReadOnlyRecordAdmin):
    """A point's title is words of the record: staff see it, the parties change it."""

    list_display = ["negotiation", "number", "title"]
    search_fields = ["title"]


@admin.register(Formulation)
class FormulationAdmin(ReadOnlyRecordAdmin):
    list_display = ["point", "party", "status", "language", "created_at"]
    list_filter = ["status"]
    search_fields = ["text"]
    exclude = ["entry"]  # a line's words stay out of the admin, whoever recorded it


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyRecordAdmin):
    list_display = ["formulation", "kind", "binding", "ad_referendum", "delegation", "recorded_by", "recorded_at"]
    list_filter = ["kind", "binding", "ad_referendum"]
