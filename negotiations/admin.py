from django.contrib import admin

from negotiations.models import ApiToken, Delegation, DelegationMember, ExportJob, Membership, Negotiation, Party


class ReadOnlyRecordAdmin(admin.ModelAdmin):
    """Parts of the record change only through the product's workflows
    (capture, propose, agree, close, approve), never by hand: the admin
    shows them and nothing more."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DelegationMemberInline(admin.TabularInline):
    model = DelegationMember
    extra = 1
    autocomplete_fields = ["user"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name"]
    search_fields = ["name", "short_name"]


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ["name", "party"]
    search_fields = ["name", "party__name"]
    inlines = [DelegationMemberInline]


@admin.register(Negotiation)
class NegotiationAdmin(admin.ModelAdmin):
    list_display = ["title", "format", "status", "package_rule", "secretariat_keeps_record", "classification", "owner"]
    list_filter = ["format", "status", "package_rule"]
    search_fields = ["title"]
    filter_horizontal = ["parties"]
    inlines = [MembershipInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "created_at", "expires_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "name", "digest", "created_at", "expires_at", "last_used_at", "revoked_at", "two_factor"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke: these tokens stop working at once")
    def revoke(self, request, queryset):
        from django.utils import timezone

        count = queryset.filter(revoked_at=None).update(revoked_at=timezone.now())
        self.message_user(request, f"Revoked {count} token(s).")


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["stem", "fmt", "status", "progress", "requested_by", "created_at"]
    list_filter = ["status", "fmt"]
    exclude = ["content", "record"]
    readonly_fields = ["fingerprint", "fmt", "stem", "status", "progress", "error", "requested_by"]

    def has_add_permission(self, request):
        return False
