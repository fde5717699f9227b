"""Swagger UI and ReDoc draw the API in a real Chromium, from this server only, under the CSP."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("path", "drawn"),
    [("/api/docs/", ".swagger-ui .opblock-tag"), ("/api/redoc/", "[role=menuitem], .menu-content li")],
)
def test_api_docs_render_without_leaving_the_server(page, live_server, path, drawn):
    outside, blocked = [], []
    # Anything fetched from elsewhere (ReDoc's footer logo is refused by the page's img-src).
    page.on(
        "response",
        lambda response: (
            outside.append(response.url)
            if not response.url.startswith((live_server.url, "data:", "blob:"))
            else None
        ),
    )
    page.on(
        "console",
        lambda msg: (
            blocked.append(msg.text)
            if "Content Security Policy" in msg.text and "img-src" not in msg.text
            else None
        ),
    )
    page.goto(path)
    page.wait_for_selector(drawn, timeout=20_000)
    assert page.get_by_text("projects").first.is_visible()
    assert outside == [] and blocked == []
