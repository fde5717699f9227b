from django.urls import path

from onboarding.views import gaps as gap_views
from onboarding.views import people as views

app_name = "onboarding"

urlpatterns = [
    path("projects/<slug:slug>/people/", views.people, name="people"),
    path("projects/<slug:slug>/people/<int:pk>/", views.maintainer, name="maintainer"),
    path("projects/<slug:slug>/handoff-items/<int:pk>/check/", views.item_check, name="item_check"),
    path("projects/<slug:slug>/plans/<int:pk>/checklist/", views.checklist_create, name="checklist_create"),
    path(
        "projects/<slug:slug>/handoffs/<int:pk>/complete/",
        views.checklist_complete,
        name="checklist_complete",
    ),
    path("projects/<slug:slug>/onboarding/", views.onboarding, name="onboarding"),
    path("projects/<slug:slug>/onboarding/<int:path_pk>/enrol/", views.enrol, name="enrol"),
    path("projects/<slug:slug>/onboarding/<int:path_pk>/steps/<int:step_pk>/tick/", views.tick, name="tick"),
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
