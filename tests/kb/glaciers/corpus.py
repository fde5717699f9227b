"""A small, realistic project for compaction tests: docs with OWNERS areas, labelled and
unlabelled issues with comments, a reposted question, and a private handoff note.

Metadata keys are the ones kb/glaciers/items.py documents (as the GitHub source writes them).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kb.models import Document, Project
from kb.services.documents import DocumentInput, documents_upsert

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SECRET = "The staging cluster password rotates every Tuesday via the vault-unlock script"


def days_ago(n: int) -> datetime:
    return NOW - timedelta(days=n)


DOCS = {
    "README.md": (
        "# Example project\n\nThis repository holds the community documentation for the example project. "
        "Every special interest group keeps its charter and meeting notes in its own folder.\n",
        400,
    ),
    "OWNERS": ("approvers:\n  - root-lead\n", 400),
    "OWNERS_ALIASES": ("aliases:\n  node-leads:\n    - alice\n    - bob\n", 400),
    "sig-node/OWNERS": ("approvers:\n  - node-leads\nreviewers:\n  - dave\nlabels:\n  - sig/node\n", 300),
    "sig-node/README.md": (
        "# SIG Node\n\nSIG Node owns the kubelet and the container runtime interface on every node. "
        "The kubelet evicts pods when a node runs low on memory or disk space. "
        "Eviction thresholds for memory and disk are configured through kubelet flags. "
        "The container runtime interface lets the kubelet talk to containerd and CRI-O.\n\n"
        "## Meetings\n\nThe group meets every Tuesday to review kubelet eviction and runtime proposals.\n",
        200,
    ),
    "sig-network/OWNERS": ("approvers:\n  - carol\nlabels:\n  - sig/network\n", 300),
    "sig-network/README.md": (
        "# SIG Network\n\nSIG Network owns services, DNS, ingress and the kube-proxy component. "
        "The kube-proxy programs iptables or IPVS rules so that service virtual addresses reach pods. "
        "Cluster DNS resolves service names to their cluster addresses through CoreDNS.\n",
        250,
    ),
    "contributors/guide/README.md": (
        "# Contributor guide\n\nNew contributors open a pull request against the main branch. "
        "Every pull request needs an approving review from an owner of the changed files. "
        "Reviewers check the tests, the release note and the documentation of the pull request.\n",
        500,
    ),
}


def issue(number, title, body, *, labels=(), state="open", author="user", created=10, closed=None):
    return DocumentInput(
        kind="issue",
        key=f"issue/{number}",
        title=f"#{number} {title}",
        body=body,
        url=f"https://github.com/example/project/issues/{number}",
        last_changed_at=days_ago(closed if closed is not None else created),
        authors=[{"login": author}],
        metadata={
            "number": number,
            "state": state,
            "labels": sorted(labels),
            "author": author,
            "assignees": [],
            "created_at": days_ago(created).isoformat(),
            "closed_at": days_ago(closed).isoformat() if closed is not None else None,
        },
    )


def comment(cid, number, body, *, author, created):
    return DocumentInput(
        kind="comment",
        key=f"comment/{cid}",
        title=f"Comment on #{number} by {author}",
        body=body,
        url=f"https://github.com/example/project/issues/{number}#issuecomment-{cid}",
        last_changed_at=days_ago(created),
        authors=[{"login": author}],
        metadata={"issue_number": number, "author": author, "created_at": days_ago(created).isoformat()},
        parent_key=f"issue/{number}",
    )


ISSUES = [
    issue(
        1,
        "Kubelet eviction ignores the memory threshold",
        "The kubelet does not evict pods when memory on the node falls below the configured eviction threshold.",
        labels=["sig/node", "kind/bug"],
        state="closed",
        author="erin",
        created=500,
        closed=480,
    ),
    issue(
        2,
        "How do I configure the container runtime endpoint for the kubelet?",
        "I run containerd and the kubelet cannot find the runtime socket. Which flag sets the endpoint?",
        labels=["sig/node"],
        state="closed",
        author="frank",
        created=200,
        closed=190,
    ),
    issue(
        3,
        "Should kube-proxy default to IPVS mode?",
        "Large clusters have thousands of services and iptables rules get slow. Is IPVS the better default?",
        labels=["sig/network"],
        state="open",
        author="grace",
        created=5,
    ),
    issue(
        4,
        "Pods evicted too early under disk pressure",
        "Our nodes evict pods when disk usage reaches seventy percent although the kubelet eviction "
        "threshold for disk is set to ninety percent.",
        labels=[],
        state="open",
        author="heidi",
        created=3,
    ),
    issue(
        5,
        "CoreDNS fails to resolve service names after upgrade",
        "After upgrading the cluster the CoreDNS pods fail to resolve service names to cluster addresses.",
        labels=["sig/network"],
        state="closed",
        author="ivan",
        created=40,
        closed=35,
    ),
    issue(
        6,
        "CoreDNS cannot resolve service names after the upgrade",
        "After upgrading the cluster the CoreDNS pods fail to resolve service names to cluster addresses!",
        labels=["sig/network"],
        state="closed",
        author="judy",
        created=38,
        closed=36,
    ),
]

COMMENTS = [
    comment(
        101,
        1,
        "I can reproduce this on a node with eight gigabytes of memory.",
        author="mallory",
        created=495,
    ),
    comment(
        102,
        1,
        "We decided to evaluate memory eviction signals every ten seconds instead of every minute. "
        "The fix landed in the kubelet eviction manager.",
        author="alice",
        created=481,
    ),
    comment(
        103,
        2,
        "Set the container runtime endpoint flag on the kubelet to the containerd socket path. "
        "The default endpoint points at the old dockershim socket.",
        author="bob",
        created=191,
    ),
    comment(
        104,
        5,
        "The CoreDNS configuration map lost its forward block during the upgrade; restoring it fixes resolution.",
        author="carol",
        created=35,
    ),
]


def build_project(*, slug: str = "example", visibility: str = "public") -> Project:
    project = Project.objects.create(slug=slug, name=slug.title(), visibility=visibility)
    documents_upsert(
        project=project,
        source="local",
        items=[
            DocumentInput(
                kind="owners" if path.rsplit("/", 1)[-1].startswith("OWNERS") else "doc",
                key=path,
                path=path,
                title=_title(body, path),
                body=body,
                last_changed_at=days_ago(age),
                authors=[{"name": "Alice Doe", "email": "alice@example.org", "login": "alice"}],
            )
            for path, (body, age) in DOCS.items()
        ],
        index=False,
    )
    documents_upsert(project=project, source="github", items=ISSUES + COMMENTS, index=False)
    return project


def add_private_note(project: Project, *, created_by=None) -> Document:
    documents_upsert(
        project=project,
        source="notes",
        items=[
            DocumentInput(
                kind="handoff_note",
                key="note/node-handoff",
                title="Handoff: SIG Node on-call",
                body=f"{SECRET}. Ask alice before changing the kubelet eviction thresholds on staging.",
                last_changed_at=days_ago(2),
                metadata={"area": "sig-node"},
                is_private=True,
                created_by_id=created_by.pk if created_by else None,
            )
        ],
        index=False,
    )
    return Document.objects.get(project=project, key="note/node-handoff")


def add_issue(project: Project, item: DocumentInput, *comments: DocumentInput) -> None:
    documents_upsert(project=project, source="github", items=[item, *comments], index=False)


def _title(body: str, path: str) -> str:
    for line in body.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.rsplit("/", 1)[-1]
