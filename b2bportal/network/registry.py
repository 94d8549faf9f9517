"""The handler registry: {message type: function}, collected from every app's handlers.py.

Like the admin finds admin.py, the network app finds each app's `handlers.py` and
merges its `HANDLERS` dict. The network app imports no app; apps plug in here.
"""

from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule

_handlers: dict = {}


def collect_handlers() -> None:
    """Import every installed app's handlers module and merge their HANDLERS."""
    _handlers.clear()
    for config in apps.get_app_configs():
        if not module_has_submodule(config.module, "handlers"):
            continue
        module = import_module(f"{config.name}.handlers")
        for message_type, handler in getattr(module, "HANDLERS", {}).items():
            if message_type in _handlers:
                raise RuntimeError(f"Two handlers for message type {message_type!r}")
            _handlers[message_type] = handler


def handler_for(message_type: str):
    """The function that handles `message_type`, or None while no app handles it."""
    return _handlers.get(message_type)
