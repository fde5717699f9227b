"""Sign in with GitHub, configured by settings only, against a local OAuth stand-in on 127.0.0.1."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.providers.github.views import GitHubOAuth2Adapter
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db


class OAuthStandIn:
    """GitHub's three OAuth endpoints: the code exchange, /user and /user/emails (under /api/v3)."""

    def __init__(self):
        self.exchanged_codes = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, data):
                body = json.dumps(data).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):  # noqa: N802 (http.server's naming)
                form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                stand_in.exchanged_codes.append((form["code"][0], form["client_id"][0]))
                self.answer({"access_token": "gho_standin", "token_type": "bearer", "scope": "read:user"})

            def do_GET(self):  # noqa: N802
                if self.headers.get("Authorization") != "token gho_standin":
                    self.send_response(401)
                    self.end_headers()
                    return
                if self.path == "/api/v3/user":
                    self.answer({"id": 4242, "login": "octo-newcomer", "name": "Octo", "email": None})
                else:
                    self.answer([{"email": "octo@example.org", "primary": True, "verified": True}])

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def github_stand_in(settings, monkeypatch):
    stand_in = OAuthStandIn()
    settings.SOCIALACCOUNT_PROVIDERS = {
        "github": {
            "SCOPE": ["read:user", "user:email"],
            "APPS": [{"client_id": "glacier-test-client", "secret": "s3cret"}],
            "GITHUB_URL": stand_in.url,
        }
    }
    # allauth reads GITHUB_URL once, when its GitHub module is imported; point the adapter at the
    # stand-in the way that setting would have.
    for name, path in [
        ("access_token_url", "/login/oauth/access_token"),
        ("authorize_url", "/login/oauth/authorize"),
        ("profile_url", "/api/v3/user"),
        ("emails_url", "/api/v3/user/emails"),
    ]:
        monkeypatch.setattr(GitHubOAuth2Adapter, name, stand_in.url + path)
    yield stand_in
    stand_in.stop()


def test_a_newcomer_signs_in_with_github_and_gets_an_account(client, github_stand_in):
    start = client.post(reverse("github_login"))
    assert start.status_code == 302
    authorize = urlsplit(start["Location"])
    assert f"{authorize.scheme}://{authorize.netloc}" == github_stand_in.url
    state = parse_qs(authorize.query)["state"][0]

    done = client.get(reverse("github_callback"), {"code": "one-time-code", "state": state})
    assert done.status_code == 302
    assert github_stand_in.exchanged_codes == [("one-time-code", "glacier-test-client")]
    user = get_user_model().objects.get(username="octo-newcomer")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert EmailAddress.objects.filter(user=user, email="octo@example.org", verified=True).exists()


def test_the_login_page_offers_github_only_when_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"github": {"SCOPE": ["read:user"]}}
    assert "GitHub" not in client.get(reverse("account_login")).content.decode()
    settings.SOCIALACCOUNT_PROVIDERS = {"github": {"APPS": [{"client_id": "x", "secret": "y"}]}}
    assert "GitHub" in client.get(reverse("account_login")).content.decode()


def test_settings_map_the_environment_to_the_provider(monkeypatch):
    import importlib

    import config.settings as settings_module

    monkeypatch.setenv("GLACIER_GITHUB_OAUTH_CLIENT_ID", "abc")
    monkeypatch.setenv("GLACIER_GITHUB_OAUTH_SECRET", "def")
    monkeypatch.setenv("GLACIER_GITHUB_OAUTH_URL", "http://127.0.0.1:9/")
    try:
        reloaded = importlib.reload(settings_module)
        github = reloaded.SOCIALACCOUNT_PROVIDERS["github"]
        assert github["APPS"] == [{"client_id": "abc", "secret": "def"}]
        assert github["GITHUB_URL"] == "http://127.0.0.1:9"
    finally:
        monkeypatch.undo()
        importlib.reload(settings_module)
