from __future__ import annotations

from django.contrib import admin, messages

from accounts.models import LoginLock


@admin.register(LoginLock)
class LoginLockAdmin(admin.ModelAdmin):
    list_display = ["username", "address", "failures", "last_failure_at", "locked_until"]
    search_fields = ["username", "address"]
    readonly_fields = ["username", "address", "failures", "last_failure_at", "locked_until"]
    actions = ["unlock"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Unlock: forget these failed sign-ins")
    def unlock(self, request, queryset):
        count = queryset.delete()[0]
        self.message_user(request, f"Unlocked {count} username/address pair(s).", messages.SUCCESS)
