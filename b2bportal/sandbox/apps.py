from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """The offline EnKash, installed for its `manage.py sandbox` command (it has no models)."""

    name = "b2bportal.sandbox"
    label = "sandbox"
    verbose_name = "EnKash sandbox"
