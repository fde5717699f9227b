from django.contrib import admin

from onboarding.models import Gap, GapRun, ReportSend, ReportSubscription


@admin.register(Gap)
class GapAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "project",
        "rule_id",
        "severity",
        "state",
        "claimed_by",
        "first_seen_at",
        "last_seen_at",
    ]
    list_filter = ["state", "severity", "rule_id", "project"]
    search_fields = ["title", "path", "fingerprint"]
    raw_id_fields = ["claimed_by", "dismissed_by", "area"]


@admin.register(GapRun)
class GapRunAdmin(admin.ModelAdmin):
    list_display = ["project", "started_at", "finished_at", "found", "created", "resolved", "reopened"]
    list_filter = ["project"]


@admin.register(ReportSubscription)
class ReportSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "project", "unsubscribed", "updated_at"]
    list_filter = ["unsubscribed", "project"]
    raw_id_fields = ["user"]


@admin.register(ReportSend)
class ReportSendAdmin(admin.ModelAdmin):
    list_display = ["recipient", "week", "status", "attempts", "sent_at"]
    list_filter = ["status", "week"]
    search_fields = ["recipient__username", "recipient__email", "message_id"]
    raw_id_fields = ["recipient"]
