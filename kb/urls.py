from django.urls import path

from kb import views

app_name = "kb"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("projects/<slug:slug>/", views.project_detail, name="project"),
    path("documents/<int:pk>/", views.document_detail, name="document"),
    path("healthz", views.healthz, name="healthz"),
]
