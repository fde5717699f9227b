"""One identity per person: names, e-mails, logins, noreply addresses, maintainer-file triples; bots."""

import pytest

from onboarding.services.identities import IdentityResolver, is_bot, login_from_email


def resolve(*contacts):
    """Observe (name, email, login, weight) contacts; return the distinct identities, most commits first."""
    resolver = IdentityResolver()
    observed = [resolver.observe(name=n, email=e, login=login, weight=w) for n, e, login, w in contacts]
    return resolver, observed


@pytest.mark.parametrize(
    ("email", "login"),
    [
        ("12345+JaneDoe@users.noreply.github.com", "janedoe"),
        ("janedoe@users.noreply.github.com", "janedoe"),
        ("jane@example.org", ""),
        ("12345+jane@noreply.example.org", ""),
    ],
)
def test_noreply_addresses_give_the_login(email, login):
    assert login_from_email(email) == login


def test_same_full_name_joins_a_work_address_and_a_noreply_address():
    # The "Michael Crenshaw 157 + 58 commits" case.
    resolver, (work, noreply) = resolve(
        ("Michael Crenshaw", "michael@intuit.com", "", 157),
        ("Michael Crenshaw", "350466+crenshaw-dev@users.noreply.github.com", "", 58),
    )
    assert resolver.identity_of(work) is resolver.identity_of(noreply)
    identity = resolver.identity_of(work)
    assert identity.key == "crenshaw-dev" and identity.email == "michael@intuit.com"
    assert len(resolver.identities()) == 1


def test_github_login_joins_the_noreply_committer():
    resolver, (commit, commenter) = resolve(
        ("Jane", "1+jdoe@users.noreply.github.com", "", 3), ("", "", "@JDoe", 0)
    )
    assert resolver.identity_of(commit).key == resolver.identity_of(commenter).key == "jdoe"


def test_name_is_ambiguous_when_two_logins_carry_it():
    resolver, (a, b, plain) = resolve(
        ("John Smith", "1+jsmith@users.noreply.github.com", "", 5),
        ("John Smith", "2+johnsmith42@users.noreply.github.com", "", 5),
        ("John Smith", "john@example.net", "", 1),
    )
    keys = {resolver.identity_of(c).key for c in (a, b, plain)}
    assert keys == {"jsmith", "johnsmith42", "john@example.net"}


def test_single_word_names_and_placeholders_do_not_merge_people():
    resolver, (one, two, three, four) = resolve(
        ("alex", "alex@a.example", "", 1),
        ("alex", "alex@b.example", "", 1),
        ("Your Name", "x@c.example", "", 1),
        ("Your Name", "y@d.example", "", 1),
    )
    assert len({resolver.identity_of(c).key for c in (one, two, three, four)}) == 4


def test_one_word_author_name_that_is_a_known_login_joins_it():
    resolver, (stated, commit) = resolve(("", "", "negz", 0), ("negz", "nic@home.example", "", 4))
    assert resolver.identity_of(commit).key == "negz"


def test_maintainer_file_triple_joins_name_email_and_login():
    # OWNERS.md: "Nic Cope <negz@upbound.io> ([negz](https://github.com/negz))"
    resolver, (stated, by_email, by_name, by_login) = resolve(
        ("Nic Cope", "negz@upbound.io", "negz", 0),
        ("Nicholas Cope", "NEGZ@upbound.io", "", 10),
        ("Nic Cope", "nic@gmail.com", "", 3),
        ("", "", "negz", 0),
    )
    identities = {resolver.identity_of(c).key for c in (stated, by_email, by_name, by_login)}
    assert identities == {"negz"}
    identity = resolver.identity_of(by_email)
    assert set(identity.emails) == {"negz@upbound.io", "nic@gmail.com"}
    assert "@negz" in identity.aliases and "Nicholas Cope" in identity.aliases


def test_accents_case_and_spacing_do_not_split_a_name():
    resolver, (a, b) = resolve(
        ("José  García", "jose@a.example", "", 2), ("jose garcia", "jg@b.example", "", 1)
    )
    assert resolver.identity_of(a) is resolver.identity_of(b)


@pytest.mark.parametrize(
    ("name", "email", "login"),
    [
        ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com", ""),
        ("", "", "github-actions[bot]"),
        ("github-actions", "41898282+github-actions[bot]@users.noreply.github.com", ""),
        ("Renovate Bot", "bot@renovateapp.com", ""),
        ("Kubernetes Prow Robot", "k8s-ci-robot@users.noreply.github.com", ""),
        ("", "", "k8s-ci-robot"),
        ("", "", "fejta-bot"),
        ("CI", "release-bot@example.org", ""),
    ],
)
def test_bots_are_recognised(name, email, login):
    assert is_bot(name=name, email=email, login=login)


@pytest.mark.parametrize(
    ("name", "email", "login"),
    [("Jane Talbot", "jane.talbot@example.org", ""), ("", "", "abbot"), ("Robotics Fan", "r@x.example", "")],
)
def test_people_are_not_bots(name, email, login):
    assert not is_bot(name=name, email=email, login=login)


def test_bots_never_merge_by_name_and_are_flagged():
    resolver, (bot_a, bot_b, person) = resolve(
        ("Kubernetes Prow Robot", "k8s-ci-robot@users.noreply.github.com", "", 50),
        ("Kubernetes Prow Robot", "prow@k8s.example", "", 5),
        ("Jane Doe", "jane@example.org", "", 3),
    )
    assert resolver.identity_of(bot_a).is_bot and resolver.identity_of(bot_b).is_bot
    assert resolver.identity_of(bot_a) is not resolver.identity_of(bot_b)
    assert not resolver.identity_of(person).is_bot


def test_email_local_part_joins_a_known_login_when_unambiguous():
    resolver, (owners, work, old, short_login, short) = resolve(
        ("", "", "justinsb", 0),
        ("Justin Santa Barbara", "justinsb@google.com", "", 9),
        ("Justin SB", "justinsb@fathomdb.example", "", 2),
        ("", "", "dims", 0),
        ("Davanum Srinivas", "dims@example.org", "", 3),
    )
    assert resolver.identity_of(work).key == resolver.identity_of(old).key == "justinsb"
    # Four letters are too common to be sure.
    assert resolver.identity_of(short).key == "dims@example.org"


def test_email_local_part_does_not_join_when_two_people_carry_it():
    resolver, (owners, one, two) = resolve(
        ("", "", "jsmith", 0),
        ("John Smith", "jsmith@a.example", "", 2),
        ("Jane Smith", "jsmith@b.example", "", 2),
    )
    assert resolver.identity_of(owners).key == "jsmith"
    assert {resolver.identity_of(one).key, resolver.identity_of(two).key} == {
        "jsmith@a.example",
        "jsmith@b.example",
    }
