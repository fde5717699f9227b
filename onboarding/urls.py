from django.urls import path

from onboarding import gap_views

app_name = "onboarding"

urlpatterns: list = [
    path("gaps/", gap_views.gap_board, name="gap-board"),
    path("gaps/rules/", gap_views.gap_rules, name="gap-rules"),
    path("gaps/rules/<str:rule_id>/", gap_views.gap_rule, name="gap-rule"),
    path("gaps/<int:pk>/", gap_views.gap_detail, name="gap-detail"),
    path("gaps/<int:pk>/<str:action>/", gap_views.gap_action, name="gap-action"),
    path(
        "reports/subscriptions/<slug:slug>/", gap_views.report_subscription_view, name="report-subscription"
    ),
    path("reports/preview/", gap_views.report_preview_view, name="report-preview-list"),
    path("reports/preview/<int:user_id>/", gap_views.report_preview_view, name="report-preview"),
    path("reports/unsubscribe/<str:token>/", gap_views.report_unsubscribe_view, name="report-unsubscribe"),
]
