from django import forms
from django.contrib import admin

from negotiations.models import (
    ApiToken,
    Delegation,
    DelegationMember,
    ExportJob,
    Invitation,
    Membership,
    Negotiation,
    Party,
    delegation_of,
)


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


class DelegationMemberForm(forms.ModelForm):
    """A person is moved by removing them from one delegation and adding them
    to another, never by putting another person in their row: the memberships
    they held with the old delegation end when they leave it
    (negotiations/signals.py)."""

    class Meta:
        model = DelegationMember
        fields = ["user"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["user"].disabled = True


class DelegationMemberInline(admin.TabularInline):
    model = DelegationMember
    form = DelegationMemberForm
    extra = 1
    autocomplete_fields = ["user"]


class MembershipForm(forms.ModelForm):
    """A membership sits with its member's own delegation, and keeps it:
    moving a person to another delegation is done on the delegations, where
    it ends their memberships with the old one everywhere at once."""

    class Meta:
        model = Membership
        fields = ["user", "delegation", "role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["delegation"].disabled = True
            self.fields["user"].disabled = True

    def clean(self):
        data = super().clean()
        user, delegation = data.get("user"), data.get("delegation")
        if self.instance.pk is None and user is not None and delegation is not None:
            own = delegation_of(user)
            if own != delegation:
                where = f"belongs to the delegation {own.name}" if own else "belongs to no delegation yet"
                raise forms.ValidationError(
                    f"{user.get_username()} {where}; a membership sits with the member's own delegation. "
                    "Move the person between delegations on the delegations' pages first."
                )
        return data


class MembershipInline(admin.TabularInline):
    model = Membership
    form = MembershipForm
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


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """The links heads have handed out: for whom (negotiation, delegation, role), by whom, and whether each was
    used, revoked or left to expire. Its secret was never stored, and its digest is not shown. An operator can
    revoke a link still unused (sent to a wrong address, say); heads revoke their own on the negotiation's page."""

    list_display = ["negotiation", "delegation", "role", "created_by", "created_at", "expires_at", "state"]
    list_filter = ["role"]
    search_fields = ["negotiation__title", "delegation__name", "created_by__username"]
    exclude = ["digest"]
    readonly_fields = [
        "negotiation", "delegation", "role", "created_by", "created_by_delegation", "created_at", "expires_at",
        "used_at", "used_by", "revoked_at",
    ]  # fmt: skip
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # who was invited, and by whom, stays known

    @admin.action(description="Revoke: these links, if still unused, stop working at once")
    def revoke(self, request, queryset):
        from django.utils import timezone

        count = queryset.filter(revoked_at=None, used_at=None).update(revoked_at=timezone.now())
        self.message_user(request, f"Revoked {count} unused link(s).")


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["stem", "fmt", "status", "progress", "requested_by", "created_at"]
    list_filter = ["status", "fmt"]
    exclude = ["content", "record"]
    readonly_fields = ["fingerprint", "fmt", "stem", "status", "progress", "error", "requested_by"]

    def has_add_permission(self, request):
        return False
