"""The handler registry: {message type: function}, collected from every app's handlers.py.

Like the admin finds admin.py, the network app finds each app's `handlers.py` and
merges its `HANDLERS` dict. The network app imports no app; apps plug in here.
An app may also list `SERIALIZERS = {message type: SerializerClass}` there: the
request body of that type as documented in the OpenAPI schema.
"""

from contextlib import contextmanager
from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule

_handlers: dict = {}
_serializers: dict = {}


def collect_handlers() -> None:
    """Import every installed app's handlers module and merge their HANDLERS and SERIALIZERS."""
    _handlers.clear()
    _serializers.clear()
    for config in apps.get_app_configs():
        if not module_has_submodule(config.module, "handlers"):
            continue
        module = import_module(f"{config.name}.handlers")
        for message_type, handler in getattr(module, "HANDLERS", {}).items():
            if message_type in _handlers:
                raise RuntimeError(f"Two handlers for message type {message_type!r}")
            _handlers[message_type] = handler
        _serializers.update(getattr(module, "SERIALIZERS", {}))


def handler_for(message_type: str):
    """The function that handles `message_type`, or None while no app handles it."""
    return _handlers.get(message_type)


def serializer_for(message_type: str):
    """The request serializer an app documents for `message_type`, or None."""
    return _serializers.get(message_type)


@contextmanager
def override(message_type: str, handler):
    """Register `handler` for `message_type` while the block runs (None: no handler)."""
    missing = object()
    previous = _handlers.get(message_type, missing)
    _handlers[message_type] = handler
    if handler is None:
        del _handlers[message_type]
    try:
        yield handler
    finally:
        if previous is missing:
            _handlers.pop(message_type, None)
        else:
            _handlers[message_type] = previous
