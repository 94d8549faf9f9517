"""The login and API settings come from the environment, with the defaults the README gives."""

from tests.test_foundation import production, run_python

PROBE = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds(), s.API_TOKEN_LIFETIME_DAYS,"
    " s.API_TOKEN_ROTATION_GRACE_SECONDS, s.API_MAX_PAGE_SIZE)"
)
ENV = {"DJANGO_SETTINGS_MODULE": "b2bportal.settings"}


def test_defaults():
    result = run_python("-c", PROBE, env=production(**ENV))
    assert result.stdout.split() == ["5", "900.0", "30", "600", "500"], result.stderr


def test_every_value_is_read_from_the_environment():
    env = production(
        **ENV,
        LOGIN_FAILURE_LIMIT="8",
        LOGIN_COOLOFF_MINUTES="60",
        API_TOKEN_LIFETIME_DAYS="7",
        API_TOKEN_ROTATION_GRACE_SECONDS="0",
        API_MAX_PAGE_SIZE="200",
    )
    result = run_python("-c", PROBE, env=env)
    assert result.stdout.split() == ["8", "3600.0", "7", "0", "200"], result.stderr
