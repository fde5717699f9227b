"""kb.services.repository_policy: what a user may set as a project's repository, and what a sync may read.

Names never touch the network here: `resolve_host` is replaced by a table.
"""

import os

import pytest
from django.contrib.auth import get_user_model

from kb.services import repository_policy
from kb.services.repository_policy import (
    RepositoryPolicyError,
    repository_approval,
    repository_check_for_sync,
    repository_local_dir,
    repository_validate,
)
from tests.kb.factories import ProjectFactory

PUBLIC_ADDRESS = "140.82.112.3"


@pytest.fixture
def dns(monkeypatch):
    """A fake resolver: {host: [addresses]}; an unknown host fails as a real lookup would."""
    table = {"github.com": [PUBLIC_ADDRESS], "localhost": ["127.0.0.1"]}

    def resolve(host, port):
        if host not in table:
            raise OSError(f"cannot resolve {host}")
        return table[host]

    monkeypatch.setattr(repository_policy, "resolve_host", resolve)
    return table


def user(username, **extra):
    # No password: hashing one costs ~0.3 s and the policy never looks at it.
    return get_user_model().objects.create_user(username, password=None, **extra)


@pytest.fixture
def maintainer(db):
    return user("maintainer")


@pytest.fixture
def staff(db):
    return user("staff", is_staff=True)


ALLOWED_REMOTES = [
    "https://github.com/acme/widgets.git",
    "https://github.com/acme/widgets",
    "https://GitHub.com./acme/widgets",
    "ssh://git@github.com/acme/widgets.git",
    "ssh://git@github.com:22/acme/widgets.git",
    "git@github.com:acme/widgets.git",
    "github:acme/widgets",
]

REFUSED_FOR_EVERYONE = {
    "file:///etc": "https:// and ssh://",
    "file://localhost/srv/other-project": "https:// and ssh://",
    "http://127.0.0.1:6379/x.git": "https:// and ssh://",
    "http://10.0.0.1/": "https:// and ssh://",
    "http://github.com/acme/widgets.git": "https:// and ssh://",
    "git://github.com/acme/widgets.git": "https:// and ssh://",
    "ext::sh -c touch% /tmp/pwned": "spaces",
    "https://127.0.0.1/x.git": "loopback",
    "https://10.0.0.1/x.git": "private",
    "https://169.254.169.254/latest/meta-data": "reserved",
    "https://[::1]/x.git": "loopback",
    "https://[::ffff:127.0.0.1]/x.git": "loopback",
    "ssh://git@192.168.1.4/x.git": "private",
    "git@10.1.2.3:acme/widgets.git": "private",
    "https://gitlab.com/acme/widgets.git": "not an allowed repository host",
    "https://localhost/x.git": "not an allowed repository host",
    "-oProxyCommand=touch /tmp/pwned": "option",
    "--upload-pack=touch /tmp/pwned": "option",
    "ssh://-oProxyCommand=touch/x": "host name",
    "git@github.com:-oops/x.git": "leading '-'",
    "https://user:secret@github.com/acme/widgets.git": "credentials",
    "https://token@github.com/acme/widgets.git": "credentials",
    "https://github.com:8443/acme/widgets.git": "port 443",
    "ssh://git@github.com:2222/acme/widgets.git": "port 22",
    "https://github.com/acme/../../etc/passwd": "'..'",
    "https://github.com/acme/%2e%2e/x": "'..'",
    "https://github.com/": "path is missing",
    "https://github.com/acme/widgets.git?x=1": "query",
    "https://github.com@evil.example/acme/widgets.git": "credentials",
    "https://evil.example#@github.com/acme/widgets.git": "fragment",
    "https://%67ithub.com/acme/widgets.git": "valid host name",
    "https://github.com.evil.example/acme/widgets.git": "not an allowed repository host",
    "https://0x7f.0.0.1/x.git": "not an allowed repository host",
    "https://2130706433/x.git": "not an allowed repository host",
    "github:not-a-repo": "github:OWNER/NAME",
    "/srv/../etc": "'..'",
    "srv/relative": "absolute path",
    "~/checkout": "absolute path",
}


@pytest.mark.parametrize("value", ALLOWED_REMOTES)
def test_maintainers_may_name_remotes_on_allowed_hosts(value, maintainer, dns):
    assert repository_validate(f"  {value} ", user=maintainer) == value
    assert repository_approval(value, user=maintainer) == ""


@pytest.mark.parametrize(("value", "why"), REFUSED_FOR_EVERYONE.items())
def test_refused_for_maintainers_and_staff_alike(value, why, maintainer, staff, dns):
    for user in (maintainer, staff, None):
        with pytest.raises(RepositoryPolicyError, match=why):
            repository_validate(value, user=user)


def test_local_paths_are_for_staff_and_recorded_as_approved(maintainer, staff, dns):
    with pytest.raises(RepositoryPolicyError, match="Only staff"):
        repository_validate("/srv/comet", user=maintainer)
    assert repository_validate("/srv/comet", user=staff) == "/srv/comet"
    assert repository_approval("/srv/comet", user=staff) == "/srv/comet"
    assert repository_approval("/srv/comet", user=maintainer) == ""
    inactive = user("gone", is_staff=True, is_active=False)
    with pytest.raises(RepositoryPolicyError, match="Only staff"):
        repository_validate("/srv/comet", user=inactive)


def test_allowed_roots_let_maintainers_name_paths_inside_them_only(tmp_path, settings, maintainer, dns):
    root = tmp_path / "checkouts"
    (root / "comet").mkdir(parents=True)
    (tmp_path / "private").mkdir()
    os.symlink(tmp_path / "private", root / "sneaky")
    settings.GLACIER_LOCAL_REPOSITORY_ROOTS = [str(root)]
    assert repository_validate(str(root / "comet"), user=maintainer) == str(root / "comet")
    with pytest.raises(RepositoryPolicyError, match="allowed roots"):
        repository_validate(str(tmp_path / "private"), user=maintainer)
    with pytest.raises(RepositoryPolicyError, match="allowed roots"):
        repository_validate(str(root / "sneaky"), user=maintainer)  # a link out of the root
    with pytest.raises(RepositoryPolicyError, match="allowed roots"):
        repository_validate(f"{root}-evil/x", user=maintainer)  # a sibling sharing the prefix


def test_a_name_resolving_to_a_private_address_is_refused(settings, maintainer, dns):
    settings.GLACIER_ALLOWED_REPOSITORY_HOSTS = ["github.com", "localhost", "git.internal"]
    with pytest.raises(RepositoryPolicyError, match="resolves to a loopback"):
        repository_validate("https://localhost/x.git", user=maintainer)
    dns["git.internal"] = [PUBLIC_ADDRESS, "10.0.0.7"]
    with pytest.raises(RepositoryPolicyError, match="resolves to a loopback"):
        repository_validate("https://git.internal/x.git", user=maintainer)


def test_an_unresolvable_allowed_host_passes_validation_but_not_the_sync(maintainer, dns, db):
    del dns["github.com"]
    url = "https://github.com/acme/widgets.git"
    assert repository_validate(url, user=maintainer) == url
    project = ProjectFactory(repository=url, repository_approved="")
    with pytest.raises(RepositoryPolicyError, match="Could not resolve github.com"):
        repository_check_for_sync(project=project, target=url)
    assert repository_check_for_sync(project=project, target=url, strict_dns=False).pins == ()


def test_sync_check_pins_https_to_the_checked_addresses(dns, db):
    url = "https://github.com/acme/widgets.git"
    source = repository_check_for_sync(
        project=ProjectFactory(repository=url, repository_approved=""), target=url
    )
    assert (source.is_local, source.trusted, source.protocols) == (False, False, ("https", "ssh"))
    assert source.pins == (("github.com", 443, (PUBLIC_ADDRESS,)),)


def test_dns_rebinding_after_validation_is_caught_at_sync(settings, maintainer, dns, db):
    settings.GLACIER_ALLOWED_REPOSITORY_HOSTS = ["github.com", "git.example.org"]
    dns["git.example.org"] = [PUBLIC_ADDRESS]
    url = "https://git.example.org/acme/widgets.git"
    project = ProjectFactory(repository=repository_validate(url, user=maintainer), repository_approved="")
    dns["git.example.org"] = ["127.0.0.1"]
    with pytest.raises(RepositoryPolicyError, match="resolves to a loopback"):
        repository_check_for_sync(project=project, target=url)


def test_a_row_nobody_approved_is_held_to_the_rules_at_sync(tmp_path, dns, db):
    project = ProjectFactory(repository=str(tmp_path), repository_approved="")
    with pytest.raises(RepositoryPolicyError, match="Only staff"):
        repository_check_for_sync(project=project, target=str(tmp_path))
    for target in ["file:///etc", "http://127.0.0.1:6379/x.git", "-oProxyCommand=x"]:
        with pytest.raises(RepositoryPolicyError):
            repository_check_for_sync(project=project, target=target)


def test_an_approval_covers_only_the_exact_value_approved(tmp_path, dns, db):
    project = ProjectFactory(repository=str(tmp_path), repository_approved=str(tmp_path))
    source = repository_check_for_sync(project=project, target=str(tmp_path))
    assert source.is_local and source.trusted
    with pytest.raises(RepositoryPolicyError):
        repository_check_for_sync(project=project, target=str(tmp_path / "other"))
    with pytest.raises(RepositoryPolicyError, match="option"):
        repository_check_for_sync(
            project=ProjectFactory(repository="-x", repository_approved="-x"), target="-x"
        )


def test_local_readers_get_only_what_the_policy_allows(tmp_path, settings, dns, db):
    settings.GLACIER_REPOS_DIR = tmp_path / "repos"
    (tmp_path / "repos" / "victim").mkdir(parents=True)
    (tmp_path / "checkout").mkdir()
    approved = ProjectFactory(repository=str(tmp_path / "checkout"))
    assert repository_local_dir(approved) == tmp_path / "checkout"
    unapproved = ProjectFactory(slug="sneaky", repository=str(tmp_path / "checkout"), repository_approved="")
    assert repository_local_dir(unapproved) is None
    # A remote named after another project's slug never reads that project's clone.
    remote = ProjectFactory(slug="evil", repository="https://github.com/acme/victim.git")
    assert repository_local_dir(remote) is None
    (tmp_path / "repos" / "evil").mkdir()
    assert repository_local_dir(remote) == tmp_path / "repos" / "evil"
    assert repository_local_dir(remote, include_clone=False) is None


def test_numeric_host_spellings_of_loopback_are_caught_by_resolution_even_when_allowed(
    settings, maintainer, monkeypatch
):
    # getaddrinfo reads these as 127.0.0.1, as curl would; nothing here is looked up on the network.
    settings.GLACIER_ALLOWED_REPOSITORY_HOSTS = ["2130706433", "0x7f.0.0.1"]
    for host in settings.GLACIER_ALLOWED_REPOSITORY_HOSTS:
        with pytest.raises(RepositoryPolicyError, match="resolves to a loopback"):
            repository_validate(f"https://{host}/x.git", user=maintainer)
