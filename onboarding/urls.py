from django.urls import path

from onboarding import views

app_name = "onboarding"

urlpatterns: list = [
    path("gaps/", views.gap_board, name="gap-board"),
    path("gaps/rules/", views.gap_rules, name="gap-rules"),
    path("gaps/rules/<str:rule_id>/", views.gap_rule, name="gap-rule"),
    path("gaps/<int:pk>/", views.gap_detail, name="gap-detail"),
    path("gaps/<int:pk>/<str:action>/", views.gap_action, name="gap-action"),
    path("reports/subscriptions/<slug:slug>/", views.report_subscription_view, name="report-subscription"),
    path("reports/preview/", views.report_preview_view, name="report-preview-list"),
    path("reports/preview/<int:user_id>/", views.report_preview_view, name="report-preview"),
    path("reports/unsubscribe/<str:token>/", views.report_unsubscribe_view, name="report-unsubscribe"),
]
