"""The project's WSGI application with the tests' own message types registered."""

from b2bportal.wsgi import application  # noqa: F401  (what the server serves)
from tests.network import message_types  # noqa: F401  (registers the test-only types)
