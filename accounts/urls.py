from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/token/", views.token_rotate, name="token-rotate"),
    path("profile/reports/", views.reports_choose, name="reports"),
]
