"""kb.portal_links.rewrite_links: stored HTML re-sanitised, its repository links sent where the portal can follow."""

from kb.portal_links import NOT_RESOLVED, PortalLink, rewrite_links
from kb.rendering import render_markdown


def test_links_are_rewritten_marked_or_left_alone():
    html = render_markdown(
        "[doc](a.md#x) [gone](gone.md) [ext](https://example.org/) [top](#top) [unknown](b.md)\n\n![img](i.png)\n"
    )
    out = rewrite_links(
        html,
        {
            "a.md#x": PortalLink("/documents/3/#x"),
            "gone.md": PortalLink(None, 'Broken link: "gone.md" <does not exist>', broken=True),
            "i.png": PortalLink("/files/9/"),
        },
    )
    assert '<a href="/documents/3/#x"' in out
    assert '<a class="broken-link" title="Broken link: &quot;gone.md&quot; &lt;does not exist&gt;"' in out
    assert 'href="https://example.org/"' in out and 'href="#top"' in out
    assert f'<a class="broken-link" title="{NOT_RESOLVED}"' in out  # never a relative link to a portal 404
    assert '<img src="/files/9/" alt="img">' in out


def test_a_broken_anchor_keeps_its_page_and_says_why():
    out = rewrite_links(
        render_markdown("[a](a.md#old)"), {"a.md#old": PortalLink("/documents/3/", "gone", broken=True)}
    )
    assert '<a href="/documents/3/" class="broken-link" title="gone"' in out


def test_the_result_is_sanitised_again():
    html = '<a href="x.md" onclick="evil()">x</a><script>alert(1)</script><img src="javascript:alert(1)">'
    out = rewrite_links(html, {"x.md": PortalLink("/documents/1/")})
    assert "onclick" not in out and "<script" not in out and "javascript:" not in out
    assert 'href="/documents/1/"' in out
