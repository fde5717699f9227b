"""Property-based API fuzzing: schemathesis drives every operation of /api/schema/ through the
WSGI app and fails on any 5xx (`not_a_server_error`). Bounded: a few examples per operation,
no deadline (the machine is shared), so the whole run stays well under a minute."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error

from config.wsgi import application
from kb.models import Project, ProjectMembership
from kb.services.search_index import index_documents
from tests.kb.factories import DocumentFactory, MembershipFactory, ProjectFactory, UserFactory

MAX_EXAMPLES = 5


# Loaded once at collection: generating the schema reads no database rows.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
# The coverage phase enumerates every boundary value of every parameter (hundreds of calls per
# operation); random fuzzing with a few examples keeps the run bounded.
schema.config.phases.coverage.enabled = False


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """The WSGI handler closes the database connection at the end of each request; inside a test
    that is the test's own transaction (on PostgreSQL: "the connection is closed"). Django's test
    client unhooks the same signal handler around its requests."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def catalogue(db, memory_search):
    """Rows for the fuzzed ids and slugs to sometimes hit: a public and a private project."""
    public = ProjectFactory(slug="orbit")
    private = ProjectFactory(slug="vault", visibility=Project.Visibility.PRIVATE)
    # Indexed as a sync would: a database with documents and an empty index is a broken
    # installation, which search rightly answers with 503.
    index_documents([DocumentFactory(project=public).pk, DocumentFactory(project=private).pk])
    maintainer = UserFactory(username="fuzzer", password=None)  # an unusable password: no hashing
    MembershipFactory(project=public, user=maintainer, role=ProjectMembership.Role.MAINTAINER)
    return {"maintainer": maintainer}


FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


@schema.include(method="GET").parametrize()  # anonymous writes stop at authentication
@FUZZ
def test_anonymous_readers_never_get_a_server_error(case):
    case.call_and_validate(checks=[not_a_server_error])


@schema.parametrize()
@FUZZ
def test_a_maintainers_token_never_gets_a_server_error(case, catalogue):
    token, _ = Token.objects.get_or_create(user=catalogue["maintainer"])
    case.call_and_validate(headers={"Authorization": f"Token {token.key}"}, checks=[not_a_server_error])
