"""A message type of the tests' own, in the catalogue only while tests run.

No app will ever handle it, so tests of the inbox (a message awaiting its handler,
a handler plugged in for one test) do not depend on which EnKash types have
handlers yet. Importing this module registers it; a server process started by a
test serves it through `tests.network.wsgi`.
"""

from b2bportal.network.messages import ACTIONS_BY_NAME, Action, register

TEST_SEND = Action(
    "test_widget.send", "test_widget", "/api/v0/test-widget/req-send",
    "/api/v0/test-widget/resp-send", "widget", "supplier",
)  # fmt: skip
TEST_EDIT = Action(
    "test_widget.edit", "test_widget", "/api/v0/test-widget/req-edit",
    "/api/v0/test-widget/resp-edit", "widget", "supplier",
)  # fmt: skip

for _action in (TEST_SEND, TEST_EDIT):
    if _action.name not in ACTIONS_BY_NAME:
        register(_action)
