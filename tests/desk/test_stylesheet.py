"""Every class our templates use is styled: the admin theme ships a prebuilt Tailwind
stylesheet, so a utility class it was not built with silently does nothing (a hint ran
off its card, a list lost its bullets). Classes that only mark an element for tests
and scripts are listed as hooks."""

import re
from pathlib import Path

import unfold

ROOT = Path(__file__).resolve().parents[2]
THEME_CSS = Path(unfold.__file__).parent / "static" / "unfold" / "css" / "styles.css"

# Classes that style nothing on purpose: page scripts, tests and our own CSS find by them
# (`hiddenfields` and `result-list` are the admin's own markup, which its scripts use).
HOOKS = {
    "hiddenfields", "result-list",
    "amount", "conflict", "delivery-stalled", "desk-family", "desk-label", "diff-row",
    "finding", "note", "order-mismatch", "overdue-at-network", "parked", "timeline-row",
    "unmatched-results", "where-to-start",
}  # fmt: skip

CLASS_ATTRIBUTE = re.compile(r'class="([^"]*)"')
TEMPLATE_TAG = re.compile(r"{%.*?%}|{{.*?}}")
STYLE_ELEMENT = re.compile(r"<style[^>]*>(.*?)</style>", re.S)


def _selector(name: str) -> str:
    """The class as a CSS selector spells it (Tailwind escapes `:`, `.`, `/`, ...)."""
    return "." + re.sub(r"([:./\[\]#%()!])", r"\\\1", name)


def _classes(template: Path):
    for attribute in CLASS_ATTRIBUTE.finditer(template.read_text()):
        for name in TEMPLATE_TAG.sub(" ", attribute.group(1)).split():
            if not name.endswith("-"):  # the start of a name a template completes
                yield name


def test_every_class_in_our_templates_is_in_a_stylesheet():
    templates = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("b2bportal/**/templates/**/*.html")]
    assert templates
    # The theme's stylesheet, ours, and the <style> elements of our templates.
    styled = THEME_CSS.read_text() + "".join(
        css.read_text() for css in (ROOT / "b2bportal").glob("**/static/**/*.css")
    )
    styled += "".join(
        style for template in templates for style in STYLE_ELEMENT.findall(template.read_text())
    )
    unstyled = sorted(
        {
            f"{template.relative_to(ROOT)}: {name}"
            for template in templates
            for name in _classes(template)
            if name not in HOOKS and _selector(name) not in styled and f".{name}" not in styled
        }
    )
    assert unstyled == []
