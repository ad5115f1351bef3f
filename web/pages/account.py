"""The user's own account pages: e-mail notification preferences (issue 22; ``engine.notifications``, the same door
as ``GET/PUT /api/v1/gebruikers/ik/meldingsvoorkeuren``)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from engine import notifications
from engine.errors import DomainError, InvalidData
from web.pages.common import checked_form, domain_error, FormDep, get_database, login_required, render, with_message

router = APIRouter(include_in_schema=False)

PAGE = "/meldingsvoorkeuren"


def _page(request: Request, web, *, mode: str, error: str = "", melding: str = "", status_code: int = 200):
    return render(request, "meldingsvoorkeuren.html", status_code=status_code, user=web.user, web=web, mode=mode,
                  modes=notifications.MODE_LABELS, has_email=bool((web.user.email or "").strip()), error=error,
                  melding=melding)


@router.get(PAGE, response_class=HTMLResponse)
def preferences_page(request: Request, melding: str = ""):
    with get_database().session() as s:
        web = login_required(request, s)
        return _page(request, web, mode=notifications.preference(session=s, user_id=web.user.id), melding=melding)


@router.post(PAGE, response_class=HTMLResponse)
def preferences_set(request: Request, form: FormDep):
    chosen = str(form.get("voorkeur") or "")
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            try:
                notifications.set_preference(session=s, user=web.user, mode=chosen)
            except InvalidData:
                s.rollback()
                return _page(request, web, mode=notifications.preference(session=s, user_id=web.user.id),
                             error="Voorkeur: kies direct, dagelijks of uit.", status_code=422)
    except DomainError as exc:
        return domain_error(request, exc)
    return RedirectResponse(with_message(PAGE, "Uw meldingsvoorkeur is opgeslagen."), status_code=303)
