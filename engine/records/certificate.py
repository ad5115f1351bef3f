"""The certificate of destruction (verklaring van vernietiging): a Word document from the template
``engine/records/templates/verklaring_van_vernietiging.docx``, rendered by the letters' mechanism
(documents.render: docxtpl, normalised output). It lists case numbers, classes and dates, who proposed
and approved the list, and when. It names no person of any case. The list and its certificate are kept
permanently (``destruction_lists``): the archive's proof of what was destroyed, by whose decision.

Rebuild the template (overwrites edits made in Word)::

    python -m engine.records.certificate
"""
from __future__ import annotations

from pathlib import Path

from engine.clock import now
from engine.legal_terms import local_date
from engine.records.retention import CLASS_LABELS

TEMPLATE = Path(__file__).resolve().parent / "templates" / "verklaring_van_vernietiging.docx"


def _nl(day) -> str:
    from documents.render import nl_datum

    return nl_datum(day) if day else ""


def certificate_docx(dlist, items, *, executed_at=None) -> bytes:
    """``executed_at``: when the list was executed (default: now, as the retention run stores it)."""
    from documents.render import render_docx

    destroyed = [i for i in items if i.status == "vernietigd"]
    skipped = [i for i in items if i.status == "overgeslagen"]
    context = {
        "lijst": dlist.id,
        "opgesteld_op": _nl(local_date(dlist.built_at)),
        "voorgesteld_door": dlist.proposed_by or "", "voorgesteld_op": _nl(dlist.proposed_at and local_date(dlist.proposed_at)),
        "goedgekeurd_door": dlist.approved_by or "", "goedgekeurd_op": _nl(dlist.approved_at and local_date(dlist.approved_at)),
        "uitgevoerd_op": _nl(local_date(executed_at or now())),
        "aantal": len(destroyed),
        "zaken": [{"zaaknummer": i.reference, "klasse": CLASS_LABELS.get(i.outcome_class, i.outcome_class),
                   "afgesloten": _nl(i.closed_on), "termijn_tot": _nl(i.end_of_term),
                   "vernietigd": _nl(i.destroyed_at and local_date(i.destroyed_at))} for i in destroyed],
        "overgeslagen": [{"zaaknummer": i.reference, "reden": i.note or ""} for i in skipped],
    }
    return render_docx(TEMPLATE, context, name="verklaring_van_vernietiging")


def build_template() -> bytes:
    from docx.shared import Pt

    from documents.build_templates import TemplateBuilder

    b = TemplateBuilder("verklaring_van_vernietiging")
    footer = b.doc.sections[0].footer.paragraphs[0]
    for run in footer.runs:
        run.text = ""
    footer.add_run("Verklaring van vernietiging  |  Vernietigingslijst {{ lijst }}").font.size = Pt(8)
    b.heading("Verklaring van vernietiging")
    b.blank()
    b.meta("Vernietigingslijst", "{{ lijst }}")
    b.meta("Opgesteld op", "{{ opgesteld_op }}")
    b.meta("Voorgesteld door", "{{ voorgesteld_door }} op {{ voorgesteld_op }}")
    b.meta("Goedgekeurd door", "{{ goedgekeurd_door }} op {{ goedgekeurd_op }}")
    b.meta("Uitgevoerd op", "{{ uitgevoerd_op }}")
    b.blank()
    b.text("Hierbij wordt verklaard dat de onderstaande {{ aantal }} zaakdossiers zijn vernietigd na het verstrijken "
           "van hun bewaartermijn, volgens de bewaartermijnen van het meldpunt (processes/manifest.json, "
           "'retention'). Van elke zaak is alleen een anonieme telregel voor de managementinformatie bewaard.")
    b.tag("{%p for z in zaken %}")
    b.p(("b", "{{ z.zaaknummer }}"), " — {{ z.klasse }}; afgesloten {{ z.afgesloten }}; bewaartermijn tot en met "
        "{{ z.termijn_tot }}; vernietigd {{ z.vernietigd }}")
    b.tag("{%p endfor %}")
    b.tag("{%p if overgeslagen %}")
    b.blank()
    b.heading("Niet vernietigd")
    b.tag("{%p for z in overgeslagen %}")
    b.p("{{ z.zaaknummer }}: {{ z.reden }}")
    b.tag("{%p endfor %}")
    b.tag("{%p endif %}")
    b.blank()
    b.text("Deze verklaring wordt blijvend bewaard.")
    return b.bytes()


if __name__ == "__main__":  # pragma: no cover
    TEMPLATE.write_bytes(build_template())
    print(f"Geschreven: {TEMPLATE}")
