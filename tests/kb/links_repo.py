"""A small repository whose docs link to each other in every way the link tests need."""

from pathlib import Path

from tests.kb.gitrepo import GitRepo

# A 1x1 PNG and an SVG that would run script if it were served as a page of ours.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'

FILES = {
    "README.md": (
        "# Widgets\n\n"
        "Read the [guide](docs/guide.md#getting-started), the [docs folder](docs/) "
        "and [design](docs/design/).\n\n"
        "![logo](images/logo.png)\n"
    ),
    "docs/README.md": "# Docs\n\nBack to [the top](../README.md).\n",
    "docs/guide.md": (
        "---\ntitle: Guide\nweight: 2\n---\n"
        "# Guide\n\n"
        "## Getting started\n\n"
        "See [values](../deploy/values.yaml), [the FAQ](faq.md), [notes](NOTES.md) "
        "and [usage](#usage).\n\n"
        "![diagram](diagram.svg)\n"
        "Jump [down](#getting-started) or [to a line](../deploy/values.yaml#L2).\n"
    ),
    "docs/Notes.md": "# Notes\n",
    "docs/diagram.svg": SVG,
    "docs/design/README.md": "# Design\n\n[Guide](../guide.md)\n",
    "images/logo.png": PNG,
    "deploy/values.yaml": "replicas: 1\nimage: widgets\n",
}


def links_repo(path: Path, *, origin: str = "git@github.com:example/widgets.git") -> GitRepo:
    repo = GitRepo(path)
    repo.commit("docs", files=FILES)
    if origin:
        repo._git("remote", "add", "origin", origin)
    return repo
