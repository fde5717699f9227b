"""Topic derivation: which items meet on which page.

In order, each top-level item (a doc, an owners file, an issue with its comments, a note):
1. docs and owners files go to their OWNERS area (the nearest directory above them with an
   OWNERS file, the root excluded), else to their top-level folder, else to the root topic;
2. issues go to the topics of their topical labels; a label an OWNERS file declares
   ("labels: [sig/node]") means that OWNERS area, so issues meet the area's docs;
3. items still without a topic join the nearest topic by TF-IDF cosine to its centroid when
   close enough; the rest are clustered (k-means, fixed seed) into text-similarity topics;
4. maintainers' pins and merges are applied last, so they always win.

Private items never shape a public topic: the vectoriser, centroids, cluster titles and
related topics are computed from public items only, and private items only join topics
that public items opened (by path, label, "area" or similarity to the public centroids),
so a private note's area never becomes a page, slug or title of its own.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from kb.glaciers.items import SourceItem, timestamp
from kb.glaciers.text import tfidf_vectorizer, top_terms

FOLDER = "folder"
OWNERS = "owners"
LABEL = "label"
CLUSTER = "cluster"
MANUAL = "manual"
UNSORTED_SIGNATURE = "unsorted"

Identity = tuple[str, str]  # (origin, signature)


@dataclass(frozen=True)
class TopicConfig:
    # Labels that say what kind of work an item is, not what it is about.
    ignored_label_prefixes: tuple[str, ...] = (
        "kind/", "priority/", "triage/", "lifecycle/", "needs-", "size/", "do-not-merge", "cncf-cla",
        "lgtm", "approved", "ok-to-test", "release-note", "good first issue", "help wanted", "question",
        "duplicate", "wontfix", "invalid", "bug", "enhancement", "documentation",
    )  # fmt: skip
    max_labels_per_item: int = 3
    attach_threshold: float = 0.12  # cosine to a topic centroid to join it without a label
    stickiness: float = 0.75  # an item stays in its previous topic down to this share of the threshold
    cluster_size: int = 25  # aim for clusters of about this many items
    min_cluster_size: int = 3
    related_limit: int = 3
    related_threshold: float = 0.08
    max_features: int = 30000


@dataclass
class OwnersArea:
    path: str  # directory ("" for the root)
    approvers: list[str] = field(default_factory=list)
    reviewers: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)


@dataclass
class Overrides:
    """Maintainers' edits, re-applied on every run."""

    pins: dict[int, Identity] = field(default_factory=dict)  # item id -> the only topic it belongs to
    merges: dict[Identity, Identity] = field(default_factory=dict)  # merged topic -> target topic
    manual: dict[Identity, str] = field(default_factory=dict)  # manual topics and their titles


@dataclass
class TopicSpec:
    origin: str
    signature: str
    title: str
    item_ids: list[int] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)
    related: list[Identity] = field(default_factory=list)

    @property
    def identity(self) -> Identity:
        return (self.origin, self.signature)


def derive_topics(
    items: list[SourceItem],
    *,
    owners_areas: dict[str, OwnersArea],
    overrides: Overrides | None = None,
    previous: dict[int, list[Identity]] | None = None,
    config: TopicConfig | None = None,
) -> list[TopicSpec]:
    """Topics for top-level items (comments travel with their issue), sorted by identity.

    `previous` maps item ids to the topics the last run put them in; it only breaks ties in
    favour of stability (an item keeps a similarity topic while it stays close enough).
    """
    # numpy, scipy and scikit-learn are imported in the functions that use them: this module
    # is loaded with the app, and importing them at module level cost every process seconds.
    import numpy as np

    config = config or TopicConfig()
    overrides = overrides or Overrides()
    previous = previous or {}
    items = sorted(items, key=lambda i: (i.kind, i.key))
    titles: dict[Identity, str] = {}
    owners: dict[Identity, list[str]] = {}
    assigned: dict[int, list[Identity]] = defaultdict(list)

    area_paths = sorted(path for path in owners_areas if path)
    label_areas = _label_areas(owners_areas)
    readme_titles = _readme_titles(items)

    def add(item: SourceItem, identity: Identity, title: str) -> None:
        titles.setdefault(identity, title)
        if identity not in assigned[item.id]:
            assigned[item.id].append(identity)

    # 1-2: structure and labels. Only public items open topics here; a private item then
    # joins those topics by its path, labels or "area", and never opens one: a topic's
    # title, slug and history are public even when all it holds is private.
    def structural(item: SourceItem) -> list[tuple[Identity, str]]:
        if item.kind in ("doc", "owners"):
            identity = _directory_identity(item.path, area_paths)
            return [(identity, _directory_title(identity, readme_titles))]
        places = []
        if item.is_thread:
            for label in _topical_labels(item.labels, config)[: config.max_labels_per_item]:
                if label in label_areas:
                    identity = (OWNERS, label_areas[label])
                    places.append((identity, _directory_title(identity, readme_titles)))
                else:
                    places.append(((LABEL, label), label))
        return places

    for item in items:
        if not item.is_private:
            for identity, title in structural(item):
                add(item, identity, title)
    public_identities = set(titles)
    for item in items:
        if not item.is_private:
            continue
        places = [identity for identity, _ in structural(item) if identity in public_identities]
        if not places and item.area:
            places = [_area_identity(item.area, area_paths, label_areas)]
        for identity in places:
            if identity in public_identities:
                add(item, identity, titles[identity])
    for identity in titles:
        if identity[0] == OWNERS and identity[1] in owners_areas:
            area = owners_areas[identity[1]]
            owners[identity] = list(dict.fromkeys(area.approvers + area.reviewers))

    # 3: text similarity for what structure and labels did not place.
    public = [item for item in items if not item.is_private]
    vectorizer, matrix = _fit(public, config)
    row_of = {item.id: row for row, item in enumerate(public)}
    if matrix is not None:
        unplaced = [item for item in public if not assigned.get(item.id)]
        # Clusters from earlier runs stay while enough of their members are still unplaced,
        # so a new issue does not reshuffle every similarity topic.
        provisional = _previous_clusters(unplaced, previous, config)
        order = sorted(set(titles) | set(provisional))
        if unplaced and order:
            centroids = _centroids(order, public, _with(assigned, provisional), matrix)
            index = {identity: n for n, identity in enumerate(order)}
            sims = (matrix[[row_of[i.id] for i in unplaced]] @ centroids.T).toarray()
            still = []
            for item, row in zip(unplaced, sims, strict=True):
                choice = _attach_choice(
                    row, [index[i] for i in previous.get(item.id, ()) if i in index], config
                )
                if choice is None:
                    still.append(item)
                else:
                    add(item, order[choice], titles.get(order[choice], ""))
            unplaced = still
        _cluster(unplaced, matrix, row_of, vectorizer, config, add, assigned, titles)
        _title_clusters(titles, public, assigned, matrix, row_of, vectorizer)
    # Anything left (no usable words) waits in one catch-all topic.
    for item in public:
        if not assigned.get(item.id):
            add(item, (CLUSTER, UNSORTED_SIGNATURE), "Other items")

    # Private items: by area above, else by similarity to public topics, never shaping them.
    order = sorted(titles)
    private = [item for item in items if item.is_private and not assigned.get(item.id)]
    if private and matrix is not None and order:
        centroids = _centroids(order, public, assigned, matrix)
        vectors = vectorizer.transform([item.full_text for item in private])
        sims = (vectors @ centroids.T).toarray()
        for item, row in zip(private, sims, strict=True):
            if row.max() > 0:
                add(item, order[int(np.argmax(row))], titles[order[int(np.argmax(row))]])
    # A private item with no public topic to join stays out of the glacier: even a
    # catch-all page would exist only because of it.
    if (CLUSTER, UNSORTED_SIGNATURE) in titles:
        for item in private:
            if not assigned.get(item.id):
                add(item, (CLUSTER, UNSORTED_SIGNATURE), "Other items")

    # 4: maintainers' edits.
    for identity, title in overrides.manual.items():
        titles[identity] = title
    for item_id, identity in overrides.pins.items():
        if item_id in assigned:
            assigned[item_id] = [identity]
    final: dict[Identity, list[int]] = defaultdict(list)
    for item in items:
        for identity in assigned.get(item.id, []):
            target = _resolve_merge(identity, overrides.merges)
            if item.id not in final[target]:
                final[target].append(item.id)
    specs = [
        TopicSpec(
            origin=identity[0],
            signature=identity[1],
            title=titles.get(identity, identity[1]),
            item_ids=ids,
            owners=owners.get(identity, []),
        )
        for identity, ids in sorted(final.items())
    ]
    if matrix is not None:
        _relate(specs, public, row_of, matrix, config)
    return specs


def _fit(public: list[SourceItem], config: TopicConfig):
    if not public:
        return None, None
    texts = [item.full_text for item in public]
    min_df = 2 if len(texts) >= 20 else 1
    vectorizer = tfidf_vectorizer(
        max_features=config.max_features, min_df=min_df, max_df=0.5 if len(texts) >= 20 else 1.0
    )
    try:
        matrix = vectorizer.fit_transform(texts).tocsr()
    except ValueError:  # no usable words at all
        return None, None
    return vectorizer, matrix


def _centroids(order: list[Identity], public, assigned, matrix):
    """(topics x terms) L2-normalised centroids of each topic's public members."""
    import numpy as np
    from scipy import sparse
    from sklearn.preprocessing import normalize

    rows, cols = [], []
    index = {identity: n for n, identity in enumerate(order)}
    for row, item in enumerate(public):
        for identity in assigned.get(item.id, []):
            rows.append(index[identity])
            cols.append(row)
    membership = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(order), matrix.shape[0])
    )
    return normalize(membership @ matrix)


def _cluster(unplaced, matrix, row_of, vectorizer, config, add, assigned, titles) -> None:
    import numpy as np
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import normalize

    if len(unplaced) < config.min_cluster_size:
        return
    vectors = matrix[[row_of[item.id] for item in unplaced]]
    usable = np.asarray(vectors.sum(axis=1)).ravel() > 0
    candidates = [item for item, ok in zip(unplaced, usable, strict=True) if ok]
    if len(candidates) < config.min_cluster_size:
        return
    vectors = vectors[np.flatnonzero(usable)]
    k = max(
        1, min(len(candidates) // config.min_cluster_size, math.ceil(len(candidates) / config.cluster_size))
    )
    labels = KMeans(n_clusters=k, random_state=0, n_init=3).fit_predict(vectors)
    groups: dict[int, list[int]] = defaultdict(list)
    for position, label in enumerate(labels):
        groups[int(label)].append(position)
    small: list[int] = []
    for label in sorted(groups):
        members = groups[label]
        if len(members) < config.min_cluster_size:
            small += members
            continue
        anchor = min((candidates[p] for p in members), key=lambda i: (timestamp(i.when), i.key))
        identity = (CLUSTER, f"cluster:{anchor.key}")
        for position in members:
            add(candidates[position], identity, "")
    if small and titles:
        order = sorted(titles)
        public_rows = {identity: [] for identity in order}
        for item_id, identities in assigned.items():
            for identity in identities:
                if item_id in row_of and identity in public_rows:
                    public_rows[identity].append(row_of[item_id])
        centroid_rows = [
            normalize(matrix[rows].sum(axis=0).A)[0] if rows else np.zeros(matrix.shape[1])
            for rows in public_rows.values()
        ]
        centroids = np.vstack(centroid_rows)
        sims = vectors[small] @ centroids.T
        for position, row in zip(small, np.asarray(sims), strict=True):
            if row.max() > 0:
                identity = order[int(np.argmax(row))]
                add(candidates[position], identity, titles[identity])


def _previous_clusters(unplaced, previous, config: TopicConfig) -> dict[Identity, list[int]]:
    members: dict[Identity, list[int]] = defaultdict(list)
    for item in unplaced:
        for identity in previous.get(item.id, ()):
            if identity[0] == CLUSTER and identity[1] != UNSORTED_SIGNATURE:
                members[identity].append(item.id)
    return {identity: ids for identity, ids in members.items() if len(ids) >= config.min_cluster_size}


def _with(assigned, provisional) -> dict[int, list[Identity]]:
    merged = {item_id: list(identities) for item_id, identities in assigned.items()}
    for identity, ids in provisional.items():
        for item_id in ids:
            merged.setdefault(item_id, []).append(identity)
    return merged


def _attach_choice(row, prior: list[int], config: TopicConfig) -> int | None:
    """The topic column an unplaced item joins: its previous topic while still close, else the best."""
    import numpy as np

    if prior:
        best_prior = max(prior, key=lambda n: (row[n], -n))
        if row[best_prior] >= config.attach_threshold * config.stickiness:
            return best_prior
    best = int(np.argmax(row))
    return best if row[best] >= config.attach_threshold else None


def _title_clusters(titles, public, assigned, matrix, row_of, vectorizer) -> None:
    """Name each similarity topic by the heaviest terms of its members' centroid."""
    from sklearn.preprocessing import normalize

    rows: dict[Identity, list[int]] = defaultdict(list)
    for item in public:
        for identity in assigned.get(item.id, []):
            if identity[0] == CLUSTER:
                rows[identity].append(row_of[item.id])
    for identity, member_rows in rows.items():
        centroid = normalize(matrix[member_rows].sum(axis=0).A)
        title = " / ".join(top_terms(vectorizer, centroid[0], limit=3))
        titles[identity] = title.capitalize() if title else identity[1]


def _relate(specs: list[TopicSpec], public, row_of, matrix, config: TopicConfig) -> None:
    import numpy as np
    from scipy import sparse
    from sklearn.preprocessing import normalize

    order = [spec.identity for spec in specs]
    members = {spec.identity: [i for i in spec.item_ids if i in row_of] for spec in specs}
    rows, cols = [], []
    for n, identity in enumerate(order):
        for item_id in members[identity]:
            rows.append(n)
            cols.append(row_of[item_id])
    membership = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(order), matrix.shape[0])
    )
    centroids = normalize(membership @ matrix)
    sims = (centroids @ centroids.T).toarray()
    for n, spec in enumerate(specs):
        row = sims[n]
        row[n] = 0
        best = sorted(
            np.flatnonzero(row >= config.related_threshold), key=lambda j: (-round(float(row[j]), 9), j)
        )
        spec.related = [order[j] for j in best[: config.related_limit]]


def _directory_identity(path: str, area_paths: list[str]) -> Identity:
    directory = path.rsplit("/", 1)[0] if "/" in path else ""
    best = ""
    for area in area_paths:
        if directory == area or directory.startswith(area + "/"):
            if len(area) > len(best):
                best = area
    if best:
        return (OWNERS, best)
    return (FOLDER, directory.split("/", 1)[0] if directory else "")


def _area_identity(area: str, area_paths: list[str], label_areas: dict[str, str]) -> Identity:
    if area in label_areas:
        return (OWNERS, label_areas[area])
    if area in area_paths:
        return (OWNERS, area)
    identity = _directory_identity(f"{area}/x", area_paths)
    return identity if identity[1] else (LABEL, area)


def _label_areas(owners_areas: dict[str, OwnersArea]) -> dict[str, str]:
    """label -> the shallowest OWNERS directory that declares it."""
    mapping: dict[str, str] = {}
    for path in sorted(owners_areas, key=lambda p: (p.count("/"), p)):
        if not path:
            continue
        for label in owners_areas[path].labels:
            mapping.setdefault(label, path)
    return mapping


def _readme_titles(items: list[SourceItem]) -> dict[str, str]:
    titles = {}
    for item in items:
        if item.kind != "doc" or item.is_private:
            continue
        directory, _, name = item.path.rpartition("/")
        if name.lower() in ("readme.md", "index.md", "_index.md") and item.title and item.title != name:
            titles.setdefault(directory, item.title)
    return titles


def _directory_title(identity: Identity, readme_titles: dict[str, str]) -> str:
    path = identity[1]
    if path in readme_titles:
        return readme_titles[path]
    return path or "Repository overview"


def _topical_labels(labels: tuple[str, ...], config: TopicConfig) -> list[str]:
    return [
        label
        for label in labels
        if not any(label.lower().startswith(prefix) for prefix in config.ignored_label_prefixes)
    ]


def _resolve_merge(identity: Identity, merges: dict[Identity, Identity]) -> Identity:
    seen = {identity}
    while identity in merges and merges[identity] not in seen:
        identity = merges[identity]
        seen.add(identity)
    return identity
