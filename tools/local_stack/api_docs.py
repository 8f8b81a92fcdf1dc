"""The API reference page the local stack serves at `/_local/docs`: Swagger UI over docs/openapi.json.

The page is Powertools' own Swagger UI page (the one `enable_swagger()` serves) with the Swagger UI
script and stylesheet that ship inside the Powertools package, served from here: nothing is fetched
from a CDN, so the page works on a machine with no internet. The document is the committed one,
which a test keeps equal to what the handlers' resolvers generate (`make openapi`).
"""

from __future__ import annotations

from pathlib import Path

import aws_lambda_powertools.event_handler.openapi.swagger_ui as swagger_ui
from aws_lambda_powertools.event_handler.openapi.swagger_ui import generate_swagger_html

from .template import ROOT

PATH = "/_local/docs"
DOCUMENT = ROOT / "docs" / "openapi.json"
_ASSETS = {
    f"{PATH}/swagger-ui-bundle.min.js": ("application/javascript", "swagger-ui-bundle.min.js"),
    f"{PATH}/swagger-ui.min.css": ("text/css", "swagger-ui.min.css"),
}


def serves(path: str) -> bool:
    return path == PATH or path in _ASSETS


def page(path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
    """The page, its two assets, or (`?format=json`, which the page links to) the document itself."""
    if path in _ASSETS:
        content_type, name = _ASSETS[path]
        asset = Path(swagger_ui.__file__).parent / name
        return 200, {"Content-Type": content_type, "Cache-Control": "max-age=3600"}, asset.read_bytes()
    document = DOCUMENT.read_text(encoding="utf-8")
    if query.get("format") == ["json"]:
        return 200, {"Content-Type": "application/json"}, document.encode()
    html = generate_swagger_html(
        document.replace("</", "<\\/"),  # as Powertools does: the JSON must not close the <script>
        swagger_js=f"{PATH}/swagger-ui-bundle.min.js",
        swagger_css=f"{PATH}/swagger-ui.min.css",
        swagger_base_url=PATH,
        oauth2_config=None,
        persist_authorization=True,  # a token pasted into "Authorize" survives a reload
    )
    return 200, {"Content-Type": "text/html; charset=utf-8"}, html.encode()
