from django.urls import path

from kb.views_webhooks import github_webhook

app_name = "hooks"

urlpatterns = [
    path("hooks/github/", github_webhook, name="github"),
]
