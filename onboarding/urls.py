from django.urls import path

from onboarding import views

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
]
