"""Turn an executed notebook into one that reads well on a page without a kernel.

* An explorer (``cnnlib.widgets.Explorer``) displays, next to its widget, a still PNG of its
  picture at the moment it was displayed, with its settings and status line (metadata
  ``cnnlib``). Its output becomes that still, with a note that the sliders cannot move here
  and links to where they can. The saved widget state cannot be used for this: it is the
  state at the END of the run (a later ``explorer.set(...)`` shows up in it).
* Any other widget (the training dashboard, the slider of notebook 00) is drawn as plain HTML
  from the saved widget state, i.e. as it was at the end of the run, which is what a reader
  wants for a dashboard. No widget JavaScript on the page.
* Links between notebooks point to their pages; other relative links point to the repository;
  local images are copied into the site. Images from other hosts (badges) become plain links:
  the site loads nothing from elsewhere.
"""

from __future__ import annotations

import html
import posixpath
import re

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
BOXES = {"VBoxModel", "HBoxModel", "BoxModel", "GridBoxModel", "AccordionModel", "TabModel",
         "StackModel"}
TEXTS = {"HTMLModel", "HTMLMathModel"}
CHOICES = {"DropdownModel", "RadioButtonsModel", "ToggleButtonsModel", "SelectModel",
           "SelectionSliderModel"}


def _ref(value):
    return value[len("IPY_MODEL_"):] if isinstance(value, str) else value


def _png(data: str, cls: str, alt: str) -> str:
    return (f'<img class="{cls}" src="data:image/png;base64,{data}" '
            f'alt="{html.escape(alt, quote=True)}">')


def render_widget(model_id: str, state: dict, depth: int = 0) -> str:
    """Static HTML for one widget model (and its children) from the saved widget state."""
    entry = state.get(model_id)
    if entry is None or depth > 20:
        return ""
    name, s = entry["model_name"], entry["state"]
    desc = html.escape(str(s.get("description") or ""))
    label = f'<span class="site-widget-label">{desc}</span> ' if desc else ""
    if name in BOXES:
        parts = "".join(render_widget(_ref(c), state, depth + 1) for c in s.get("children", []))
        return f'<div class="site-widget-box site-{name[:-5].lower()}">{parts}</div>'
    if name in TEXTS:
        return f'<div class="site-widget-html">{label}{s.get("value", "")}</div>'
    if name == "LabelModel":
        return f'<div class="site-widget-html">{label}{html.escape(str(s.get("value", "")))}</div>'
    if name == "ImageModel":
        buffers = {tuple(b["path"]): b["data"] for b in entry.get("buffers", [])}
        data = buffers.get(("value",))
        return _png(data, "site-widget-image", desc or "widget picture") if data else ""
    if name in CHOICES:
        labels, index = s.get("_options_labels", []), s.get("index")
        value = labels[index] if isinstance(index, int) and index < len(labels) else ""
        return f'<span class="site-widget-control">{label}<b>{html.escape(str(value))}</b></span>'
    if name in {"IntProgressModel", "FloatProgressModel"}:
        return (f'<span class="site-widget-control">{label}<progress value="{s.get("value", 0)}" '
                f'max="{s.get("max", 100)}"></progress></span>')
    if name == "ButtonModel":
        return f'<span class="site-widget-control"><button disabled>{desc}</button></span>'
    if name == "OutputModel":
        return "".join(_render_output(o) for o in s.get("outputs", []))
    if "value" in s:  # sliders, checkboxes, text fields...
        value = s["value"]
        if isinstance(value, list):
            value = " to ".join(str(v) for v in value)
        return f'<span class="site-widget-control">{label}<b>{html.escape(str(value))}</b></span>'
    return ""


def _render_output(output: dict) -> str:
    if output.get("output_type") == "stream":
        return f'<pre class="site-widget-text">{html.escape(output.get("text", ""))}</pre>'
    data = output.get("data", {})
    if "image/png" in data:
        return _png(data["image/png"], "site-widget-image", "output picture")
    if "text/html" in data:
        return "".join(data["text/html"])
    if "text/plain" in data:
        return f'<pre class="site-widget-text">{html.escape("".join(data["text/plain"]))}</pre>'
    return ""


def explorer_still(data: dict, meta: dict, try_it: str) -> str:
    """The still of an explorer as it was displayed, with its settings, status and a note."""
    title = meta.get("title") or meta.get("explorer", "Explorer")
    settings = meta.get("settings", "")
    head = f"<b>{html.escape(title)}</b>"
    if settings:
        head += f' <span class="site-explorer-settings">{html.escape(settings)}</span>'
    status = meta.get("status") or ""
    return (
        f'<figure class="site-explorer" data-explorer="{html.escape(meta.get("explorer", ""))}">'
        f'<figcaption class="site-explorer-head">{head}</figcaption>'
        f'<div class="site-explorer-status">{status}</div>'
        f'{_png(data["image/png"], "site-explorer-still", f"{title}: {settings}")}'
        f'<p class="site-explorer-note">This is a still picture of the explorer as it first '
        f'appears: its sliders cannot move on a static page. {try_it}</p></figure>')


def widget_snapshot(model_id: str, state: dict) -> str:
    body = render_widget(model_id, state)
    if not body:
        body = '<p>(a widget: open the notebook to see it)</p>'
    return (f'<div class="site-widget">{body}<p class="site-widget-note">A live widget in the '
            f'notebook, shown here as it was at the end of the run: its controls do not move '
            f'on a static page.</p></div>')


_LINK = re.compile(r"(!?\[[^\]]*\]\(|href=\"|src=\")([^)\"\s]+)")
_BADGE = re.compile(r"\[!\[([^\]]*)\]\((https?://[^)]+)\)\]\(([^)]+)\)")
_REMOTE_IMAGE = re.compile(r"!\[([^\]]*)\]\((https?://[^)]+)\)")
_REMOTE_IMG_TAG = re.compile(r"<img\b[^>]*\bsrc=[\"']https?://[^>]*>", re.IGNORECASE)
_ALT = re.compile(r"\balt=[\"']([^\"']*)[\"']", re.IGNORECASE)
ASSETS = "_files"


def rewrite_markdown(text: str, pages: set[str], source_url: str, assets: set[str]) -> str:
    """Links to course notebooks -> their pages; other relative links -> the repository
    (``source_url``: the address of the repository's tree at the built branch); local images
    -> ``_files/<path in the repository>`` (their paths are added to ``assets`` for copying);
    images from other hosts -> plain links (badges keep their target)."""
    text = _BADGE.sub(lambda m: f"[{m.group(1) or 'link'}]({m.group(3)})", text)
    text = _REMOTE_IMAGE.sub(lambda m: f"[{m.group(1) or 'image'}]({m.group(2)})", text)
    text = _REMOTE_IMG_TAG.sub(
        lambda m: html.escape((_ALT.search(m.group(0)) or [None, ""])[1]), text)

    def link(match):
        target = match.group(2)
        path, _, anchor = target.partition("#")
        if not path or re.match(r"^[a-z][a-z0-9+.-]*:", path, re.IGNORECASE):
            return match.group(0)  # an anchor on this page, or an absolute URL
        in_repo = posixpath.normpath(posixpath.join("notebooks", path))
        stem = posixpath.basename(path)[:-len(".ipynb")] if path.endswith(".ipynb") else None
        if match.group(1).startswith(("!", "src")):
            assets.add(in_repo)
            new = f"{ASSETS}/{in_repo}"
        elif stem in pages and "/" not in path.strip("./"):
            new = f"{stem}.html"
        else:
            new = f"{source_url}/{in_repo}"
        return match.group(1) + new + (f"#{anchor}" if anchor else "")

    return _LINK.sub(link, text)


def prepare(nb, *, pages: set[str], source_url: str, try_it: str, assets: set[str]) -> dict:
    """Rewrite ``nb`` in place for the site; returns counts of what was replaced. Local
    images the markdown shows are added to ``assets`` (paths in the repository)."""
    saved = nb.metadata.pop("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    counts = {"explorers": 0, "widgets": 0}
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = rewrite_markdown(cell.source, pages, source_url, assets)
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW not in data:
                continue
            meta = output.get("metadata", {}).get("cnnlib")
            if meta and "image/png" in data:
                new = explorer_still(data, meta, try_it)
                counts["explorers"] += 1
            else:
                new = widget_snapshot(data[WIDGET_VIEW].get("model_id", ""), saved)
                counts["widgets"] += 1
            output["data"] = {"text/html": new}
            output["metadata"] = {}
    return counts
