"""Bench-only WSGI entry: the project's application, with the floor route of inbox_urls.py.

gunicorn --pythonpath bench inbox_wsgi  (as inbox_load.py does)
"""

from django.conf import settings

from b2bportal.wsgi import application  # noqa: F401  (the production entry point, unchanged)

# Every request resolves against settings.ROOT_URLCONF, so this adds the floor route
# without touching the product's urls.
settings.ROOT_URLCONF = "inbox_urls"
