"""Staff manage people, not content: the record's lines (Entry), shared or
internal, are not in the admin at all; members read them in the product,
through the access layer."""

from django.contrib import admin

from negotiations.admin import ReadOnlyRecordAdmin
from sessions.models import (
    Act,
    AgendaItem,
    Attendance,
    Corrigendum,
    MinutesApproval,
    Participant,
    Session,
    Summary,
)


class FrozenWithSessionInline(admin.TabularInline):
    """A closed session's agenda and attendance no longer change, here as
    anywhere (the database refuses it too)."""

    extra = 1

    def _open(self, obj) -> bool:
        return obj is None or not obj.is_frozen

    def has_add_permission(self, request, obj=None):
        return self._open(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._open(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._open(obj) and super().has_delete_permission(request, obj)


class AgendaItemInline(FrozenWithSessionInline):
    model = AgendaItem


class AttendanceInline(FrozenWithSessionInline):
    model = Attendance


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["negotiation", "number", "title", "status", "started_at", "ended_at"]
    list_filter = ["status"]
    search_fields = ["title", "negotiation__title"]
    # Closing, reopening and approving are acts of the parties' heads, done in the product.
    readonly_fields = ["number", "status", "started_at", "ended_at", "current_agenda_item"]
    inlines = [AgendaItemInline, AttendanceInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == Session.Status.MINUTES_APPROVED:
            return [f.name for f in Session._meta.fields]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.entries.exists()


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["name", "party", "function", "negotiation"]
    search_fields = ["name"]


@admin.register(Summary)
class SummaryAdmin(admin.ModelAdmin):
    """Summaries change only through the product: built by the job, edited
    and approved by a head of delegation."""

    list_display = ["session", "status", "attempts", "approved_by", "approved_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in Summary._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Corrigendum)
class CorrigendumAdmin(admin.ModelAdmin):
    list_display = ["summary", "number", "issued_by", "issued_at"]
    readonly_fields = ["summary", "number", "text", "issued_by", "issued_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MinutesApproval)
class MinutesApprovalAdmin(ReadOnlyRecordAdmin):
    list_display = ["summary", "corrigendum", "party", "delegation", "by", "at", "fingerprint"]


@admin.register(Act)
class ActAdmin(ReadOnlyRecordAdmin):
    list_display = ["negotiation", "seq", "kind", "party", "delegation", "by", "created_at"]
    list_filter = ["kind"]
