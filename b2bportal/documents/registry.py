"""The registered document families, by name.

Like the network app finds each app's `handlers.py`, the layer finds each installed
app's `spec.py` and takes its `SPEC` (a `FamilySpec`). The contract suite in
`tests/documents/` runs over every family found here.
"""

from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule

from .spec import FamilySpec


def families() -> list[FamilySpec]:
    """Every installed app's family, in the order of INSTALLED_APPS."""
    found = []
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "spec"):
            spec = getattr(import_module(f"{config.name}.spec"), "SPEC", None)
            if isinstance(spec, FamilySpec):
                found.append(spec)
    return found


def family(name: str) -> FamilySpec:
    """The family called `name` (e.g. "invoice"); LookupError when none is installed."""
    for spec in families():
        if spec.name == name:
            return spec
    raise LookupError(f"No document family {name!r} is installed")
