from django.urls import path

from kb import views_glaciers

app_name = "kb"

urlpatterns: list = [
    path("projects/<slug:slug>/glaciers/", views_glaciers.glacier_list, name="glacier-list"),
    path("glaciers/<int:pk>/", views_glaciers.glacier_detail, name="glacier-detail"),
    path("glaciers/<int:pk>/history/", views_glaciers.glacier_history, name="glacier-history"),
    path("glaciers/<int:pk>/merge/", views_glaciers.glacier_merge, name="glacier-merge"),
    path("glaciers/<int:pk>/split/", views_glaciers.glacier_split, name="glacier-split"),
]
