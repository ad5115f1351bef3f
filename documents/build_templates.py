"""Build the Word templates in ``processes/letters/`` (run once; then edit in Word).

    python -m documents.build_templates            # writes all templates
    python -m documents.build_templates --only ontvangstbevestiging
    python -m documents.build_templates --force --logo eigen_logo.png   # another logo (PNG)

The layout follows the Rijkshuisstijl letter: the logo centred at the top of the first page, the
"Retouradres" line above the address block, the sender column on the right (organisation, visiting and
postal address, contact, "Ons kenmerk", "Uw kenmerk", "Bijlage(n)"), "Datum" and "Betreft" above the
salutation, the signatory block (function, "namens deze" for decisions of the competent authority) kept
with the closing sentence, and "Pagina x van y" (Word's PAGE/NUMPAGES fields, the only fields the check
allows, in the footer). The organisation's name and addresses are placeholders filled from the settings
(``organisatie`` in the manifest); the logo is the committed ``documents/assets/logo.png`` unless
``--logo`` names another. Only the styles the letter uses are kept (no python-docx defaults).

Once process owners have edited a template in Word, the ``.docx`` file is the
source of truth; running this script again overwrites their edits (it asks for
``--force`` when a template already exists).

Placeholders are Jinja2 for docxtpl. A paragraph whose whole text is a
``{%p ... %}`` tag is removed at rendering and only its tag is kept, so
conditional blocks and loops do not leave empty lines.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
from pathlib import Path
from typing import Callable

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from documents.catalog import LETTERS
from documents.render import TEMPLATES_DIR, normalise_docx

FIXED_TIME = dt.datetime(2026, 1, 1, 0, 0, 0)
FONT = "Arial"
LOGO = Path(__file__).resolve().parent / "assets" / "logo.png"
# Rijkshuisstijl positions (A4): text column from 2.4 cm, sender column 4.6 cm wide on the right.
LEFT_MARGIN, RIGHT_MARGIN = Cm(2.4), Cm(1.6)
ADDRESS_WIDTH, SENDER_WIDTH = Cm(12.4), Cm(4.6)
SMALL = Pt(7.5)


# --------------------------------------------------------------------------- building blocks

class TemplateBuilder:
    def __init__(self, name: str, *, logo: Path | None = None):
        self.name = name
        self.logo = logo or LOGO
        self.doc = Document()
        self.container = self.doc  # where paragraphs go: the body, or the address cell of the letterhead
        self.sender = None  # the sender column (a table cell) once the letterhead is written
        self._setup()

    def _setup(self) -> None:
        doc = self.doc
        section = doc.sections[0]
        section.page_height, section.page_width = Cm(29.7), Cm(21.0)
        section.top_margin = Cm(2.0)
        section.bottom_margin = Cm(2.0)
        section.left_margin = LEFT_MARGIN
        section.right_margin = RIGHT_MARGIN
        section.header_distance = Cm(0.8)
        section.footer_distance = Cm(0.8)
        normal = doc.styles["Normal"]
        normal.font.name = FONT
        normal.font.size = Pt(10)
        normal.paragraph_format.space_after = Pt(0)
        normal.paragraph_format.space_before = Pt(0)
        normal.paragraph_format.line_spacing = 1.15
        props = doc.core_properties
        spec = LETTERS.get(self.name)
        props.title = spec.title if spec else self.name
        props.author = "Meldpunt Integriteit"
        props.last_modified_by = "Meldpunt Integriteit"
        props.comments = "Briefsjabloon Meldpunt. Controleer wijzigingen met: meldpunt templates check"
        props.language = "nl-NL"
        props.created = FIXED_TIME
        props.modified = FIXED_TIME
        props.last_printed = FIXED_TIME
        props.revision = 1
        section.different_first_page_header_footer = True
        header = section.first_page_header.paragraphs[0]
        header.style = doc.styles["Normal"]  # Word's Header/Footer styles carry tab stops of their own
        header.alignment = WD_ALIGN_PARAGRAPH.CENTER
        header.add_run().add_picture(str(self.logo), height=Cm(2.6))
        for footer in (section.first_page_footer, section.footer):
            self._page_numbers(footer.paragraphs[0], section)

    def _page_numbers(self, para, section) -> None:
        """"Vertrouwelijk | Ons kenmerk" left, "Pagina x van y" right (PAGE and NUMPAGES fields)."""
        para.style = self.doc.styles["Normal"]
        width = section.page_width - section.left_margin - section.right_margin
        para.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
        for text, field in (("Vertrouwelijk  |  Ons kenmerk {{ zaaknummer }}\tPagina ", "PAGE"),
                            (" van ", "NUMPAGES")):
            para.add_run(text).font.size = SMALL
            simple = OxmlElement("w:fldSimple")
            simple.set(qn("w:instr"), f" {field} ")
            run = OxmlElement("w:r")
            props = OxmlElement("w:rPr")
            size = OxmlElement("w:sz")
            size.set(qn("w:val"), str(int(SMALL.pt * 2)))
            props.append(size)
            run.append(props)
            text_el = OxmlElement("w:t")
            text_el.text = "1"
            run.append(text_el)
            simple.append(run)
            para._p.append(simple)

    # paragraphs -------------------------------------------------------------
    def p(self, *parts: str | tuple[str, str], space_after: float = 0) -> None:
        """A paragraph; a part ``("b", text)`` is bold, ``("i", text)`` italic."""
        para = self.container.add_paragraph()
        para.paragraph_format.space_after = Pt(space_after)
        for part in parts:
            if isinstance(part, tuple):
                kind, text = part
                run = para.add_run(text)
                run.bold = kind == "b"
                run.italic = kind == "i"
            else:
                para.add_run(part)

    def text(self, *parts: str | tuple[str, str]) -> None:
        """A body paragraph followed by a blank line's worth of space."""
        self.p(*parts, space_after=10)

    def tag(self, tag: str, into=None) -> None:
        """A paragraph holding only a ``{%p ... %}`` tag."""
        (into or self.container).add_paragraph(tag)

    def blank(self) -> None:
        self.container.add_paragraph()

    def heading(self, text: str) -> None:
        self.p(("b", text))

    def meta(self, label: str, value: str) -> None:
        para = self.container.add_paragraph()
        para.paragraph_format.tab_stops.add_tab_stop(Cm(2.5), WD_TAB_ALIGNMENT.LEFT)
        run = para.add_run(label)
        run.font.size = SMALL
        para.add_run("\t" + value)

    def small(self, text: str, *, bold: bool = False, into=None, space_before: float = 0) -> None:
        """A line of the sender column (or the Retouradres line): 7.5 pt."""
        para = (into or self.container).add_paragraph()
        para.paragraph_format.space_before = Pt(space_before)
        run = para.add_run(text)
        run.font.size = SMALL
        run.bold = bold

    # letter parts -----------------------------------------------------------
    def letterhead(self) -> None:
        """The first page's top: the address block (with the Retouradres line) on the left, the sender column
        on the right; the address block's paragraphs follow (``to_reporter`` …), the kenmerken come with
        :meth:`meta_block`."""
        table = self.doc.add_table(rows=1, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        table.autofit = False
        address, sender = table.rows[0].cells
        address.width, sender.width = ADDRESS_WIDTH, SENDER_WIDTH
        first = address.paragraphs[0]
        run = first.add_run("> Retouradres {{ organisatie.adresregels|join(' ') }}")
        run.font.size = Pt(6.5)
        first.paragraph_format.space_after = Pt(8)
        column = sender.paragraphs[0]
        run = column.add_run("{{ organisatie.naam }}")
        run.font.size, run.bold = SMALL, True
        self.small("{{ organisatie.afdeling }}", into=sender)
        self.tag("{%p if organisatie.bezoekadres is defined %}", into=sender)
        self.small("Bezoekadres", bold=True, into=sender, space_before=6)
        self.tag("{%p for regel in organisatie.bezoekadres|regels %}", into=sender)
        self.small("{{ regel }}", into=sender)
        self.tag("{%p endfor %}", into=sender)
        self.tag("{%p endif %}", into=sender)
        self.small("Postadres", bold=True, into=sender, space_before=6)
        self.tag("{%p for regel in organisatie.adresregels %}", into=sender)
        self.small("{{ regel }}", into=sender)
        self.tag("{%p endfor %}", into=sender)
        self.small("Contact", bold=True, into=sender, space_before=6)
        self.small("T {{ organisatie.telefoon }}", into=sender)
        self.small("{{ organisatie.email }}", into=sender)
        self.container, self.sender = address, sender

    def to_reporter(self) -> None:
        """Address block for the reporter: postal address, e-mail, or the anonymous route."""
        self.tag("{%p if melder_anoniem %}")
        self.p("Aan de melder (anoniem)")
        self.p(("i", "Uitsluitend beschikbaar gesteld via het anonieme meldportaal"))
        self.tag("{%p else %}")
        self.p("Persoonlijk en vertrouwelijk")
        self.p("{{ melder_naam }}")
        self.tag("{%p if melder_adres is defined %}")
        self.tag("{%p for regel in melder_adres|regels %}")
        self.p("{{ regel }}")
        self.tag("{%p endfor %}")
        self.tag("{%p else %}")
        self.p("Per e-mail: {{ melder_email }}")
        self.tag("{%p endif %}")
        self.tag("{%p endif %}")
        self.blank()

    def to_subject(self) -> None:
        self.p("Persoonlijk en vertrouwelijk")
        self.p("{{ betrokkene_naam }}")
        self.p("{{ betrokkene_functie }}")
        self.p("{{ dienstonderdeel }}")
        self.blank()

    def meta_block(self, onderwerp: str, datum: str = "{{ datum|nl_datum }}", bijlagen: str | None = None) -> None:
        """The kenmerken in the sender column (Ons kenmerk, Uw kenmerk when the case records one, Bijlage(n)
        when the letter has any), then Datum and Betreft above the salutation."""
        if self.sender is not None:
            self.small("Ons kenmerk", bold=True, into=self.sender, space_before=6)
            self.small("{{ zaaknummer }}", into=self.sender)
            self.tag("{%p if uw_kenmerk is defined %}", into=self.sender)
            self.small("Uw kenmerk", bold=True, into=self.sender, space_before=6)
            self.small("{{ uw_kenmerk }}", into=self.sender)
            self.tag("{%p endif %}", into=self.sender)
            if bijlagen:
                self.small("Bijlage(n)", bold=True, into=self.sender, space_before=6)
                self.small(bijlagen, into=self.sender)
            self.container = self.doc
            self.blank()
        else:
            self.meta("Ons kenmerk", "{{ zaaknummer }}")
        self.meta("Datum", datum)
        self.meta("Betreft", onderwerp)
        self.blank()

    def salute_reporter(self) -> None:
        self.tag("{%p if melder_anoniem %}")
        self.text("Geachte melder,")
        self.tag("{%p else %}")
        self.text("Geachte {{ melder_naam|aanhef(melder_aanspreekvorm) }},")
        self.tag("{%p endif %}")

    def contact_reporter(self) -> None:
        self.tag("{%p if melder_anoniem %}")
        self.text(
            "U heeft uw melding anoniem gedaan. Wij kunnen u daarom niet per post of per e-mail bereiken. "
            "U kunt berichten met ons uitwisselen via het anonieme meldportaal ({{ organisatie.meldportaal }}) "
            "met de ontvangstcode die u bij uw melding heeft gekregen. Om veiligheidsredenen vermelden wij "
            "die code niet in deze brief."
        )
        self.tag("{%p else %}")
        self.text(
            "Heeft u vragen, dan kunt u contact opnemen met het {{ organisatie.afdeling }}, telefoon "
            "{{ organisatie.telefoon }}, e-mail {{ organisatie.email }}. Vermeldt u daarbij altijd het "
            "zaaknummer {{ zaaknummer }}."
        )
        self.tag("{%p endif %}")

    def closing(self, greeting: str, *signatory: str, on_behalf: str | None = None) -> None:
        """The greeting and the signatory block, kept together and with the paragraph before them (so the
        signature never stands alone on a page). ``on_behalf``: who the decision is of; the block then reads
        "<on_behalf>, / namens deze, / (space to sign) / <signatory: the function>"."""
        self._keep_last_sentence_with_next()
        lines: list[tuple[str, float]] = [(greeting, 6)]
        if on_behalf:
            lines += [(on_behalf + ",", 0), ("namens deze,", 36)]
        else:
            lines[-1] = (greeting, 36)
        lines += [(line, 0) for line in signatory]
        for i, (line, after) in enumerate(lines):
            para = self.container.add_paragraph(line)
            para.paragraph_format.space_after = Pt(after)
            para.paragraph_format.keep_together = True
            para.paragraph_format.keep_with_next = i < len(lines) - 1

    def _keep_last_sentence_with_next(self) -> None:
        """Keep-with-next on the paragraph(s) before the closing that the letter can end its text with: the
        last text paragraph, or the last of each branch of a trailing ``{%p if %}`` block."""
        depth = 0
        for para in reversed(self.container.paragraphs):
            text = para.text.strip()
            if text.startswith("{%p"):
                word = text[3:].split()[0] if text[3:].split() else ""
                depth += 1 if word.startswith("end") else -1 if word in ("if", "for") else 0
                if depth <= 0 and word in ("if", "for"):
                    break
                continue
            if not text:
                continue
            para.paragraph_format.keep_with_next = True
            if depth <= 0:
                break

    def attachment(self, title: str) -> None:
        """A Bijlage: its heading starts a new page."""
        para = self.container.add_paragraph()
        para.paragraph_format.page_break_before = True
        para.paragraph_format.keep_with_next = True
        para.add_run(title).bold = True

    def sign_lines(self, *lines: str) -> None:
        """Lines to sign (a minutes' "voor akkoord"), kept with the text before them."""
        self._keep_last_sentence_with_next()
        for i, line in enumerate(lines):
            para = self.container.add_paragraph(line)
            para.paragraph_format.space_before = Pt(12 if i == 0 else 18)
            para.paragraph_format.keep_with_next = i < len(lines) - 1

    def closing_desk(self) -> None:
        self.closing("Met vriendelijke groet,", "het hoofd van het {{ organisatie.afdeling }}",
                     "{{ organisatie.naam }}")

    def closing_authority(self) -> None:
        self.closing("Hoogachtend,", "het hoofd van het {{ organisatie.afdeling }}",
                     on_behalf="{{ organisatie.bevoegd_gezag }}")

    def bytes(self) -> bytes:
        from documents.sanitize import strip_metadata

        strip_metadata(self.doc.part.package)  # python-docx's default template carries custom XML and rsids
        slim_styles(self.doc)
        buf = io.BytesIO()
        self.doc.save(buf)
        return normalise_docx(buf.getvalue())


STYLE_REFS = ("pStyle", "rStyle", "tblStyle", "numStyleId")
STYLE_LINKS = ("basedOn", "next", "link")
DROPPED_PARTS = (
    "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/webSettings",
)
NUMBERING = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering"


def slim_styles(doc) -> None:
    """Keep only the styles the letter uses (and the defaults and what they are based on); drop the latent
    style list, stylesWithEffects and webSettings, and the numbering part when nothing is numbered.
    python-docx's default template carries ~790 KB of them; every render parsed and wrote them (issue 25)."""
    roots = [doc.element]
    for section in doc.sections:
        for part in (section.header, section.footer, section.first_page_header, section.first_page_footer,
                     section.even_page_header, section.even_page_footer):
            if not part.is_linked_to_previous:
                roots.append(part._element)
    used: set[str] = set()
    for root in roots:
        for local in STYLE_REFS:
            used |= {el.get(qn("w:val")) for el in root.iter(qn(f"w:{local}"))}
    styles = doc.styles.element
    by_id = {el.get(qn("w:styleId")): el for el in styles.findall(qn("w:style"))}
    used |= {sid for sid, el in by_id.items() if el.get(qn("w:default")) in ("1", "true")}
    todo = list(used)
    while todo:
        el = by_id.get(todo.pop())
        for local in STYLE_LINKS:
            link = el.find(qn(f"w:{local}")) if el is not None else None
            if link is not None and link.get(qn("w:val")) not in used:
                used.add(link.get(qn("w:val")))
                todo.append(link.get(qn("w:val")))
    for sid, el in by_id.items():
        if sid not in used:
            styles.remove(el)
    for latent in styles.findall(qn("w:latentStyles")):
        styles.remove(latent)
    numbered = any(next(root.iter(qn("w:numPr")), None) is not None for root in roots)
    for r_id, rel in list(doc.part.rels.items()):
        if rel.reltype in DROPPED_PARTS or (rel.reltype == NUMBERING and not numbered):
            del doc.part.rels[r_id]


# --------------------------------------------------------------------------- legal routes

def legal_route_objection(l: TemplateBuilder) -> None:
    l.heading("Bezwaar")
    l.text(
        "Bent u het niet eens met dit besluit, dan kunt u daartegen bezwaar maken. Dat doet u door binnen "
        "zes weken na de dag waarop dit besluit aan u is bekendgemaakt een bezwaarschrift in te dienen bij "
        "{{ organisatie.bevoegd_gezag|klein }}, {{ organisatie.adresregels|join(', ') }} (artikelen 6:7 en 6:8 "
        "van de Algemene wet bestuursrecht). Het bezwaarschrift moet zijn ondertekend en bevat ten minste uw "
        "naam en adres, de datum, een omschrijving van het besluit waartegen het bezwaar is gericht en de "
        "redenen waarom u het niet eens bent met het besluit. Stuurt u zo mogelijk een kopie van dit besluit mee."
    )
    l.text(
        "Het indienen van een bezwaarschrift schorst de werking van dit besluit niet. Kan de beslissing op uw "
        "bezwaar naar uw oordeel niet worden afgewacht, dan kunt u de voorzieningenrechter van de rechtbank "
        "vragen een voorlopige voorziening te treffen."
    )


def legal_route_employment(l: TemplateBuilder, *, with_dismissal: bool) -> None:
    if with_dismissal:
        l.tag("{%p if beeindiging_dienstverband %}")
        l.heading("Ontslag op staande voet aanvechten")
        l.text(
            "Omdat u werkzaam bent op basis van een arbeidsovereenkomst, is dit besluit geen besluit in de zin "
            "van de Algemene wet bestuursrecht. Bezwaar is daarom niet mogelijk. Bent u het niet eens met het "
            "ontslag op staande voet, dan kunt u de kantonrechter verzoeken de opzegging te vernietigen "
            "(artikel 7:681 van het Burgerlijk Wetboek). Dit verzoek moet u indienen binnen twee maanden na de "
            "dag waarop de arbeidsovereenkomst is geëindigd (artikel 7:686a, vierde lid, van het Burgerlijk "
            "Wetboek). Na het verstrijken van die termijn kunt u het ontslag niet meer aanvechten. Wij raden u "
            "aan hierover tijdig juridisch advies in te winnen."
        )
        l.tag("{%p else %}")
    l.heading("Rechtsmiddel")
    l.text(
        "Omdat u werkzaam bent op basis van een arbeidsovereenkomst, is dit besluit geen besluit in de zin van "
        "de Algemene wet bestuursrecht. Bezwaar is daarom niet mogelijk. Bent u het niet eens met dit besluit, "
        "dan kunt u zich wenden tot de kantonrechter. Wij raden u aan hierover juridisch advies in te winnen."
    )
    if with_dismissal:
        l.tag("{%p endif %}")


def legal_route(l: TemplateBuilder, *, with_dismissal: bool) -> None:
    l.tag('{%p if rechtspositie == "publiekrechtelijk" %}')
    legal_route_objection(l)
    l.tag('{%p elif rechtspositie == "arbeidsovereenkomst" %}')
    legal_route_employment(l, with_dismissal=with_dismissal)
    l.tag("{%p else %}")
    l.p("{{ fout(\"onbekende rechtspositie\") }}")
    l.tag("{%p endif %}")


# --------------------------------------------------------------------------- the letters

def ontvangstbevestiging(l: TemplateBuilder) -> None:
    l.letterhead()
    l.to_reporter()
    l.meta_block("Ontvangstbevestiging van uw melding")
    l.salute_reporter()
    l.text(
        "Op {{ datum_melding|nl_datum }} heeft u bij ons een melding gedaan van een "
        "vermoedelijke integriteitsschending. Met deze brief bevestig ik de ontvangst van uw melding. Uw melding "
        "is geregistreerd onder zaaknummer {{ zaaknummer }}."
    )
    l.heading("Wat gebeurt er met uw melding?")
    l.text(
        "Wij beoordelen eerst of uw melding aanleiding geeft tot nader onderzoek. Het kan zijn dat wij u daarbij "
        "om aanvullende informatie vragen. Binnen drie maanden, uiterlijk op {{ terugkoppeling_termijn|nl_datum }}, "
        "informeren wij u over de beoordeling van uw melding en over de opvolging die daaraan wordt gegeven."
    )
    l.heading("Vertrouwelijkheid en bescherming")
    l.text(
        "Wij behandelen uw melding vertrouwelijk. Uw identiteit en gegevens waaruit uw identiteit kan worden "
        "afgeleid, delen wij alleen met de medewerkers die bevoegd zijn uw melding te behandelen, tenzij u daarvoor "
        "uitdrukkelijk toestemming geeft. Zijn wij wettelijk verplicht uw identiteit bekend te maken, dan "
        "informeren wij u daarover vooraf schriftelijk, met opgave van de redenen. Wie te goeder trouw een melding "
        "doet, mag daardoor niet worden benadeeld."
    )
    l.heading("Contact")
    l.contact_reporter()
    l.closing_desk()


def verzoek_aanvullende_informatie(l: TemplateBuilder) -> None:
    l.letterhead()
    l.to_reporter()
    l.meta_block("Verzoek om aanvullende informatie over uw melding")
    l.salute_reporter()
    l.text(
        "Op {{ datum_melding|nl_datum }} heeft u een melding gedaan van een vermoedelijke integriteitsschending. "
        "Uw melding is bij ons bekend onder zaaknummer {{ zaaknummer }}. Om uw melding zorgvuldig te kunnen "
        "beoordelen, hebben wij aanvullende informatie van u nodig. Wij verzoeken u de volgende vragen te "
        "beantwoorden:"
    )
    l.tag("{%p for vraag in aanvullende_vragen|regels %}")
    l.p("{{ loop.index }}. {{ vraag }}")
    l.tag("{%p endfor %}")
    l.blank()
    l.tag("{%p if melder_anoniem %}")
    l.text(
        "Wij ontvangen uw antwoorden graag uiterlijk op {{ reactie_termijn|nl_datum }} via het anonieme "
        "meldportaal ({{ organisatie.meldportaal }}), met de ontvangstcode die u bij uw melding heeft gekregen."
    )
    l.tag("{%p else %}")
    l.text(
        "Wij ontvangen uw antwoorden graag uiterlijk op {{ reactie_termijn|nl_datum }}, per e-mail aan "
        "{{ organisatie.email }} of per post aan het hierboven vermelde adres, onder vermelding van zaaknummer "
        "{{ zaaknummer }}."
    )
    l.tag("{%p endif %}")
    l.text(
        "Ontvangen wij uw antwoorden niet binnen deze termijn, dan beoordelen wij uw melding op basis van de "
        "informatie waarover wij dan beschikken. Dat kan betekenen dat wij uw melding niet of niet volledig "
        "kunnen onderzoeken."
    )
    l.contact_reporter()
    l.closing_desk()


def besluit_geen_onderzoek(l: TemplateBuilder) -> None:
    l.letterhead()
    l.to_reporter()
    l.meta_block('Uitkomst van de beoordeling van uw melding: {% if route == "doorverwijzing" %}doorverwijzing'
                 '{% else %}geen onderzoek{% endif %}')
    l.salute_reporter()
    l.text(
        "Op {{ datum_melding|nl_datum }} heeft u een melding gedaan van een vermoedelijke integriteitsschending "
        "(zaaknummer {{ zaaknummer }}). Wij hebben uw melding zorgvuldig beoordeeld. In deze brief informeren wij "
        "u over de uitkomst van die beoordeling."
    )
    l.heading("Uitkomst")
    l.tag('{%p if route == "doorverwijzing" %}')
    l.text(
        "Wij stellen naar aanleiding van uw melding geen integriteitsonderzoek in. Uw melding kan naar ons "
        "oordeel beter worden behandeld door {{ doorverwijzing_naar|tekst }}. Wij verwijzen u daarom door naar "
        "{{ doorverwijzing_naar|tekst }}. Zonder uw toestemming geven wij uw melding niet aan deze instantie door. "
        "U kunt zich ook zelf tot deze instantie wenden."
    )
    l.tag('{%p elif route == "geen_onderzoek" %}')
    l.text("Wij stellen naar aanleiding van uw melding geen onderzoek in.")
    l.tag("{%p else %}")
    l.p("{{ fout(\"deze brief hoort bij de route 'geen_onderzoek' of 'doorverwijzing'\") }}")
    l.tag("{%p endif %}")
    l.heading("Motivering")
    l.text("{{ beoordeling_motivering }}")
    l.tag("{%p if toelichting_melder is defined %}")
    l.text("{{ toelichting_melder }}")
    l.tag("{%p endif %}")
    l.heading("Verder")
    l.text(
        "Wij danken u voor uw melding. Beschikt u over nieuwe informatie, dan kunt u opnieuw een melding doen. "
        "Gaat het om een vermoeden van een misstand waarbij het maatschappelijk belang in het geding is, dan kunt "
        "u zich voor advies ook wenden tot het Huis voor Klokkenluiders."
    )
    l.contact_reporter()
    l.closing_desk()


def onderzoeksopdracht(l: TemplateBuilder) -> None:
    l.letterhead()
    l.p("Persoonlijk en vertrouwelijk")
    l.p("Aan de onderzoekers integriteit")
    l.blank()
    l.meta_block("Opdracht tot het instellen van een {{ route|tekst }}")
    l.text("Geachte onderzoekers,")
    l.text(
        "Naar aanleiding van een melding van een vermoedelijke integriteitsschending en de beoordeling daarvan, "
        "geef ik u hierbij opdracht tot het instellen van een {{ route|tekst }} ({{ onderzoek_soort|tekst }}) "
        "onder zaaknummer {{ zaaknummer }}."
    )
    l.heading("Het onderzoek betreft")
    l.p("Betrokkene: {{ betrokkene_naam }}")
    l.p("Functie: {{ betrokkene_functie }}")
    l.p("Dienstonderdeel: {{ dienstonderdeel }}")
    l.p("Aard van de vermoedelijke schending: {{ categorie }}{% if subcategorie is defined %}, in het bijzonder {{ subcategorie }}{% endif %}", space_after=10)
    l.heading("Opdracht")
    l.text("{{ opdracht_motivering }}")
    l.tag("{%p if extern_bureau is defined %}")
    l.text("Het feitenonderzoek wordt uitgevoerd door het externe onderzoeksbureau {{ extern_bureau }}.")
    l.tag("{%p endif %}")
    l.heading("Onderzoeksvragen")
    l.text("Het onderzoek geeft antwoord op de volgende vragen:")
    l.tag("{%p for vraag in onderzoeksvragen|regels %}")
    l.p("{{ loop.index }}. {{ vraag }}")
    l.tag("{%p endfor %}")
    l.blank()
    l.heading("Achtergrond")
    l.text("{{ beoordeling_motivering }}")
    l.heading("Uitgangspunten")
    l.text(
        "U voert het onderzoek uit volgens het onderzoeksprotocol. U stelt betrokkene in kennis van het "
        "onderzoek en stelt betrokkene in de gelegenheid te worden gehoord (hoor en wederhoor); betrokkene mag "
        "zich daarbij laten bijstaan door een raadsman of adviseur. Van ieder gesprek maakt u een verslag dat u aan "
        "de gehoorde ter correctie en ondertekening voorlegt. Per onderdeel stelt u vast of het vermoeden is "
        "aangetoond, deels aangetoond of niet aangetoond."
    )
    l.text(
        "Het onderzoek staat los van de afdoening: u doet geen uitspraak over en geeft geen advies over een "
        "eventuele maatregel. De identiteit van de melder wordt in deze opdracht niet vermeld en is alleen "
        "bekend bij de medewerkers die de melding behandelen."
    )
    l.text(
        "Blijkt tijdens het onderzoek van een vermoeden van een misdrijf, dan meldt u dit onverwijld aan mij, "
        "in verband met de aangifteplicht van artikel 162 van het Wetboek van Strafvordering."
    )
    l.text(
        "Ik verzoek u uw onderzoeksrapport uiterlijk op {{ rapportage_termijn|nl_datum }} aan mij uit te brengen. "
        "Voorziet u dat deze termijn niet haalbaar is, dan verneem ik dat graag tijdig en met redenen."
    )
    l.closing_authority()


def kennisgeving_onderzoek(l: TemplateBuilder) -> None:
    l.letterhead()
    l.to_subject()
    l.meta_block("Kennisgeving onderzoek en uitnodiging voor een hoorgesprek")
    l.text("Geachte {{ betrokkene_naam|aanhef(betrokkene_aanspreekvorm) }},")
    l.text(
        "Met deze brief informeer ik u dat naar aanleiding van een melding een {{ route|tekst }} wordt ingesteld "
        "naar een vermoedelijke integriteitsschending waarbij u betrokken zou zijn (zaaknummer {{ zaaknummer }}). "
        "Het onderzoek betreft in algemene zin een vermoeden van {{ categorie|klein }}"
        "{% if subcategorie is defined %}, in het bijzonder {{ subcategorie }}{% endif %}."
    )
    l.text(
        "Het onderzoek is erop gericht de feiten vast te stellen. De onderzoekers doen geen uitspraak over een "
        "eventuele maatregel. Dat u bij het onderzoek wordt betrokken, betekent niet dat vaststaat dat u iets te "
        "verwijten valt."
    )
    l.heading("Uitnodiging voor een hoorgesprek")
    l.text(
        "Ik stel u graag in de gelegenheid uw kant van de zaak toe te lichten. Daarom nodig ik u uit voor een "
        "hoorgesprek met de onderzoekers op {{ hoorgesprek_datum|nl_datumtijd }}. Het gesprek vindt plaats op de "
        "volgende locatie: {{ hoorgesprek_locatie }}."
    )
    l.heading("Recht op bijstand")
    l.text(
        "U heeft het recht zich tijdens het hoorgesprek te laten bijstaan door een raadsman of adviseur van uw "
        "keuze, bijvoorbeeld een advocaat, een vertegenwoordiger van uw vakbond of een vertrouwenspersoon. Wilt "
        "u vooraf laten weten of u iemand meeneemt, en zo ja wie?"
    )
    l.heading("Verslag")
    l.text(
        "Van het gesprek wordt een verslag gemaakt. U ontvangt dit verslag om het te controleren, zo nodig te "
        "corrigeren en te ondertekenen."
    )
    l.heading("Verhinderd?")
    l.text(
        "Bent u op het genoemde tijdstip verhinderd, neemt u dan zo spoedig mogelijk contact op met het "
        "{{ organisatie.afdeling }}, telefoon {{ organisatie.telefoon }}, e-mail {{ organisatie.email }}, om een "
        "nieuwe afspraak te maken."
    )
    l.heading("Vertrouwelijkheid")
    l.text(
        "Ik verzoek u vertrouwelijk om te gaan met de inhoud van deze brief en, voor zover dat niet nodig is voor "
        "uw werk, geen contact te zoeken met personen van wie u vermoedt dat zij bij de melding of het onderzoek "
        "betrokken zijn."
    )
    l.closing_authority()


# Minutes to check, correct and sign: the same request to the subject and to each witness.
CORRECTION_REQUEST = (
    "Ik verzoek u het verslag zorgvuldig te lezen. Geeft het verslag uw verklaring juist en volledig weer, "
    "dan verzoek ik u het te ondertekenen en aan ons terug te sturen. Heeft u correcties of aanvullingen, dan "
    "kunt u die schriftelijk aan ons kenbaar maken. Uw correcties en aanvullingen worden aan het verslag "
    "toegevoegd. Ook als u het verslag niet ondertekent, wordt uw reactie bij het onderzoek betrokken."
)


def verslag_hoorgesprek(l: TemplateBuilder) -> None:
    l.letterhead()
    l.to_subject()
    l.meta_block("Verslag van het hoorgesprek ter correctie en ondertekening", bijlagen="1")
    l.text("Geachte {{ betrokkene_naam|aanhef(betrokkene_aanspreekvorm) }},")
    l.text(
        "{% if hoorgesprek_gehouden_op is defined %}Op {{ hoorgesprek_gehouden_op|nl_datum }}{% else %}Op "
        "{{ hoorgesprek_datum|nl_datumtijd }}{% endif %} bent u gehoord in het kader van het onderzoek met "
        "zaaknummer {{ zaaknummer }}. Het verslag van dit gesprek staat in de bijlage bij deze brief."
    )
    l.text(CORRECTION_REQUEST)
    l.text(
        "Wij ontvangen het ondertekende verslag en uw eventuele correcties graag uiterlijk op "
        "{{ correctie_termijn|nl_datum }}, per e-mail aan {{ organisatie.email }} of per post aan het hierboven "
        "vermelde adres. Ontvangen wij binnen deze termijn geen reactie, dan voegen wij het verslag zonder uw "
        "ondertekening aan het onderzoeksdossier toe, met de vermelding dat u niet heeft gereageerd."
    )
    l.closing("Met vriendelijke groet,", "de onderzoekers integriteit", "{{ organisatie.naam }}")
    l.attachment("Bijlage: verslag van het hoorgesprek")
    l.p("Zaaknummer: {{ zaaknummer }}")
    l.p("Gehoord: {{ betrokkene_naam }}, {{ betrokkene_functie }}")
    l.p("Datum gesprek: {% if hoorgesprek_gehouden_op is defined %}{{ hoorgesprek_gehouden_op|nl_datum }}"
        "{% else %}{{ hoorgesprek_datum|nl_datumtijd }}{% endif %}")
    l.tag("{%p if adviseur_naam is defined %}")
    l.p("Bijgestaan door: {{ adviseur_naam }}")
    l.tag("{%p endif %}")
    l.blank()
    l.tag("{%p for alinea in verslag_hoorgesprek|regels %}")
    l.text("{{ alinea }}")
    l.tag("{%p endfor %}")
    l.sign_lines("Voor akkoord, de gehoorde:",
                 "Handtekening: ______________________________    Datum: ________________")


def verslag_getuigenverhoor(l: TemplateBuilder) -> None:
    l.letterhead()
    l.p("Persoonlijk en vertrouwelijk")
    l.p("{{ getuigenverhoor.getuige }}")
    l.blank()
    l.meta_block("Verslag van uw verhoor als getuige ter correctie en ondertekening")
    l.text("Geachte heer/mevrouw,")
    l.text(
        "Op {{ getuigenverhoor.datum|nl_datum }} bent u als getuige gehoord in het kader van het onderzoek met "
        "zaaknummer {{ zaaknummer }}. Hieronder vindt u het verslag van dit verhoor."
    )
    l.text(CORRECTION_REQUEST)
    l.text(
        "Wij ontvangen het ondertekende verslag en uw eventuele correcties graag uiterlijk op "
        "{{ getuige_correctie_termijn|nl_datum }}, per e-mail aan {{ organisatie.email }} of per post aan het "
        "hierboven vermelde adres. Ontvangen wij binnen deze termijn geen reactie, dan voegen wij het verslag zonder "
        "uw ondertekening aan het onderzoeksdossier toe, met de vermelding dat u niet heeft gereageerd."
    )
    l.heading("Vertrouwelijkheid")
    l.text(
        "Ik verzoek u vertrouwelijk om te gaan met de inhoud van deze brief en van het verslag, en er niet met "
        "anderen over te spreken zolang het onderzoek loopt."
    )
    l.closing("Met vriendelijke groet,", "de onderzoekers integriteit", "{{ organisatie.naam }}")
    l.blank()
    l.heading("Verslag van het verhoor")
    l.tag("{%p for regel in getuigenverhoor.verslag|regels %}")
    l.p("{{ regel }}")
    l.tag("{%p endfor %}")
    l.sign_lines("Voor akkoord (handtekening getuige): ____________________    Datum: ____________")


def besluit_ordemaatregel(l: TemplateBuilder) -> None:
    l.letterhead()
    l.to_subject()
    l.meta_block("Besluit ordemaatregel: {{ ordemaatregel|tekst }}")
    l.text("Geachte {{ betrokkene_naam|aanhef(betrokkene_aanspreekvorm) }},")
    # The start date recorded with the decision; "met onmiddellijke ingang" only when that is the letter's day.
    l.tag("{%p if ordemaatregel_ingangsdatum|nl_datum == datum|nl_datum %}")
    l.tag('{%p set ingang = "met onmiddellijke ingang, " ~ (datum|nl_datum) ~ ","  %}')
    l.tag("{%p else %}")
    l.tag('{%p set ingang = "met ingang van " ~ (ordemaatregel_ingangsdatum|nl_datum) %}')
    l.tag("{%p endif %}")
    l.tag('{%p if ordemaatregel == "schorsing" %}')
    l.text(
        "Met deze brief deel ik u mee dat ik heb besloten u {{ ingang }} in het belang van de dienst "
        "te schorsen. U bent gedurende de schorsing niet gehouden en niet gerechtigd uw werkzaamheden te "
        "verrichten. Uw salaris wordt tijdens de schorsing doorbetaald."
    )
    l.tag('{%p elif ordemaatregel == "toegangsverbod" %}')
    l.text(
        "Met deze brief deel ik u mee dat ik heb besloten u {{ ingang }} de toegang te ontzeggen tot "
        "uw werkplek en tot de gebouwen en terreinen van de organisatie. Uw salaris wordt tijdens deze "
        "maatregel doorbetaald."
    )
    l.tag("{%p else %}")
    l.p("{{ fout(\"deze brief hoort bij de ordemaatregel 'schorsing' of 'toegangsverbod'\") }}")
    l.tag("{%p endif %}")
    l.text(
        "Deze maatregel is een ordemaatregel in afwachting van de uitkomst van het onderzoek naar een "
        "vermoedelijke integriteitsschending (zaaknummer {{ zaaknummer }}). Het is geen straf en er ligt geen "
        "oordeel in besloten over de uitkomst van het onderzoek."
    )
    l.heading("Redenen")
    l.text("{{ ordemaatregel_motivering }}")
    l.heading("Duur")
    l.text(
        "De maatregel geldt voor de duur van het onderzoek. Uiterlijk op {{ ordemaatregel_heroverweging|nl_datum }} "
        "beoordeel ik opnieuw of de maatregel nog nodig is. U ontvangt daarover bericht. Zodra de maatregel niet "
        "langer nodig is, hef ik deze op."
    )
    l.heading("Contact")
    l.text(
        "Voor vragen over deze maatregel kunt u contact opnemen met het {{ organisatie.afdeling }}, telefoon "
        "{{ organisatie.telefoon }}, e-mail {{ organisatie.email }}."
    )
    legal_route(l, with_dismissal=False)
    l.closing_authority()


def sanctieadvies(l: TemplateBuilder) -> None:
    l.p(("b", "{{ organisatie.naam }}"))
    l.p("{{ organisatie.afdeling }}")
    l.blank()
    l.p(("b", "NOTA — VERTROUWELIJK"))
    l.blank()
    l.meta("Aan", "{{ organisatie.bevoegd_gezag }}")
    l.meta("Van", "de HR-adviseur / juridisch adviseur integriteit")
    l.meta_block("Sanctieadvies")
    l.heading("Aanleiding")
    l.text(
        "Het onderzoek naar een vermoedelijke integriteitsschending door {{ betrokkene_naam }}, "
        "{{ betrokkene_functie }} bij het dienstonderdeel {{ dienstonderdeel }}, is afgerond. Het onderzoek betrof een vermoeden van "
        "{{ categorie|klein }}{% if subcategorie is defined %}, in het bijzonder {{ subcategorie }}{% endif %}. U heeft mij gevraagd u te adviseren over de afdoening."
    )
    l.heading("Bevindingen van het onderzoek")
    l.tag("{%p if rapport_samenvatting is defined %}")
    l.text("Samenvatting van het onderzoeksrapport{% if rapport_datum is defined %} van "
           "{{ rapport_datum|nl_datum }}{% endif %}: {{ rapport_samenvatting }}")
    l.tag("{%p endif %}")
    l.tag("{%p for bevinding in bevindingen %}")
    l.p("{{ loop.index }}. {{ bevinding.bewering }}: {{ bevinding.uitkomst|tekst }}")
    l.tag("{%p endfor %}")
    l.blank()
    l.text("Eindoordeel van het onderzoek: {{ uitkomst|tekst }}. Ordemaatregel tijdens het onderzoek: "
           "{{ ordemaatregel|tekst }}.")
    l.heading("Advies")
    l.text("Ik adviseer u de volgende afdoening: {{ advies_afdoeningen|map('klein')|list|opsomming }}.")
    l.heading("Motivering")
    l.text("{{ advies_motivering }}")
    l.text(
        "Bij dit advies ben ik uitgegaan van een gemeenschappelijk gevoel voor maat en heb ik alle "
        "omstandigheden van het geval betrokken. Met het oog op de eenheid van beleid is de voorgestelde "
        "afdoening getoetst aan de afdoening van vergelijkbare zaken (precedenten)."
    )
    l.heading("Vervolg")
    l.text(
        "Kiest u voor een disciplinaire maatregel, dan stelt u betrokkene eerst schriftelijk in kennis van uw "
        "voornemen en in de gelegenheid daarop mondeling of schriftelijk een zienswijze te geven, met bijstand van "
        "een raadsman of adviseur. Daarna neemt u het besluit."
    )
    l.tag('{%p if rechtspositie == "publiekrechtelijk" %}')
    l.text(
        "Betrokkene is publiekrechtelijk aangesteld. Het besluit is een besluit in de zin van de Algemene wet "
        "bestuursrecht; daartegen staat binnen zes weken bezwaar open."
    )
    l.tag("{%p else %}")
    l.text(
        "Betrokkene is werkzaam op basis van een arbeidsovereenkomst. Tegen een disciplinaire maatregel staat "
        "geen bezwaar open; betrokkene kan zich wenden tot de kantonrechter. Een ontslag op staande voet kan "
        "binnen twee maanden na het einde van de arbeidsovereenkomst bij de kantonrechter worden aangevochten."
    )
    l.tag("{%p endif %}")
    l.closing("Met vriendelijke groet,", "de HR-adviseur / juridisch adviseur integriteit",
              "{{ organisatie.naam }}")


def voornemen_disciplinaire_maatregel(l: TemplateBuilder) -> None:
    l.letterhead()
    l.to_subject()
    l.meta_block("Voornemen tot het opleggen van een disciplinaire maatregel")
    l.text("Geachte {{ betrokkene_naam|aanhef(betrokkene_aanspreekvorm) }},")
    l.text(
        "Naar aanleiding van het onderzoek naar een vermoedelijke integriteitsschending (zaaknummer "
        "{{ zaaknummer }}) ben ik voornemens u de volgende disciplinaire maatregel op te leggen: "
        "{{ voorgenomen_maatregel|map('klein')|list|opsomming }}. In deze brief licht ik dit voornemen toe en "
        "informeer ik u over de mogelijkheid daarop te reageren."
    )
    l.heading("De feiten")
    l.text("Uit het onderzoek is het volgende gebleken:")
    l.tag("{%p for bevinding in bevindingen %}")
    l.p("{{ loop.index }}. {{ bevinding.bewering }}: {{ bevinding.uitkomst|tekst }}")
    l.tag("{%p endfor %}")
    l.blank()
    l.text(
        "Op grond van deze feiten ben ik van oordeel dat u zich schuldig heeft gemaakt aan plichtsverzuim. Bij de "
        "keuze van de maatregel heb ik rekening gehouden met de aard en de ernst van het plichtsverzuim en met "
        "alle omstandigheden van het geval."
    )
    l.heading("Uw zienswijze")
    l.text(
        "Voordat ik een besluit neem, stel ik u in de gelegenheid uw zienswijze op dit voornemen naar voren te "
        "brengen. U kunt dat schriftelijk of mondeling doen. Uw schriftelijke zienswijze moet uiterlijk op "
        "{{ zienswijze_termijn|nl_datum }} zijn ontvangen door het {{ organisatie.afdeling }}, per e-mail aan "
        "{{ organisatie.email }} of per post aan het hierboven vermelde adres, onder vermelding van zaaknummer "
        "{{ zaaknummer }}. Wilt u uw zienswijze mondeling naar voren brengen, neemt u dan vóór die datum contact op "
        "via telefoonnummer {{ organisatie.telefoon }} om een afspraak te maken."
    )
    l.heading("Recht op bijstand")
    l.text(
        "U kunt zich bij het naar voren brengen van uw zienswijze laten bijstaan door een raadsman of adviseur van "
        "uw keuze. De stukken die aan dit voornemen ten grondslag liggen, kunt u op afspraak inzien."
    )
    l.heading("Vervolg")
    l.text(
        "Dit voornemen is nog geen besluit. Nadat ik uw zienswijze heb ontvangen, of nadat de termijn daarvoor is "
        "verstreken, neem ik een besluit. Uw zienswijze betrek ik daarbij."
    )
    l.closing_authority()


def besluit_disciplinaire_maatregel(l: TemplateBuilder) -> None:
    l.letterhead()
    l.to_subject()
    l.meta_block("Besluit disciplinaire maatregel", datum="{{ besluit_datum|nl_datum }}")
    l.text("Geachte {{ betrokkene_naam|aanhef(betrokkene_aanspreekvorm) }},")
    l.text(
        "Eerder heb ik u mijn voornemen meegedeeld u naar aanleiding van het onderzoek naar een vermoedelijke "
        "integriteitsschending (zaaknummer {{ zaaknummer }}) een disciplinaire maatregel op te leggen. Met deze "
        "brief deel ik u mijn besluit mee."
    )
    l.heading("Uw zienswijze")
    l.tag("{%p if zienswijze_ontvangen %}")
    l.text(
        "U heeft van de gelegenheid gebruikgemaakt uw zienswijze op het voornemen naar voren te brengen. Ik heb "
        "uw zienswijze bij mijn besluit betrokken; in de motivering hieronder ga ik daarop in."
    )
    l.tag("{%p else %}")
    l.text("U heeft binnen de gestelde termijn geen zienswijze op het voornemen naar voren gebracht.")
    l.tag("{%p endif %}")
    l.heading("Besluit")
    l.text(
        "Ik heb besloten u wegens plichtsverzuim de volgende disciplinaire maatregel op te leggen: "
        "{{ afdoeningen|map('klein')|list|opsomming }}."
    )
    l.tag('{%p if beeindiging_dienstverband and rechtspositie == "arbeidsovereenkomst" %}')
    l.text(
        "Het plichtsverzuim is zo ernstig dat van mij als werkgever redelijkerwijs niet kan worden gevergd "
        "de arbeidsovereenkomst te laten voortduren. Dit levert een dringende reden op in de zin van artikel 7:678 "
        "van het Burgerlijk Wetboek. Ik zeg de arbeidsovereenkomst daarom op staande voet op; de "
        "arbeidsovereenkomst eindigt met ingang van {{ besluit_datum|nl_datum }}."
    )
    l.tag("{%p endif %}")
    l.heading("Motivering")
    l.text("{{ besluit_motivering }}")
    l.text("Een afschrift van dit besluit wordt in uw personeelsdossier opgenomen.")
    legal_route(l, with_dismissal=True)
    l.closing_authority()


def afsluiting_zonder_maatregel(l: TemplateBuilder) -> None:
    l.letterhead()
    l.to_subject()
    l.meta_block("Afsluiting van het onderzoek zonder maatregel",
                 datum="{% if besluit_datum is defined %}{{ besluit_datum|nl_datum }}{% else %}{{ datum|nl_datum }}{% endif %}")
    l.text("Geachte {{ betrokkene_naam|aanhef(betrokkene_aanspreekvorm) }},")
    l.text(
        "Eerder bent u ervan in kennis gesteld dat naar aanleiding van een melding een onderzoek werd ingesteld "
        "naar een vermoedelijke integriteitsschending (zaaknummer {{ zaaknummer }}). Het onderzoek is afgerond. "
        "Met deze brief informeer ik u over de afloop."
    )
    l.tag('{%p if uitkomst == "niet_aangetoond" %}')
    l.text(
        "Uit het onderzoek is niet gebleken dat u een integriteitsschending heeft begaan: het vermoeden is niet "
        "aangetoond. Ik sluit de zaak daarom af zonder u een maatregel op te leggen."
    )
    l.tag("{%p else %}")
    l.text(
        "Uit het onderzoek is gebleken dat het vermoeden {{ uitkomst|tekst }} is. Na afweging van alle "
        "omstandigheden heb ik besloten u geen disciplinaire maatregel op te leggen en de zaak af te sluiten."
    )
    l.tag("{%p endif %}")
    l.tag("{%p if besluit_motivering is defined %}")
    l.text("{{ besluit_motivering }}")
    l.tag("{%p endif %}")
    l.tag("{%p if toelichting_betrokkene is defined %}")
    l.text("{{ toelichting_betrokkene }}")
    l.tag("{%p endif %}")
    l.tag('{%p if ordemaatregel is defined and ordemaatregel != "geen" %}')
    l.text(
        "De ordemaatregel ({{ ordemaatregel|tekst }}) die tijdens het onderzoek is genomen, wordt met ingang van "
        "{{ datum|nl_datum }} opgeheven, voor zover deze nog van kracht is."
    )
    l.tag("{%p endif %}")
    l.text(
        "Het onderzoeksdossier wordt niet in uw personeelsdossier opgenomen. De gegevens worden niet langer "
        "bewaard dan noodzakelijk en daarna vernietigd."
    )
    l.text(
        "Ik realiseer mij dat een onderzoek ingrijpend kan zijn. Heeft u behoefte aan een gesprek of aan "
        "ondersteuning, dan kunt u contact opnemen met het {{ organisatie.afdeling }}, telefoon "
        "{{ organisatie.telefoon }}, of met een vertrouwenspersoon."
    )
    l.closing_authority()


def terugkoppeling_melder(l: TemplateBuilder) -> None:
    l.letterhead()
    l.to_reporter()
    l.meta_block("Terugkoppeling over de afhandeling van uw melding")
    l.salute_reporter()
    l.text(
        "Op {{ datum_melding|nl_datum }} heeft u een melding gedaan van een vermoedelijke integriteitsschending "
        "(zaaknummer {{ zaaknummer }}). In deze brief informeren wij u in algemene termen over de afhandeling van "
        "uw melding."
    )
    l.tag("{%p if uitkomst is defined %}")
    l.text("Naar aanleiding van uw melding is onderzoek gedaan.")
    l.tag('{%p if uitkomst == "aangetoond" %}')
    l.text("Het onderzoek heeft het vermoeden dat u heeft gemeld bevestigd.")
    l.tag('{%p elif uitkomst == "deels_aangetoond" %}')
    l.text("Het onderzoek heeft het vermoeden dat u heeft gemeld gedeeltelijk bevestigd.")
    l.tag('{%p elif uitkomst == "niet_aangetoond" %}')
    l.text("Uit het onderzoek is niet gebleken dat de door u gemelde integriteitsschending heeft plaatsgevonden.")
    l.tag("{%p else %}")
    l.p("{{ fout(\"onbekende uitkomst\") }}")
    l.tag("{%p endif %}")
    l.tag("{%p endif %}")
    l.text("{{ terugkoppeling_tekst }}")
    l.text(
        "De organisatie heeft de melding afgehandeld op de wijze die zij passend acht. Ter bescherming van de "
        "persoonlijke levenssfeer van de betrokkenen kunnen wij u geen informatie geven over de personen die bij "
        "het onderzoek betrokken waren of over eventuele maatregelen. Wij vragen daarvoor uw begrip."
    )
    l.text(
        "Wij danken u voor uw melding. Wie een vermoedelijke integriteitsschending meldt, draagt bij aan een "
        "integere organisatie. Ondervindt u nadelen als gevolg van uw melding, neemt u dan direct contact met ons "
        "op of met een vertrouwenspersoon integriteit. Met deze brief ronden wij de behandeling van uw melding af."
    )
    l.contact_reporter()
    l.closing_desk()


def gegrondheid_melder(l: TemplateBuilder) -> None:
    """The 12-week notice (Rijkspraktijk): whether the report is held to be well-founded, in general terms; or,
    while that is not known yet, an interim notice with the date by which the reporter hears it."""
    l.letterhead()
    l.to_reporter()
    l.meta_block('{% if melding_gegrond == "nog_niet_bekend" %}Tussenbericht: het oordeel over uw melding'
                 '{% else %}Oordeel over uw melding{% endif %}')
    l.salute_reporter()
    l.text(
        "Op {{ datum_melding|nl_datum }} heeft u een melding gedaan van een vermoedelijke integriteitsschending "
        "(zaaknummer {{ zaaknummer }}). Binnen twaalf weken na uw melding laten wij u weten of wij uw melding "
        "gegrond achten. In deze brief informeren wij u daarover in algemene termen."
    )
    l.heading("Ons oordeel")
    l.tag('{%p if melding_gegrond == "gegrond" %}')
    l.text("Wij achten uw melding gegrond: het vermoeden van een integriteitsschending dat u heeft gemeld, is "
           "bevestigd.")
    l.tag('{%p elif melding_gegrond == "deels_gegrond" %}')
    l.text("Wij achten uw melding gedeeltelijk gegrond: een deel van het vermoeden van een integriteitsschending "
           "dat u heeft gemeld, is bevestigd.")
    l.tag('{%p elif melding_gegrond == "ongegrond" %}')
    l.text("Wij achten uw melding niet gegrond: het vermoeden van een integriteitsschending dat u heeft gemeld, "
           "is niet bevestigd.")
    l.tag('{%p elif melding_gegrond == "nog_niet_bekend" %}')
    l.text("Wij kunnen u nog niet laten weten of wij uw melding gegrond achten: de behandeling van uw melding is "
           "nog niet zo ver gevorderd. Uiterlijk op {{ gegrondheid_vervolgdatum|nl_datum }} informeren wij u "
           "alsnog over ons oordeel.")
    l.tag("{%p else %}")
    l.p("{{ fout(\"onbekend oordeel over de gegrondheid\") }}")
    l.tag("{%p endif %}")
    l.text("{{ gegrondheid_tekst }}")
    l.text(
        "Ter bescherming van de persoonlijke levenssfeer van de betrokkenen kunnen wij u geen informatie geven "
        "over de personen die bij de behandeling van uw melding betrokken zijn of over eventuele maatregelen. "
        "Wij vragen daarvoor uw begrip."
    )
    l.text(
        "Wie te goeder trouw een melding doet, mag daardoor niet worden benadeeld. Ondervindt u nadelen als "
        "gevolg van uw melding, neemt u dan direct contact met ons op of met een vertrouwenspersoon integriteit."
    )
    l.contact_reporter()
    l.closing_desk()


def melding_politie_om(l: TemplateBuilder) -> None:
    l.letterhead()
    l.p("Vertrouwelijk")
    l.tag("{%p for regel in aangifte_instantie|regels %}")
    l.p("{{ regel }}")
    l.tag("{%p endfor %}")
    l.blank()
    l.meta_block("Melding van een vermoedelijk strafbaar feit door een ambtenaar (artikel 162 Wetboek van "
                 "Strafvordering)")
    l.text("Geachte heer, mevrouw,")
    l.text(
        "Op grond van artikel 162 van het Wetboek van Strafvordering zijn openbare colleges en ambtenaren "
        "verplicht onverwijld aangifte te doen van bepaalde misdrijven waarvan zij in de uitoefening van hun "
        "bediening kennis krijgen, waaronder misdrijven gepleegd door ambtenaren. Ter nakoming van deze "
        "verplichting meld ik u hierbij een vermoedelijk strafbaar feit."
    )
    l.heading("Betrokkene")
    l.text("{{ betrokkene_naam }}, werkzaam als {{ betrokkene_functie }} bij het dienstonderdeel "
           "{{ dienstonderdeel }}.")
    l.heading("Aard van het vermoedelijke feit")
    l.text("{{ categorie }}{% if subcategorie is defined %}, in het bijzonder {{ subcategorie }}{% endif %}.")
    l.heading("Samenvatting van de feiten")
    l.text("{{ aangifte_toelichting }}")
    l.heading("Intern onderzoek")
    l.text(
        "Wij hebben de zaak intern geregistreerd onder zaaknummer {{ zaaknummer }}. Om een strafrechtelijk "
        "onderzoek niet te doorkruisen, stemmen wij de voortgang van een eventueel intern onderzoek graag met u af."
    )
    l.heading("Vertrouwelijkheid")
    l.text(
        "De identiteit van de persoon die de zaak intern heeft gemeld, is in deze brief niet vermeld. Is deze "
        "voor het strafrechtelijk onderzoek nodig, dan verzoek ik u daarover contact met ons op te nemen. Wij "
        "informeren de melder daarover vooraf, zoals de wet voorschrijft."
    )
    l.heading("Contact")
    l.text(
        "Voor nadere informatie kunt u contact opnemen met het {{ organisatie.afdeling }}, telefoon "
        "{{ organisatie.telefoon }}, e-mail {{ organisatie.email }}."
    )
    l.closing_authority()


def kennisgeving_bekendmaking_identiteit(l: TemplateBuilder) -> None:
    """Prior written notice to the reporter that their identity is made known (DOMAIN §4).

    Names the receiving staff member by role only and never the subject; the reason is the
    one recorded with the approved request (the leak guard refuses it if it names the subject).
    """
    l.letterhead()
    l.to_reporter()
    l.meta_block("Kennisgeving: bekendmaking van uw identiteit")
    l.salute_reporter()
    l.text(
        "U heeft bij ons een melding gedaan van een vermoedelijke integriteitsschending (zaaknummer "
        "{{ zaaknummer }}). Uw identiteit, en gegevens waaruit uw identiteit kan worden afgeleid, zijn tot nu "
        "toe alleen bekend bij de medewerkers die bevoegd zijn uw melding te behandelen. Met deze brief "
        "informeren wij u dat uw identiteit aan nog een medewerker bekend wordt gemaakt. Wij doen dat vooraf, "
        "zoals de wet voorschrijft: wordt uw identiteit zonder uw uitdrukkelijke toestemming bekendgemaakt, dan "
        "informeren wij u daarover vooraf schriftelijk, met opgave van de redenen."
    )
    l.heading("Aan wie wordt uw identiteit bekendgemaakt?")
    l.text(
        "Uw identiteit wordt bekendgemaakt aan één medewerker die bij de behandeling van uw melding betrokken "
        "is, in de rol van {{ bekendmaking_rol }}. De bekendmaking geldt alleen voor deze medewerker. "
        "Voor alle anderen, onder wie de persoon op wie uw melding betrekking heeft, blijft uw identiteit "
        "vertrouwelijk. Ook deze medewerker is tot geheimhouding verplicht."
    )
    l.heading("Waarom?")
    l.text(
        "Het verzoek om uw identiteit bekend te maken is beoordeeld en goedgekeurd door de "
        "integriteitscoördinator. De reden is:"
    )
    l.text(("i", "{{ bekendmaking_reden }}"))
    l.heading("Wanneer?")
    l.text(
        "De medewerker krijgt uw identiteit te zien met ingang van {{ datum|nl_datum }}, niet eerder dan "
        "deze brief voor u is opgesteld."
    )
    l.heading("Wat kunt u doen?")
    l.text(
        "Heeft u vragen over deze bekendmaking, of heeft u bezwaren, bijvoorbeeld omdat u nadelen vreest, "
        "laat het ons dan zo snel mogelijk weten. Wij nemen uw reactie serieus en bespreken met u welke "
        "maatregelen ter bescherming nodig zijn. U kunt ook vertrouwelijk advies vragen aan een "
        "vertrouwenspersoon integriteit of aan het Huis voor Klokkenluiders."
    )
    l.text(
        "Wie te goeder trouw een melding doet, mag daardoor niet worden benadeeld. Ondervindt u nadelen als "
        "gevolg van uw melding of van deze bekendmaking, neemt u dan direct contact met ons op."
    )
    l.contact_reporter()
    l.closing("Met vriendelijke groet,", "de integriteitscoördinator", "{{ organisatie.naam }}")


BUILDERS: dict[str, Callable[[TemplateBuilder], None]] = {
    f.__name__: f
    for f in (
        ontvangstbevestiging, verzoek_aanvullende_informatie, besluit_geen_onderzoek, onderzoeksopdracht,
        kennisgeving_onderzoek, verslag_hoorgesprek, verslag_getuigenverhoor, besluit_ordemaatregel, sanctieadvies,
        voornemen_disciplinaire_maatregel, besluit_disciplinaire_maatregel, afsluiting_zonder_maatregel,
        terugkoppeling_melder, gegrondheid_melder, melding_politie_om, kennisgeving_bekendmaking_identiteit,
    )
}
assert set(BUILDERS) == set(LETTERS), "catalog and builders disagree"


def build(name: str, logo: Path | None = None) -> bytes:
    letter = TemplateBuilder(name, logo=logo)
    BUILDERS[name](letter)
    return letter.bytes()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Bouw de briefsjablonen (overschrijft bewerkingen in Word).")
    parser.add_argument("--only", action="append", help="alleen dit sjabloon (herhaalbaar)")
    parser.add_argument("--out", type=Path, default=TEMPLATES_DIR)
    parser.add_argument("--force", action="store_true", help="bestaande sjablonen overschrijven")
    parser.add_argument("--logo", type=Path, default=LOGO, help="logo (PNG) bovenaan de eerste pagina")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.only or list(BUILDERS):
        target = args.out / f"{name}.docx"
        if target.exists() and not args.force:
            print(f"overgeslagen (bestaat al; gebruik --force): {target}")
            continue
        target.write_bytes(build(name, args.logo))
        print(f"geschreven: {target}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
