from django.urls import path

from kb import views, views_glaciers

app_name = "kb"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("projects/<slug:slug>/", views.project_detail, name="project"),
    path("documents/<int:pk>/", views.document_detail, name="document"),
    path("healthz", views.healthz, name="healthz"),
    path("projects/<slug:slug>/glaciers/", views_glaciers.glacier_list, name="glacier-list"),
    path("glaciers/<int:pk>/", views_glaciers.glacier_detail, name="glacier-detail"),
    path("glaciers/<int:pk>/history/", views_glaciers.glacier_history, name="glacier-history"),
    path("glaciers/<int:pk>/merge/", views_glaciers.glacier_merge, name="glacier-merge"),
    path("glaciers/<int:pk>/split/", views_glaciers.glacier_split, name="glacier-split"),
]
