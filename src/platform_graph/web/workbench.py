"""The workbench's pages: the site's layout and view, the workbench's words, and the
signed-in data officer (who, which role, the CSRF token every form carries)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from platform_graph.store import Term
from platform_graph.web.change_words import ResourceChange, in_words
from platform_graph.web.i18n import STRINGS, choose_lang
from platform_graph.web.render import TEMPLATES, View
from platform_graph.web.site import Site
from platform_graph.web.workbench_words import WORDS
from platform_graph.write.sessions import Session
from platform_graph.write.writer import ChangeRecord

__all__ = ["WorkbenchView", "change_in_words", "page"]

_MORE = 12
"""The most values of one property a change page lists before "… and N more"."""


class WorkbenchView(View):
    def __init__(
        self,
        request: Request,
        lang: str,
        explicit: bool,
        labels: dict[str, dict[str, str]],
        session: Session | None,
        csrf: str | None,
    ) -> None:
        super().__init__(request, lang, explicit, labels)
        self.words = {**STRINGS[lang], **WORDS[lang]}
        self.session = session
        self.csrf = csrf

    def f(self, key: str, **values: Any) -> str:
        """A phrase with values filled in."""
        return self.words[key].format(**values)

    def role(self) -> str:
        if self.session is None:
            return ""
        return self.t(f"role_{self.session.principal.role.value}")

    def can(self, role: str) -> bool:
        return self.session is not None and self.session.principal.has(role)

    def term(self, term: Term) -> dict[str, Any]:
        """A value in a change: a label with a link, or the literal with its language."""
        return self.value(term)

    def few(self, values: list[Term]) -> tuple[list[Term], int]:
        return values[:_MORE], max(0, len(values) - _MORE)


def view_for(
    request: Request, site: Site, session: Session | None, csrf: str | None = None
) -> WorkbenchView:
    lang, explicit = choose_lang(
        request.query_params.get("lang"), request.headers.get("accept-language")
    )
    labels = site.pages().labels()
    return WorkbenchView(
        request, lang, explicit, labels, session, csrf or (session.csrf if session else None)
    )


def page(
    request: Request,
    site: Site,
    template: str,
    *,
    session: Session | None,
    status: int = 200,
    csrf: str | None = None,
    **context: Any,
) -> HTMLResponse:
    view = view_for(request, site, session, csrf)
    body = TEMPLATES.get_template(f"workbench/{template}").render(v=view, **context)
    return HTMLResponse(
        body,
        status_code=status,
        headers={
            "Content-Language": view.lang,
            "Vary": "Accept-Language, Cookie",
            # The workbench shows who is signed in and what they may do: never cached.
            "Cache-Control": "no-store",
        },
    )


def change_in_words(record: ChangeRecord) -> list[ResourceChange]:
    return in_words(record.added, record.removed)
