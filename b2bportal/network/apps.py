from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "b2bportal.network"
    label = "network"
    verbose_name = "EnKash network"

    def ready(self):
        from . import checks  # noqa: F401  (registers the start-up checks)
        from .registry import collect_handlers

        collect_handlers()
