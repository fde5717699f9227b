"""Organisations from e-mail domains through the public suffix list, stated names and the map file."""

import pytest

from onboarding.services.affiliations import (
    AffiliationMap,
    Organisations,
    organisation_key,
    registrable_domain,
)
from onboarding.services.identities import IdentityResolver


@pytest.mark.parametrize(
    ("email", "domain"),
    [
        ("jane@gmail.com", ""),
        ("jane@linux.com", ""),  # Linux Foundation members' free address
        ("12345+jane@users.noreply.github.com", ""),
        ("jane@redhat.com", "redhat.com"),
        ("jane@corp.google.com", "google.com"),
        ("jane@mail.intuit.com", "intuit.com"),
        ("jane@bbc.co.uk", "bbc.co.uk"),
        ("jane@dept.ox.ac.uk", "ox.ac.uk"),  # the PSL knows ac.uk; "last two labels" would say ac.uk
        ("jane@someone.github.io", "someone.github.io"),  # a private PSL suffix
        ("not-an-email", ""),
        ("root@localhost", ""),
        ("me@laptop.local", ""),
    ],
)
def test_registrable_domain_through_the_public_suffix_list(email, domain):
    assert registrable_domain(email) == domain


def test_names_and_domains_of_one_organisation_share_a_key():
    keys = {
        organisation_key(x) for x in ("Intuit", "Intuit Inc.", "intuit.com", "mail.intuit.com", "INTUIT, Inc")
    }
    assert keys == {"intuit"}
    assert organisation_key("Red Hat") == organisation_key("redhat.com") == "redhat"
    assert organisation_key("Google LLC") != organisation_key("Intuit")


def identity(resolver, **contact):
    return resolver.identity_of(resolver.observe(weight=1, **contact))


def test_stated_name_is_shown_for_a_domain_of_the_same_organisation():
    resolver = IdentityResolver()
    orgs = Organisations()
    by_domain = orgs.of(identity(resolver, name="A B", email="ab@mail.intuit.com"))
    stated = orgs.of(identity(resolver, name="C D", email="cd@gmail.com"), declared="Intuit")
    assert by_domain == stated == "intuit"
    assert orgs.name("intuit") == "Intuit"
    assert orgs.of(identity(resolver, name="E F", email="ef@gmail.com")) == ""


def test_affiliation_map_file_corrects_logins_emails_and_domains():
    mapping = AffiliationMap.parse(
        "negz: Upbound\nsolo@personal.example: Acme Corp\npersonal.example: Freelance\n"
        "'*.megacorp.example': MegaCorp\nbroken: [a, b]\n",
        path=".glacier/affiliations.yaml",
    )
    assert mapping.errors == [".glacier/affiliations.yaml: entry 'broken' needs one organisation name"]
    resolver = IdentityResolver()
    orgs = Organisations(mapping=mapping)
    # login beats a stated affiliation and the e-mail domain
    assert (
        orgs.of(identity(resolver, email="nic@gmail.com", login="negz"), declared="Crossplane") == "upbound"
    )
    assert orgs.of(identity(resolver, email="solo@personal.example")) == "acme"
    assert orgs.name("acme") == "Acme Corp"
    # a personal domain that is no organisation of its own
    assert orgs.name(orgs.of(identity(resolver, email="other@personal.example"))) == "Freelance"
    assert orgs.name(orgs.of(identity(resolver, email="x@eu.megacorp.example"))) == "MegaCorp"


def test_map_file_that_is_not_a_mapping_is_reported():
    assert AffiliationMap.parse("- a\n- b\n", path="m.yaml").errors
    assert AffiliationMap.parse("a: [\n", path="m.yaml").errors
