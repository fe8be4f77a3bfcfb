"""Admin views of the background machinery: read-only, for platform administrators."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from notifications.models import Delivery, Notification, OutboxMessage, Preference


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "key", "created_at", "published_at", "attempts"]
    list_filter = ["kind"]
    search_fields = ["key"]


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    readonly_fields = ("channel", "status", "address", "attempts", "result", "sent_at", "next_attempt_at")
    fields = readonly_fields


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["pk", "recipient", "event", "action", "created_at", "read_at"]
    list_filter = ["event"]
    search_fields = ["key", "recipient__username"]
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["pk", "notification", "channel", "status", "attempts", "sent_at"]
    list_filter = ["channel", "status"]


@admin.register(Preference)
class PreferenceAdmin(ReadOnlyAdmin):
    list_display = ["user", "line_user_id", "updated_at"]
