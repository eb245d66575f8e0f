"""The preference page's choice of sources: what a reader may choose, and the page's list of it (the
catalogue's groups in the page's language), each built once per app and language on the WebContext."""

from __future__ import annotations

from markupsafe import Markup, escape

from academichub.i18n import web_strings
from academichub.papers.catalogue import Catalogue, bundled_catalogue
from academichub.papers.plan import choosable
from academichub.papers.sources import load_sources
from academichub.web.app import WebContext


def catalogue_of(ctx: WebContext) -> Catalogue:
    if ctx.catalogue is None:
        ctx.catalogue = bundled_catalogue()
    return ctx.catalogue


def choosable_categories(ctx: WebContext) -> list[str]:
    """What a reader may choose: the catalogue and the operator's own sources (read once per app: the
    sources file changes with a deploy)."""
    if ctx.categories is None:
        ctx.categories = sorted(choosable(load_sources(ctx.settings.sources_file), catalogue_of(ctx)))
    return ctx.categories


_CHECKBOX = Markup('<label class="check"><input type="checkbox" name="categories" value="{}"> ') + Markup(
    '{} <span class="help">{}</span></label>'
)


def source_choices(ctx: WebContext, lang: str) -> dict:
    """The preference page's source list, built once per language (a few hundred entries: rendering
    them through the template on every request cost most of the page's time)."""
    if lang not in ctx.choices:
        ctx.choices[lang] = _build_choices(ctx, lang)
    return ctx.choices[lang]


def _build_choices(ctx: WebContext, lang: str) -> dict:
    """The catalogue's groups (labels in the page's language, the other language beside), and the
    operator's sources that are not in it; each entry's checkbox and the datalist as escaped HTML."""
    catalogue = catalogue_of(ctx)
    other = "en" if lang == "zh" else "zh"

    def row(key: str, label: str, second: str) -> dict:
        shown = escape(label) + (Markup(" · ") + escape(second) if second else "")
        return {"key": key, "label": label, "other": second, "html": _CHECKBOX.format(key, shown, key)}

    groups: list[dict] = [
        {
            "label": g.label_zh if lang == "zh" else g.label_en,
            "entries": [row(e.key, e.label(lang), e.label(other)) for e in catalogue.in_group(g.key)],
        }
        for g in catalogue.groups
    ]
    extra = [row(k, k, "") for k in choosable_categories(ctx) if k not in catalogue]
    if extra:
        groups.append({"label": web_strings(lang)["categories_other"], "entries": extra})
    for g in groups:  # a group none of whose entries the reader chose is shown whole: one string
        g["key_set"] = frozenset(e["key"] for e in g["entries"])
        g["all_html"] = Markup("").join(e["html"] for e in g["entries"])
    rows = [r for g in groups for r in g["entries"]]
    option = Markup('<option value="{}">{}</option>')
    datalist = Markup("").join(
        option.format(r["key"], r["label"] + (f" · {r['other']}" if r["other"] else "")) for r in rows
    )
    return {"groups": groups, "all": rows, "labels": {r["key"]: r["label"] for r in rows}, "datalist": datalist}
