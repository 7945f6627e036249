"""The editorial policy: where it lives, how answers link to it, and its served HTML copy.

The policy is written once, in docs/EDITORIAL_POLICY.md. web/editorial-policy.html is generated
from it (`python -m bot kb policy-page`) so the chat page serves it next to the widget; a test
fails when the two drift apart. Answers link the page; channels that cannot open a relative link
(Slack, the command line) name the document, or NETGUIDE_POLICY_URL when a deployment sets one.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import List, Optional

REPO_ROOT = Path(__file__).resolve().parent.parent
POLICY_DOC = "docs/EDITORIAL_POLICY.md"  # in the repository
POLICY_PAGE = "web/editorial-policy.html"  # served by the chat page's web server
POLICY_LINK_TEXT = "Editorial policy"
POLICY_URL_ENV = "NETGUIDE_POLICY_URL"


def policy_url() -> str:
    """Where answers link the policy: NETGUIDE_POLICY_URL if set, else the page next to the chat page."""
    return os.environ.get(POLICY_URL_ENV, "").strip() or Path(POLICY_PAGE).name


def is_absolute(url: str) -> bool:
    return url.startswith(("http://", "https://"))


# --------------------------------------------------------------------------------------------
# Markdown -> HTML for the subset the policy uses: headings, paragraphs, "-" and "1." lists,
# `code`, **bold**, _emphasis_ and [links](url). Anything else is shown as text.
# --------------------------------------------------------------------------------------------

_HEADING = re.compile(r"^(#{1,3}) +(.*)$")
_BULLET = re.compile(r"^[-*] +(.*)$")
_NUMBERED = re.compile(r"^\d+\. +(.*)$")
_INLINE = [
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (re.compile(r"\*\*([^*]+)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![\w/])_([^_]+)_(?!\w)"), r"<em>\1</em>"),
    (re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)"), r'<a href="\2">\1</a>'),
]


def _inline(text: str) -> str:
    out = html.escape(text, quote=False)
    for pattern, replacement in _INLINE:
        out = pattern.sub(replacement, out)
    return out


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def markdown_to_html(markdown: str) -> str:
    """The HTML body for the policy's markdown (one block element per paragraph, heading or list)."""
    blocks: List[str] = []
    paragraph: List[str] = []
    items: List[str] = []
    list_tag: Optional[str] = None

    def flush() -> None:
        nonlocal list_tag
        if paragraph:
            blocks.append("<p>" + _inline(" ".join(paragraph)) + "</p>")
            paragraph.clear()
        if items:
            blocks.append(f"<{list_tag}>\n" + "\n".join(f"  <li>{_inline(i)}</li>" for i in items) + f"\n</{list_tag}>")
            items.clear()
            list_tag = None

    for raw in markdown.splitlines():
        line = raw.rstrip()
        heading, bullet, numbered = _HEADING.match(line), _BULLET.match(line), _NUMBERED.match(line)
        if not line.strip():
            flush()
        elif heading:
            flush()
            level, text = len(heading.group(1)), heading.group(2)
            blocks.append(f'<h{level} id="{_slug(text)}">{_inline(text)}</h{level}>')
        elif bullet or numbered:
            tag = "ul" if bullet else "ol"
            if paragraph or (list_tag and list_tag != tag):
                flush()
            list_tag = tag
            items.append((bullet or numbered).group(1))
        elif items and raw.startswith("  "):
            items[-1] += " " + line.strip()  # a list item continued on the next line
        else:
            if items:
                flush()
            paragraph.append(line.strip())
    flush()
    return "\n".join(blocks)


PAGE_TEMPLATE = """<!doctype html>
<!-- Generated from {doc} by `python -m bot kb policy-page`; edit the markdown, not this file. -->
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  <style>
    body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2733;
           max-width: 48rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; line-height: 1.5; }}
    h1, h2, h3 {{ color: #0b3c5d; line-height: 1.25; }}
    code {{ background: #eef2f6; padding: 0 .25em; border-radius: 3px; }}
    nav a {{ color: #0b3c5d; }}
  </style>
</head>
<body>
<nav><a href="index.html">Back to the NETguide chat</a></nav>
<main>
{body}
</main>
</body>
</html>
"""


def policy_html(markdown: str) -> str:
    """The whole served page for the policy markdown."""
    title_match = re.search(r"^# +(.*)$", markdown, flags=re.MULTILINE)
    title = title_match.group(1).strip() if title_match else POLICY_LINK_TEXT
    return PAGE_TEMPLATE.format(doc=POLICY_DOC, title=html.escape(title), body=markdown_to_html(markdown))


def write_policy_page(repo_root: Path = REPO_ROOT) -> Path:
    """Regenerate web/editorial-policy.html from docs/EDITORIAL_POLICY.md; returns the page path."""
    markdown = (repo_root / POLICY_DOC).read_text(encoding="utf-8")
    page = repo_root / POLICY_PAGE
    page.write_text(policy_html(markdown), encoding="utf-8")
    return page
