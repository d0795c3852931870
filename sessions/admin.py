from django.contrib import admin

from sessions.models import AgendaItem, Attendance, Corrigendum, Entry, Participant, Session, Summary


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 1


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 1


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["negotiation", "number", "title", "status", "started_at", "ended_at"]
    list_filter = ["status"]
    search_fields = ["title", "negotiation__title"]
    readonly_fields = ["number"]
    inlines = [AgendaItemInline, AttendanceInline]

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.entries.exists()


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["name", "party", "function", "negotiation"]
    search_fields = ["name"]


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    """Entries are append-only: the admin shows them and never edits them."""

    list_display = ["session", "stream", "seq", "kind", "visibility", "author", "created_at"]
    list_filter = ["kind", "visibility"]
    search_fields = ["text"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
