from django.contrib import admin

from agreements.models import Agreement, Formulation, Point
from negotiations.admin import ReadOnlyRecordAdmin


@admin.register(Point)
class PointAdmin(admin.ModelAdmin):
    list_display = ["negotiation", "number", "title"]
    search_fields = ["title"]


@admin.register(Formulation)
class FormulationAdmin(ReadOnlyRecordAdmin):
    list_display = ["point", "party", "status", "language", "created_at"]
    list_filter = ["status"]
    search_fields = ["text"]


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyRecordAdmin):
    list_display = ["formulation", "kind", "binding", "ad_referendum", "delegation", "recorded_by", "recorded_at"]
    list_filter = ["kind", "binding", "ad_referendum"]
