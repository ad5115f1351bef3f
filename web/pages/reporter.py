"""The public side: filing a report (melden) and the reporter's inbox with the receipt code (mijn melding)."""
from __future__ import annotations

import hmac
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.deps import client_key, reporter_cookie_name
from engine.cases import attachments
from engine.cases import letters as case_letters
from engine.cases import reporter_view
from engine.contact import service as contact
from engine.config import REPORTER_PORTAL_PATH as PORTAL
from engine.errors import DomainError, FieldError, InvalidData, NotAuthorized, NotFound
from engine.identity import receipts
from engine.identity.errors import NotAuthenticated, TooManyAttempts
from engine.intake import exclusions
from engine.intake import public
from engine.intake import service as intake
from engine.intake import submissions
from web.pages.common import (app_settings, form_int, FormDep, get_database, login_form, pre_login_ok, render,
                              retry_after, secure_cookies, with_message)

router = APIRouter(include_in_schema=False)


# --------------------------------------------------------------------------- melden (public)

def _public_fields(session: Session) -> dict:
    """Category options from the deployed intake form (the process owners' list); a fresh one-time form key on
    every page of the form (``engine.intake.submissions``: the same form sent twice files one report)."""
    return {"categories": public.categories(session), "ways": public.WAYS, "max_files": public.MAX_FILES,
            "required": public.REQUIRED,
            "form_key": submissions.new_key(), "handlers": exclusions.candidates(session),
            "max_excluded": exclusions.MAX_EXCLUDED,
            "meeting_kinds": contact.MEETING_KINDS,
            "file_types": attachments.TYPES_TEXT, "max_file_mb": attachments.MAX_BYTES // (1024 * 1024),
            "name_not_kept": attachments.NAME_NOT_KEPT}


def _uploads(form, name: str = "bestand") -> list[tuple[str, bytes]]:
    """The files of a form field (an empty file input sends one nameless, empty part: not a file)."""
    found = []
    for upload in form.getlist(name):
        if hasattr(upload, "file") and (upload.filename or ""):
            found.append((upload.filename, upload.file.read(attachments.MAX_BYTES + 1)))
    return found


@router.get("/melden", response_class=HTMLResponse)
def report_page(request: Request):
    with get_database().session() as s:
        return render(request, "melden.html", public=True, values={}, errors={}, **_public_fields(s))


@router.post("/melden", response_class=HTMLResponse)
def report_submit(request: Request, form: FormDep):
    values = {k: str(form.get(k) or "").strip() for k in ("omschrijving", "categorie", "dienstonderdeel",
                                                          "betrokkene_functie", "wanneer", "melden_als",
                                                          *public.IDENTITY_FIELDS)}
    # who must not see the report (engine.intake.exclusions); one more than allowed, so "too many" is still said
    values[public.EXCLUDED] = [str(v)[:20] for v in form.getlist(public.EXCLUDED)[:exclusions.MAX_EXCLUDED + 1]]
    db = get_database()
    with db.session() as s:
        fields = _public_fields(s)
        errors = public.validation_errors(s, values)
    # Echo at most a little over the caps back into the form (never a megabyte).
    shown = {k: v[:2 * public.MAX_LENGTHS.get(k, 20)] for k, v in values.items()}  # (a list: its first items)
    shown.update(gesprek=str(form.get("gesprek") or "")[:20],
                 gesprek_wens=str(form.get("gesprek_wens") or "")[:2 * contact.MAX_WISH])
    if errors:
        return render(request, "melden.html", status_code=422, public=True, values=shown, errors=errors, **fields)
    try:
        kind = str(form.get("gesprek") or "").strip()
        meeting = (kind, str(form.get("gesprek_wens") or "")) if kind else None
        submitted = public.submit_public_report(database=db, client_key=client_key(request),
                                                values=values, files=_uploads(form), meeting=meeting,
                                                form_key=str(form.get(submissions.FIELD) or "") or None)
        code = submitted.receipt_code
    except InvalidData as exc:
        errors = {e.field: e.message for e in exc.errors}
        return render(request, "melden.html", status_code=422, public=True, values=shown, errors=errors, **fields)
    except TooManyAttempts as exc:
        return retry_after(exc, render(request, "melden.html", status_code=exc.status, public=True, values=shown,
                                        errors={}, fout=exc.detail, **fields))
    # The answer to the POST is the confirmation itself (no-store, ``render``): the code is never put in a cookie, an
    # address or a log. A reload sends the same form key again (engine.intake.submissions): no second report, the
    # same code within the replay window; past it, no code.
    return render(request, "melden_ontvangen.html", public=True, code=code,
                  again=submitted.replayed and not code)


@router.get("/melden/ontvangen", response_class=HTMLResponse)
def report_received(request: Request):
    """An old bookmark of the confirmation: the code is shown only in the answer to the form, never again."""
    return render(request, "melden_ontvangen.html", public=True, code=None, again=False)


# --------------------------------------------------------------------------- mijn melding (reporter)

def _reporter(request: Request, s: Session):
    try:
        return receipts.resolve_reporter_session(
            session=s, session_id=request.cookies.get(reporter_cookie_name(secure_cookies(request))))
    except NotAuthenticated:
        return None


@router.get(PORTAL, response_class=HTMLResponse)
def reporter_page(request: Request, melding: str = ""):
    with get_database().session() as s:
        reporter = _reporter(request, s)
        if reporter is None:
            return login_form(request, "mijn_melding_code.html", public=True, fout=None)
        return _reporter_inbox(request, s, reporter, melding=melding, fout=None)


def _reporter_inbox(request: Request, s: Session, reporter, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    """The inbox: the engine's reporter view (the same as the API's ``/melder/melding``) and the messages."""
    case_id = reporter.receipt.case_id
    view = reporter_view.reporter_view(session=s, case_id=case_id)
    return render(request, "mijn_melding.html", status_code=status_code, public=True, reporter=reporter, view=view,
                  messages=intake.reporter_reads_messages(session=s, case_id=case_id), received=view.received_at,
                  oral_reports=contact.reporter_oral_reports(session=s, reporter=reporter),
                  meetings=contact.reporter_meeting_requests(session=s, reporter=reporter),
                  may_ask_meeting=contact.reporter_may_ask_meeting(session=s, case_id=case_id),
                  meeting_kinds=contact.MEETING_KINDS,
                  follow_ups=contact.reporter_follow_ups(session=s, reporter=reporter),
                  follow_up_question=contact.follow_up_question(session=s, case_id=case_id),
                  retaliation=contact.reporter_signals_retaliation(session=s, case_id=case_id),
                  huis_voor_klokkenluiders=contact.HUIS_VOOR_KLOKKENLUIDERS,
                  files=attachments.list_for_case(session=s, case_id=case_id),
                  file_types=attachments.TYPES_TEXT, max_file_mb=attachments.MAX_BYTES // (1024 * 1024),
                  name_not_kept=attachments.NAME_NOT_KEPT, **context)


@router.get(PORTAL + "/brieven/{letter_id:id}")
def reporter_letter_download(request: Request, letter_id: int):
    """A letter to the reporter, from their own channel (``engine.cases.letters.reporter_letter``: the one door)."""
    try:
        with get_database().session() as s:
            reporter = _reporter(request, s)
            if reporter is None:
                return login_form(request, "mijn_melding_code.html", status_code=401, public=True,
                                   fout=receipts.REPORTER_SESSION_INVALID)
            letter = case_letters.reporter_letter(session=s, case_id=reporter.receipt.case_id, letter_id=letter_id)
            content = case_letters.read_letter(session=s, letter=letter, actor="anonieme melder")
            name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{letter.template}-v{letter.version}.docx")
            return Response(content, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                              "Cache-Control": "no-store", "X-Content-SHA256": letter.sha256},
                            media_type=letter.media_type)
    except NotFound:
        return render(request, "niet_gevonden.html", status_code=404, public=True)
    except DomainError as exc:
        return render(request, "fout.html", status_code=exc.status, public=True, title=exc.title, detail=exc.detail)


def _kept_reply(form) -> str:
    """A reply she typed, carried through the login form when her session had expired: only in the page (no-store)
    and the next form post, never stored on the server or logged; capped as the form's own echo is."""
    return str(form.get("tekst") or "")[:2 * intake.MAX_MESSAGE]


def letter_paragraphs(text: str) -> list[str]:
    """A letter's text (one line per paragraph) as the paragraphs to show; empty lines dropped (the template
    escapes every one)."""
    return [line.strip() for line in text.split("\n") if line.strip()]


@router.get(PORTAL + "/brieven/{letter_id:id}/lezen", response_class=HTMLResponse)
def reporter_letter_read(request: Request, letter_id: int):
    """A letter to the reporter, to read in the page (no file on her device); the download stays an option. The same
    door and access rule as the download (``engine.cases.letters.reporter_letter_text``)."""
    try:
        with get_database().session() as s:
            reporter = _reporter(request, s)
            if reporter is None:
                return login_form(request, "mijn_melding_code.html", status_code=401, public=True,
                                  fout=receipts.REPORTER_SESSION_INVALID)
            letter, text = case_letters.reporter_letter_text(session=s, case_id=reporter.receipt.case_id,
                                                             letter_id=letter_id, actor="anonieme melder")
            return render(request, "mijn_melding_brief.html", public=True, letter_id=letter.id,
                          title=letter.template, rendered_at=letter.rendered_at, paragraphs=letter_paragraphs(text))
    except NotFound:
        return render(request, "niet_gevonden.html", status_code=404, public=True)
    except DomainError as exc:
        return render(request, "fout.html", status_code=exc.status, public=True, title=exc.title, detail=exc.detail)


@router.post(PORTAL + "/code", response_class=HTMLResponse)
def reporter_login(request: Request, form: FormDep):
    db = get_database()
    kept = _kept_reply(form)
    if not pre_login_ok(request, form.get("login_token")):
        return login_form(request, "mijn_melding_code.html", status_code=403, public=True,
                           fout="De pagina was verlopen. Vul uw code opnieuw in.", tekst=kept)
    try:
        match = receipts.verify_receipt(database=db, code=str(form.get("ontvangstcode") or ""),
                                        client_key=client_key(request))
    except DomainError as exc:
        return retry_after(exc, login_form(request, "mijn_melding_code.html", status_code=exc.status, public=True,
                                             fout=exc.detail, tekst=kept))
    settings = app_settings(request)
    with db.session() as s:
        session_id, reporter = receipts.start_reporter_session(session=s, receipt_id=match.receipt_id)
        if kept.strip():
            # Her reply from before the session expired: back in the reply box, for her to check and send; the
            # answer is the inbox itself (no-store), so the text never travels in a cookie or an address.
            response = _reporter_inbox(request, s, reporter, melding="", fout=None, tekst=kept,
                                       bewaard="Uw antwoord is nog niet verstuurd. Controleer het hieronder en "
                                               "klik op Versturen.")
        else:
            response = RedirectResponse(PORTAL, status_code=303)
    response.set_cookie(reporter_cookie_name(settings.cookie_secure), session_id,
                        max_age=int(receipts.REPORTER_SESSION_TTL.total_seconds()), path="/", httponly=True,
                        secure=settings.cookie_secure, samesite="strict")
    return response


def _reporter_csrf_ok(reporter, presented) -> bool:
    return bool(presented) and hmac.compare_digest(reporter.csrf_token.encode(), str(presented).encode())


@router.post(PORTAL + "/antwoord", response_class=HTMLResponse)
def reporter_answer(request: Request, form: FormDep):
    db = get_database()
    try:
        with db.session() as s:
            reporter = _reporter(request, s)
            if reporter is None:  # her session expired while she typed: the text stays in the login form
                return login_form(request, "mijn_melding_code.html", status_code=401, public=True,
                                  fout=receipts.REPORTER_SESSION_INVALID, tekst=_kept_reply(form))
            if not _reporter_csrf_ok(reporter, form.get("csrf_token")):
                raise NotAuthorized("De beveiligingscontrole van het formulier is mislukt. Laad de pagina opnieuw.")
            intake.message_from_reporter(session=s, case_id=reporter.receipt.case_id, text=str(form.get("tekst") or ""))
    except DomainError as exc:
        with db.session() as s:
            reporter = _reporter(request, s)
            if reporter is None:
                return login_form(request, "mijn_melding_code.html", status_code=401, public=True, fout=exc.detail,
                                  tekst=_kept_reply(form))
            return _reporter_inbox(request, s, reporter, status_code=exc.status, melding="", fout=exc.detail,
                                   tekst=_kept_reply(form))
    return RedirectResponse(with_message(PORTAL, "Uw antwoord is verstuurd."), status_code=303)


@router.post(PORTAL + "/bijlagen", response_class=HTMLResponse)
def reporter_upload(request: Request, form: FormDep):
    """The reporter adds a file (photo, document): ``engine.cases.attachments`` removes the metadata and stores it
    encrypted; a refused file leaves nothing behind and the inbox says why."""
    files = _uploads(form)

    def add(s, case_id: int) -> None:
        if not files:
            raise InvalidData([FieldError("bestand", "Kies een bestand om toe te voegen.")])
        for name, content in files:
            attachments.add(session=s, case_id=case_id, filename=name, content=content, actor="melder")

    return _reporter_post(request, form, add, "Uw bestand is toegevoegd aan uw melding.", "#bestanden")


# --------------------------------------------------------------------------- oral report, meeting, follow-up

def _reporter_post(request: Request, form, act, message: str, anchor: str):
    """A form post in "Mijn melding": the receipt-code session and the form token, then ``act(session, case_id)``
    (``engine.contact`` decides); a refusal shows the inbox with the reason, nothing written."""
    db = get_database()
    try:
        with db.session() as s:
            reporter = _reporter(request, s)
            if reporter is None:
                return login_form(request, "mijn_melding_code.html", status_code=401, public=True,
                                  fout=receipts.REPORTER_SESSION_INVALID)
            if not _reporter_csrf_ok(reporter, form.get("csrf_token")):
                raise NotAuthorized("De beveiligingscontrole van het formulier is mislukt. Laad de pagina opnieuw.")
            act(s, reporter.receipt.case_id)
    except DomainError as exc:
        with db.session() as s:
            reporter = _reporter(request, s)
            if reporter is None:
                return login_form(request, "mijn_melding_code.html", status_code=401, public=True, fout=exc.detail)
            detail = "; ".join(e.message for e in exc.errors) if isinstance(exc, InvalidData) else exc.detail
            return _reporter_inbox(request, s, reporter, status_code=exc.status, melding="", fout=detail)
    return RedirectResponse(with_message(PORTAL, message) + anchor, status_code=303)


@router.post(PORTAL + "/gesprek", response_class=HTMLResponse)
def reporter_meeting(request: Request, form: FormDep):
    """The reporter asks for a meeting in person or by phone (EU 2019/1937 art. 9(2))."""
    kind, wish = str(form.get("gesprek") or ""), str(form.get("gesprek_wens") or "")
    return _reporter_post(request, form, lambda s, case_id: contact.request_meeting(
        session=s, case_id=case_id, kind=kind, wish=wish, source="inbox"),
        "Uw verzoek om een gesprek is verstuurd. Het meldpunt spreekt via deze pagina een moment met u af.",
        "#mondeling")


@router.post(PORTAL + "/verslagen/{report_id:id}/ondertekenen", response_class=HTMLResponse)
def reporter_sign(request: Request, report_id: int, form: FormDep):
    """The reporter signs the transcript of their oral report (EU 2019/1937 art. 18)."""
    version = str(form.get("versie") or "")
    agreed = form.get("akkoord") == "ja"
    return _reporter_post(request, form, lambda s, case_id: contact.sign(
        session=s, case_id=case_id, oral_report_id=report_id, version=form_int(version, 0) or 0,
        agreed=agreed), "U heeft het verslag ondertekend. Het ondertekende verslag wordt bewaard.", "#mondeling")


@router.post(PORTAL + "/verslagen/{report_id:id}/correcties", response_class=HTMLResponse)
def reporter_corrections(request: Request, report_id: int, form: FormDep):
    text = str(form.get("correcties") or "")
    return _reporter_post(request, form, lambda s, case_id: contact.correct(
        session=s, case_id=case_id, oral_report_id=report_id, text=text),
        "Uw correcties zijn verstuurd. U krijgt een nieuwe versie van het verslag om te ondertekenen.", "#mondeling")


@router.post(PORTAL + "/nazorg/{follow_up_id:id}", response_class=HTMLResponse)
def reporter_follow_up(request: Request, follow_up_id: int, form: FormDep):
    """The reporter answers the check-in after closure; "ja" opens a task for the coordinator."""
    adverse, text = str(form.get("nadelige_gevolgen") or ""), str(form.get("toelichting") or "")
    return _reporter_post(request, form, lambda s, case_id: contact.answer(
        session=s, case_id=case_id, follow_up_id=follow_up_id, adverse=adverse, text=text),
        "Dank u voor uw antwoord.", "#nazorg")


@router.post(PORTAL + "/afmelden")
def reporter_logout(request: Request):
    with get_database().session() as s:
        cookie = request.cookies.get(reporter_cookie_name(secure_cookies(request)))
        if cookie:
            receipts.end_reporter_session(session=s, session_id=cookie)
    settings = app_settings(request)
    response = RedirectResponse(PORTAL, status_code=303)
    response.delete_cookie(reporter_cookie_name(settings.cookie_secure), path="/", secure=settings.cookie_secure,
                           httponly=True, samesite="strict")
    return response
