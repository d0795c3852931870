from django.contrib import admin

from agreements.models import Agreement, Formulation, Point


@admin.register(Point)
class PointAdmin(admin.ModelAdmin):
    list_display = ["negotiation", "number", "title"]
    search_fields = ["title"]


class ReadOnlyRecordAdmin(admin.ModelAdmin):
    """Formulations and agreement events change only through the product's
    workflows (propose, agree, confirm, reopen), never by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Formulation)
class FormulationAdmin(ReadOnlyRecordAdmin):
    list_display = ["point", "party", "status", "language", "created_at"]
    list_filter = ["status"]
    search_fields = ["text"]


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyRecordAdmin):
    list_display = ["formulation", "kind", "binding", "ad_referendum", "delegation", "recorded_by", "recorded_at"]
    list_filter = ["kind", "binding", "ad_referendum"]
