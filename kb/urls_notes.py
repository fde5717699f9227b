from django.urls import path

from kb import views_notes

app_name = "handoff_notes"

urlpatterns = [
    path("projects/<slug:slug>/handoff-notes/", views_notes.note_list, name="list"),
    path("projects/<slug:slug>/handoff-notes/new/", views_notes.note_create, name="create"),
    path("handoff-notes/<int:pk>/", views_notes.note_detail, name="detail"),
]
