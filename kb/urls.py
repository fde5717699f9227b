"""Portal URLs of kb. Handoff notes and webhooks keep namespaces of their own
(`handoff_notes:`, `hooks:`); config/urls.py mounts all three lists."""

from django.urls import path

from kb.views import glaciers, memberships, notes, portal, webhooks

app_name = "kb"

urlpatterns = [
    path("", portal.home, name="home"),
    path("search/", portal.search, name="search"),
    path("projects/<slug:slug>/", portal.project_detail, name="project"),
    path("documents/<int:pk>/", portal.document_detail, name="document"),
    path("files/<int:pk>/", portal.repository_file, name="repository-file"),
    path("healthz", portal.healthz, name="healthz"),
    path("projects/<slug:slug>/glaciers/", glaciers.glacier_list, name="glacier-list"),
    path("glaciers/<int:pk>/", glaciers.glacier_detail, name="glacier-detail"),
    path("glaciers/<int:pk>/history/", glaciers.glacier_history, name="glacier-history"),
    path("glaciers/<int:pk>/merge/", glaciers.glacier_merge, name="glacier-merge"),
    path("glaciers/<int:pk>/split/", glaciers.glacier_split, name="glacier-split"),
    path("projects/<slug:slug>/members/", memberships.project_members_view, name="project-members"),
    path(
        "projects/<slug:slug>/membership-requests/", memberships.membership_request, name="membership-request"
    ),
    path(
        "membership-requests/<int:pk>/<str:decision>/",
        memberships.membership_request_decide_view,
        name="membership-request-decide",
    ),
    path("invitations/<str:token>/", memberships.invitation_view, name="invitation"),
]

handoff_note_patterns = [
    path("projects/<slug:slug>/handoff-notes/", notes.note_list, name="list"),
    path("projects/<slug:slug>/handoff-notes/new/", notes.note_create, name="create"),
    path("handoff-notes/<int:pk>/", notes.note_detail, name="detail"),
]

hook_patterns = [
    path("hooks/github/", webhooks.github_webhook, name="github"),
]
