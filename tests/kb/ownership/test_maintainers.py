from kb.ownership import Role
from kb.ownership.maintainers import parse_maintainers, parse_role_sections
from tests.kb.ownership.golden import FIXTURES


def read(name):
    return (FIXTURES / name).read_text()


def ladder(parsed):
    return [(p.name, p.email, p.login, p.role) for p in parsed.people]


def test_crossplane_owners_md_gives_maintainers_reviewers_and_emeritus():
    parsed = parse_role_sections(read("crossplane.OWNERS.md"), path="OWNERS.md")
    assert ladder(parsed)[0] == ("Nic Cope", "negz@upbound.io", "negz", Role.MAINTAINER)
    roles = [p.role for p in parsed.people]
    assert roles.count(Role.MAINTAINER) == 4
    assert roles.count(Role.REVIEWER) == 2
    assert roles.count(Role.EMERITUS) == 3
    # The introduction links the GitHub organisation: prose, not a person.
    assert "crossplane" not in {p.login for p in parsed.people}
    assert parsed.people[-1].line == 33


def test_governance_role_sections_map_to_the_shared_vocabulary():
    parsed = parse_role_sections(read("steering.GOVERNANCE.md"), path="GOVERNANCE.md")
    assert [(p.login or p.email, p.role) for p in parsed.people] == [
        ("ada", Role.LEAD),  # "### Chairs" under "## Steering Committee"
        ("ghopper", Role.MEMBER),
        ("alan@bletchley.example", Role.MEMBER),
        ("ltor", Role.LEAD),  # "## Tech Leads"
        ("cbabbage", Role.EMERITUS),
    ]  # "## Becoming a maintainer" lists steps, and its code block an example: nobody from there


def test_prose_about_owners_names_nobody():
    for name in ("k8s-contributor-guide.owners.md", "k8s-community.governance.md"):
        assert parse_role_sections(read(name), path=name).people == []


def test_markdown_table_and_lists():
    table = parse_maintainers(read("table.MAINTAINERS.md"), path="MAINTAINERS.md")
    by_login = {p.login: p for p in table.people}
    assert by_login["jane"].email == "jane@acme.io" and by_login["jane"].areas == ["docs", "api"]
    assert by_login["carla"].role == Role.REVIEWER and by_login["carla"].affiliation == "Initech"
    assert by_login["dan"].name == "Dan Brown"
    assert by_login["annlee"].role == Role.EMERITUS and by_login["annlee"].name == "Ann Lee"


def test_linux_blocks():
    linux = parse_maintainers(read("linux.MAINTAINERS"), path="MAINTAINERS")
    assert [(p.name, p.role, p.areas) for p in linux.people] == [
        ("Dave Miller", Role.MAINTAINER, ["NETWORKING", "net/", "include/net/"]),
        ("Eric Dumazet", Role.REVIEWER, ["NETWORKING", "net/", "include/net/"]),
        ("Jon Corbet", Role.MAINTAINER, ["DOCUMENTATION", "Documentation/"]),
    ]
    kernel = parse_maintainers(read("kernel.MAINTAINERS"), path="MAINTAINERS")
    # The preamble's indented "M: *Mail* patches to: FullName <address@domain>" is documentation.
    assert [(p.name, p.email, p.role, p.line) for p in kernel.people] == [
        ("Steffen Klassert", "klassert@kernel.org", Role.MAINTAINER, 17),
        ("Rafael J. Wysocki", "rafael@kernel.org", Role.MAINTAINER, 24),
        ("Len Brown", "lenb@kernel.org", Role.REVIEWER, 25),
    ]
    assert kernel.people[1].areas == ["ACPI", "drivers/acpi/"]


def test_plain_lines_and_yaml():
    plain = parse_maintainers(read("plain.MAINTAINERS"), path="MAINTAINERS")
    assert [(p.login, p.email) for p in plain.people] == [
        ("jane", "jane@acme.io"), ("", "bob@example.org"), ("chenwei", "chen.wei@users.noreply.github.com"),
    ]  # fmt: skip
    k8s = parse_maintainers(read("k8s-style.MAINTAINERS"), path="MAINTAINERS")
    assert [(p.login, p.role) for p in k8s.people] == [
        ("alice", Role.APPROVER), ("bob", Role.APPROVER), ("carol", Role.REVIEWER), ("dave", Role.EMERITUS),
    ]  # fmt: skip


def test_a_person_listed_twice_keeps_the_senior_active_role():
    text = "## Emeritus\n\n- Jane <jane@x.org>\n\n## Reviewers\n\n- Jane <jane@x.org>\n\n## Maintainers\n\n- Jane <jane@x.org>\n"
    assert [p.role for p in parse_maintainers(text, path="MAINTAINERS.md").people] == [Role.MAINTAINER]


def test_plain_file_comments_logins_and_areas():
    """Glacier's own MAINTAINERS: "#" comments, "Name <email> (login): areas" lines."""
    parsed = parse_maintainers(read("glacier.MAINTAINERS"), path="MAINTAINERS")
    lead = parsed.people[0]
    assert (lead.name, lead.email, lead.login, lead.line) == (
        "Glacier Lead", "lead@glacier.invalid", "glacier-lead", 7,
    )  # fmt: skip
    assert lead.areas == ["project direction", "releases", "merges"]
    assert len(parsed.people) == 7 and {p.role for p in parsed.people} == {Role.MAINTAINER}
    # A capitalised word in parentheses is an affiliation, not a login.
    [jane] = parse_maintainers("Jane Doe <jane@acme.io> (Acme)\n", path="MAINTAINERS").people
    assert (jane.login, jane.affiliation) == ("", "Acme")
