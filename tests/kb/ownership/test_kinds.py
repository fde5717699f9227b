import pytest

from kb.ownership import Role, is_vendored_path, ownership_file_kind, senior_role


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("sig-docs/OWNERS", "owners"),
        ("OWNERS_ALIASES", "owners_aliases"),
        (".github/CODEOWNERS", "codeowners"),
        ("CODEOWNERS", "codeowners"),
        ("docs/CODEOWNERS", "codeowners"),
        (".gitlab/CODEOWNERS", "codeowners"),
        ("src/CODEOWNERS", None),  # GitHub reads only the three locations
        ("CODEOWNERS.md", None),
        ("MAINTAINERS", "maintainers"),
        ("MAINTAINERS.md", "maintainers"),
        ("MAINTAINERS.rst", "maintainers"),
        ("maintainers.txt", "maintainers"),
        ("OWNERS.md", "governance"),
        ("GOVERNANCE.md", "governance"),
        ("governance.md", "governance"),
        ("README.md", None),
        ("owners", None),
        ("pkg/nodeapprovers/testdata/valid/OWNERS", None),
        ("vendor/github.com/x/y/OWNERS", None),
        ("charts/third_party/MAINTAINERS.md", None),
        ("web/node_modules/pkg/OWNERS.md", None),
        ("examples/demo/OWNERS", None),
        ("test/fixtures/CODEOWNERS", None),
    ],
)
def test_ownership_file_kind(path, kind):
    assert ownership_file_kind(path) == kind


def test_vendored_paths_are_folders_not_file_names():
    assert is_vendored_path("a/testdata/OWNERS")
    assert not is_vendored_path("testdata")  # a file named like the folder
    assert not is_vendored_path("docs/examples.md")
    assert not is_vendored_path("sig-testing/OWNERS")


def test_senior_role():
    assert senior_role(None, Role.EMERITUS) == Role.EMERITUS
    assert senior_role(Role.EMERITUS, Role.REVIEWER) == Role.REVIEWER
    assert senior_role(Role.APPROVER, Role.EMERITUS) == Role.APPROVER
    assert senior_role(Role.MAINTAINER, Role.LEAD) == Role.LEAD
    assert senior_role(Role.MAINTAINER, Role.REVIEWER) == Role.MAINTAINER
