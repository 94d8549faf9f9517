"""WSGI entry point, served by gunicorn in production."""

import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "b2bportal.settings")
application = get_wsgi_application()

# Refuse to serve at all, rather than serve webhooks anyone can call.
from b2bportal.network.checks import webhook_authentication_configured  # noqa: E402

if errors := webhook_authentication_configured(None):
    raise ImproperlyConfigured(f"{errors[0].msg} {errors[0].hint}")
