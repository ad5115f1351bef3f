"""Render a Word template (docxtpl) with strict Jinja2 semantics and Dutch filters.

* A missing value is an error naming template and placeholder; it is never printed
  as an empty string. ``None`` and blank strings in the data count as missing.
* Values are XML-escaped (autoescape), so ``&`` or ``<`` in case data cannot break
  the document.
* Output is deterministic for the same template and data: the zip container is
  rewritten with fixed timestamps and a fixed member order.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import re
import threading
import zipfile
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Mapping, Union
from zoneinfo import ZoneInfo

import jinja2
from lxml import etree
from jinja2 import StrictUndefined, Undefined, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.exceptions import TemplateError, UndefinedError

from documents.errors import LetterRenderError
from engine.parse_errors import template_error, template_problem

# The shipped letters live in the process set (processes/letters/): they are deployed, hashed and pinned with
# the process version (issue 19). This folder is where tools and process versions without letters read them.
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "processes" / "letters"
LOCAL_TZ = ZoneInfo("Europe/Amsterdam")

MONTHS = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)

# Codes from the case-data vocabulary and how a letter writes them.
LABELS: dict[str, str] = {
    # route
    "geen_onderzoek": "geen onderzoek",
    "doorverwijzing": "doorverwijzing",
    "vooronderzoek": "vooronderzoek",
    "feitenonderzoek": "feitenonderzoek",
    "overdracht": "overdracht aan een andere instantie",
    # onderzoek_soort
    "intern": "intern onderzoek",
    "extern": "extern onderzoek",
    # uitkomst
    "aangetoond": "aangetoond",
    "deels_aangetoond": "deels aangetoond",
    "niet_aangetoond": "niet aangetoond",
    # ordemaatregel
    "schorsing": "schorsing",
    "toegangsverbod": "ontzegging van de toegang tot de werkplek",
    "geen": "geen",
    # rechtspositie
    "arbeidsovereenkomst": "arbeidsovereenkomst",
    "publiekrechtelijk": "publiekrechtelijke aanstelling",
    # doorverwijzing_naar (known destinations; free text is printed as given)
    "klachtencommissie": "de Klachtencommissie ongewenste omgangsvormen",
    "vertrouwenspersoon": "de vertrouwenspersoon integriteit",
    "agressiepunt": "het Centraal Meldpunt Agressie",
    "huis_voor_klokkenluiders": "het Huis voor Klokkenluiders",
    "commissie": "de Commissie sociale veiligheid en integriteit",
}


# --------------------------------------------------------------------------- missing values

class MissingValue(UndefinedError):
    """A placeholder without data. ``placeholder`` is its dotted path."""

    def __init__(self, placeholder: str):
        super().__init__(f"gegeven '{placeholder}' ontbreekt")
        self.placeholder = placeholder


class _Data(dict):
    """A dict that remembers its dotted path, so a missing key can be named in full."""

    def __init__(self, items: Mapping[str, Any], path: str):
        super().__init__(items)
        self._path = path


class _List(list):
    def __init__(self, items: Iterable[Any], path: str):
        super().__init__(items)
        self._path = path


class NamedStrictUndefined(StrictUndefined):
    """StrictUndefined whose error names the full dotted placeholder."""

    __slots__ = ()

    def _placeholder(self) -> str:
        name = self._undefined_name or "?"
        parent = getattr(self._undefined_obj, "_path", None)
        if parent:
            return f"{parent}.{name}"
        return str(name)

    def _fail_with_undefined_error(self, *args, **kwargs):  # type: ignore[override]
        if self._undefined_exception is not UndefinedError:  # e.g. the sandbox's SecurityError
            raise self._undefined_exception(self._undefined_message)
        raise MissingValue(self._placeholder())

    # StrictUndefined binds these at class creation; rebind them to our method.
    __iter__ = __str__ = __len__ = __eq__ = __ne__ = __bool__ = __hash__ = __contains__ = (
        _fail_with_undefined_error
    )
    __getitem__ = __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __call__ = (
        _fail_with_undefined_error
    )
    __lt__ = __le__ = __gt__ = __ge__ = __int__ = __float__ = __complex__ = __pow__ = (
        _fail_with_undefined_error
    )
    # __getattr__ is inherited: it raises AttributeError for dunders and otherwise calls
    # self._fail_with_undefined_error, i.e. the method above.


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def prepare(value: Any, path: str = "") -> Any:
    """Drop missing values (None, blank strings) so they are undefined, and tag paths."""
    if isinstance(value, Mapping):
        return _Data(
            {k: prepare(v, f"{path}.{k}" if path else str(k)) for k, v in value.items() if not _blank(v)},
            path,
        )
    if isinstance(value, (list, tuple)):
        return _List((prepare(v, f"{path}[]") for v in value if not _blank(v)), path)
    return value


def _require(value: Any) -> Any:
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    return value


# --------------------------------------------------------------------------- filters

def to_date(value: Any) -> date:
    value = _require(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(LOCAL_TZ)
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                return date.fromisoformat(text)
            return to_date(datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError:
            pass
    raise ValueError(f"geen geldige datum ({_kind(value)}; verwacht JJJJ-MM-DD)")


def _kind(value: Any) -> str:
    """What a value is, in Dutch, without the value itself (it is case data)."""
    if isinstance(value, bool):
        return "waar of onwaar"
    if isinstance(value, (int, float)):
        return "een getal"
    if isinstance(value, str):
        return "een tekst"
    if isinstance(value, Mapping):
        return "een object"
    if isinstance(value, Iterable):
        return "een lijst"
    return "een onbekend soort waarde"


def to_datetime(value: Any) -> datetime:
    value = _require(value)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError("geen geldige datum en tijd") from None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(LOCAL_TZ)
        return value
    raise ValueError("geen geldige datum en tijd")


def nl_datum(value: Any) -> str:
    """``2026-12-16`` → ``16 december 2026``."""
    d = to_date(value)
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def nl_datumtijd(value: Any) -> str:
    """``2026-12-16T09:30:00+00:00`` → ``16 december 2026 om 10.30 uur`` (Dutch local time).

    A value without a time (a date, or an ISO date string) prints the date only.
    """
    value = _require(value)
    if (isinstance(value, date) and not isinstance(value, datetime)) or (
        isinstance(value, str) and len(value.strip()) == 10
    ):
        return nl_datum(value)
    dt = to_datetime(value)
    return f"{dt.day} {MONTHS[dt.month - 1]} {dt.year} om {dt.hour}.{dt.minute:02d} uur"


def regels(value: Any) -> list[str]:
    """Lines of an address or list: a list as given, a string split on newlines."""
    value = _require(value)
    if isinstance(value, str):
        return [line.strip() for line in value.splitlines() if line.strip()]
    return [str(_require(v)) for v in value]


def opsomming(value: Any) -> str:
    """``["a", "b", "c"]`` → ``a, b en c``."""
    items = [str(_require(v)) for v in _require(value)] if not isinstance(value, str) else [value]
    if not items:
        raise ValueError("lege opsomming")
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " en " + items[-1]


def tekst(value: Any) -> str:
    """A vocabulary code as Dutch text (``deels_aangetoond`` → ``deels aangetoond``)."""
    value = _require(value)
    return LABELS.get(str(value), str(value))


def klein(value: Any) -> str:
    """First letter lower case (labels used mid-sentence)."""
    text = str(_require(value))
    return text[:1].lower() + text[1:]


# Forms of address a form records (``melder_aanspreekvorm``, ``betrokkene_aanspreekvorm``).
FORMS_OF_ADDRESS = {"mevrouw": "mevrouw", "heer": "heer"}
UNKNOWN_FORM_OF_ADDRESS = "heer/mevrouw"
_PREFIXES = frozenset({"van", "de", "der", "den", "ter", "ten", "te", "het", "'t", "in", "op", "la", "le", "du",
                       "von", "d'", "l'", "uit", "onder", "aan"})


def surname(name: str) -> str:
    """The surname of a full name as a salutation writes it: ``Anna Verbeek`` → ``Verbeek``, ``Pieter de Graaf``
    → ``De Graaf`` (without a first name before it, a prefix takes a capital)."""
    words = str(name).split()
    if len(words) <= 1:
        rest = words
    else:
        start = next((i for i in range(1, len(words)) if words[i].lower() in _PREFIXES), len(words) - 1)
        rest = words[start:]
    text = " ".join(rest)
    return text[:1].upper() + text[1:]


def aanhef(name: Any, form: Any = None) -> str:
    """``Geachte {{ melder_naam|aanhef(melder_aanspreekvorm) }},`` → ``Geachte mevrouw Verbeek,``; an unknown or
    unrecorded form of address gives ``heer/mevrouw`` (a case recorded before the field existed renders too)."""
    name = _require(name)
    code = None if isinstance(form, Undefined) or form is None else str(form)
    return f"{FORMS_OF_ADDRESS.get(code or '', UNKNOWN_FORM_OF_ADDRESS)} {surname(name)}"


FILTERS = {
    "aanhef": aanhef,
    "nl_datum": nl_datum,
    "nl_datumtijd": nl_datumtijd,
    "regels": regels,
    "opsomming": opsomming,
    "tekst": tekst,
    "klein": klein,
}


def fout(message: str) -> str:
    """Template guard: ``{{ fout("...") }}`` in a branch that must never be reached."""
    raise ValueError(str(message))


GLOBALS = {"fout": fout}


def make_env() -> jinja2.Environment:
    """Strict, autoescaping and sandboxed: templates come from process owners, not programmers."""
    env = ImmutableSandboxedEnvironment(undefined=NamedStrictUndefined, autoescape=True, keep_trailing_newline=True)
    _configure(env)
    return env


def _configure(env: jinja2.Environment) -> None:
    env.filters.update(FILTERS)
    env.globals.update(GLOBALS)


class _CompiledCacheEnvironment(ImmutableSandboxedEnvironment):
    """The rendering environment, with compiled templates kept by their source text.

    docxtpl compiles every XML part of a template (body, headers, footers, properties)
    with ``from_string`` on every render; compiling was a quarter of a letter's render
    time (bench/findings.md). The key is the whole source, so an edited template file
    is a new entry; the least recently used entries go beyond ``max_entries``.
    Compiled templates are immutable and safe to render from several threads."""

    def __init__(self, *args, max_entries: int = 256, **kwargs):
        super().__init__(*args, **kwargs)
        self._compiled: OrderedDict[str, jinja2.Template] = OrderedDict()
        self._compiled_lock = threading.Lock()
        self._max_entries = max_entries

    def from_string(self, source, globals=None, template_class=None):  # noqa: A002 - Jinja's signature
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        with self._compiled_lock:
            template = self._compiled.get(source)
            if template is not None:
                self._compiled.move_to_end(source)
                return template
        template = super().from_string(source)
        with self._compiled_lock:
            self._compiled[source] = template
            while len(self._compiled) > self._max_entries:
                self._compiled.popitem(last=False)
        return template


_render_env: _CompiledCacheEnvironment | None = None
_render_env_lock = threading.Lock()


def render_env() -> jinja2.Environment:
    """The shared rendering environment (same settings as :func:`make_env`, compiled-template cache)."""
    global _render_env
    if _render_env is None:
        with _render_env_lock:
            if _render_env is None:
                env = _CompiledCacheEnvironment(undefined=NamedStrictUndefined, autoescape=True,
                                                keep_trailing_newline=True)
                _configure(env)
                _render_env = env
    return _render_env


# --------------------------------------------------------------------------- templates

def default_templates_dir() -> Path:
    """``MELDPUNT_TEMPLATES_DIR`` (engine settings) or the templates shipped in this package."""
    try:
        from engine.config import get_settings

        return Path(get_settings().templates_dir)
    except Exception:  # settings unavailable (e.g. a broken environment): use the package's own
        return TEMPLATES_DIR


# Where a letter's template comes from: a folder of ``NAME.docx`` files, or the templates of a process version
# (name → bytes, deployed and pinned with it). ``None``: the default folder.
Templates = Union[Path, Mapping[str, bytes], None]


def template_path(name: str, templates_dir: Path | None = None) -> Path:
    if not re.fullmatch(r"[a-z0-9_]+", name or ""):
        raise LetterRenderError(f"Ongeldige sjabloonnaam '{name}'", template=name)
    return (templates_dir or default_templates_dir()) / f"{name}.docx"


def template_bytes(name: str, templates: Path | Mapping[str, bytes] | None = None) -> bytes | None:
    """The template ``name`` from a folder or a process version's templates; ``None`` when it does not exist."""
    if isinstance(templates, Mapping):
        if not re.fullmatch(r"[a-z0-9_]+", name or ""):
            raise LetterRenderError(f"Ongeldige sjabloonnaam '{name}'", template=name)
        return templates.get(name)
    path = template_path(name, templates)
    return path.read_bytes() if path.is_file() else None


def template_sha256(path: Path | bytes) -> str:
    return hashlib.sha256(path if isinstance(path, bytes) else path.read_bytes()).hexdigest()


_SOURCE_CACHE: OrderedDict[str, str] = OrderedDict()
_SOURCE_CACHE_LOCK = threading.Lock()


def template_source(path: Path | bytes) -> str:
    """The Jinja source docxtpl renders (body, headers and footers), for analysis. Cached by the template's
    sha256 (deployment reads every template of a process set; templates are immutable bytes)."""
    raw = path if isinstance(path, bytes) else path.read_bytes()
    key = hashlib.sha256(raw).hexdigest()
    with _SOURCE_CACHE_LOCK:
        if key in _SOURCE_CACHE:
            _SOURCE_CACHE.move_to_end(key)
            return _SOURCE_CACHE[key]
    source = _template_source(raw)
    with _SOURCE_CACHE_LOCK:
        _SOURCE_CACHE[key] = source
        while len(_SOURCE_CACHE) > 128:
            _SOURCE_CACHE.popitem(last=False)
    return source


def _template_source(raw: bytes) -> str:
    from docx import Document
    from docx.oxml import parse_xml
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(io.BytesIO(raw))
    doc = Document(io.BytesIO(raw))
    xml = tpl.patch_xml(tpl.xml_to_string(doc._element.body))
    for _key, rel in sorted(doc.part.rels.items()):
        if rel.reltype in (tpl.HEADER_URI, tpl.FOOTER_URI) and rel.target_part.blob:
            xml += tpl.patch_xml(tpl.xml_to_string(parse_xml(rel.target_part.blob)))
    return xml


def placeholders(source: str, env: jinja2.Environment | None = None) -> set[str]:
    """Dotted data paths a template refers to (``organisatie.naam``, ``bevindingen[].uitkomst``).

    Loop variables are resolved to their iterable (``b.uitkomst`` in ``for b in bevindingen``
    becomes ``bevindingen[].uitkomst``). Names bound by ``set`` or macros are ignored.
    """
    env = env or make_env()
    ast = env.parse(source)
    found: set[str] = set()

    def path_of(node: nodes.Node, scope: dict[str, str | None]) -> str | None:
        if isinstance(node, nodes.Name):
            if node.name in scope:
                return scope[node.name]
            if node.name == "loop" or node.name in GLOBALS:
                return None
            return node.name
        if isinstance(node, nodes.Getattr):
            base = path_of(node.node, scope)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            base = path_of(node.node, scope)
            return f"{base}.{node.arg.value}" if base else None
        return None

    def names(target: nodes.Node) -> list[str]:
        if isinstance(target, nodes.Name):
            return [target.name]
        return [n.name for n in target.find_all(nodes.Name)]

    def visit(node: nodes.Node, scope: dict[str, str | None]) -> None:
        if isinstance(node, nodes.For):
            visit(node.iter, scope)
            iter_path = path_of(node.iter, scope)
            if isinstance(node.iter, nodes.Filter):  # for x in y|regels
                iter_path = path_of(node.iter.node, scope)
            inner = dict(scope)
            for target in names(node.target):
                inner[target] = f"{iter_path}[]" if iter_path else None
            for child in node.body + node.else_:
                visit(child, inner)
            if node.test is not None:
                visit(node.test, inner)
            return
        if isinstance(node, nodes.Assign):
            visit(node.node, scope)
            for target in names(node.target):
                scope[target] = None
            return
        if isinstance(node, (nodes.Getattr, nodes.Getitem, nodes.Name)):
            p = path_of(node, scope)
            if p is not None:
                found.add(p)
                return
        for child in node.iter_child_nodes():
            visit(child, scope)

    visit(ast, {})
    # Keep the most specific paths only: 'organisatie' is implied by 'organisatie.naam'.
    return {p for p in found if not any(q.startswith(p + ".") or q.startswith(p + "[]") for q in found)}


# Filters that keep what a value says when it is shown (a list of penalties stays the list, spelled otherwise);
# ``length``, ``first``, ``default`` and the like show something else or only part of it.
SHOWING_FILTERS = frozenset({"map", "list", "join", "opsomming", "klein", "tekst", "regels", "e", "escape", "string",
                             "trim", "upper", "lower", "capitalize", "title", "sort", "unique"})


def shown_names(source: str, env: jinja2.Environment | None = None) -> set[str]:
    """Top-level data names a template always shows: named in a ``{{ … }}`` on the letter's own level (or in a
    ``{% for %}`` over that name, which shows its items), itself or through filters that keep its content
    (``SHOWING_FILTERS``; ``map`` with one of them). A name only inside ``{% if %}``, a ``for`` over something
    else or its ``else``, a macro, a ``call`` or ``filter`` block, a ``set``, or in a test is not shown: the letter
    can go out without it. Used by the proof that the voornemen letter shows the intended penalty
    (``engine.processes.legal_rules.intention_letter_issues``)."""
    env = env or make_env()
    found: set[str] = set()

    def shows(node: nodes.Node, scope: dict[str, str], looped: bool) -> str | None:
        while isinstance(node, nodes.Filter):
            if node.name not in SHOWING_FILTERS or node.kwargs or node.dyn_args or node.dyn_kwargs:
                return None
            if node.name == "map" and not (len(node.args) == 1 and isinstance(node.args[0], nodes.Const)
                                           and node.args[0].value in SHOWING_FILTERS):
                return None
            node = node.node
        if isinstance(node, nodes.Name):
            if node.name in scope:
                return scope[node.name]
            # inside a loop only its items are always shown (a loop over an empty list shows nothing)
            return None if looped or node.name in GLOBALS or node.name == "loop" else node.name
        return None

    def visit(body: list[nodes.Node], scope: dict[str, str], looped: bool = False) -> None:
        for node in body:
            if isinstance(node, nodes.Output):
                for expression in node.nodes:
                    name = shows(expression, scope, looped)
                    if name:
                        found.add(name)
            elif isinstance(node, nodes.For):
                name = shows(node.iter, scope, looped)
                if name and isinstance(node.target, nodes.Name) and node.test is None:
                    visit(node.body, {**scope, node.target.name: name}, True)
            elif isinstance(node, nodes.Scope):
                visit(node.body, scope, looped)
            elif isinstance(node, nodes.Assign):  # a name bound by set no longer names the case's value
                targets = [node.target, *node.target.find_all(nodes.Name)]
                scope = {**scope, **{n.name: "" for n in targets if isinstance(n, nodes.Name)}}

    visit(env.parse(source).body, {})
    return found


def resolve(data: Mapping[str, Any], dotted: str) -> bool:
    """Whether the dotted path exists (non-blank) in ``data``; ``x[]`` means every item."""
    values: list[Any] = [data]
    for part in dotted.split("."):
        many = part.endswith("[]")
        key = part[:-2] if many else part
        nxt: list[Any] = []
        for v in values:
            if not isinstance(v, Mapping) or key not in v or _blank(v[key]):
                return False
            item = v[key]
            if many:
                if isinstance(item, str) or not isinstance(item, (list, tuple)):
                    # a string used with |regels counts as present
                    if isinstance(item, str):
                        nxt.append(item)
                        continue
                    return False
                nxt.extend(item)
            else:
                nxt.append(item)
        values = nxt
    return True


# --------------------------------------------------------------------------- rendering

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _fixed_member(filename: str) -> zipfile.ZipInfo:
    member = zipfile.ZipInfo(filename, date_time=FIXED_ZIP_TIME)
    member.compress_type = zipfile.ZIP_DEFLATED
    member.external_attr = 0o600 << 16
    return member


def normalise_docx(raw: bytes) -> bytes:
    """Rewrite the zip with fixed timestamps so identical content gives identical bytes."""
    src = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(_fixed_member(info.filename), src.read(info.filename))
    return out.getvalue()


# Deflated members by content (issue 25). Every part of a letter but the rendered body, headers and footers is
# the same for every letter of a template (styles, settings, fonts, the logo, relationships, the neutral document
# properties), and deflating it again was a third of writing the letter. Keyed by the member's bytes, so a hit is
# exactly what zipfile would have written; the rendered parts are not kept (each is new).
_DEFLATED: OrderedDict[bytes, tuple[int, bytes]] = OrderedDict()
_DEFLATED_LOCK = threading.Lock()
_DEFLATED_MAX = 512


def _deflated(blob: bytes) -> tuple[int, bytes]:
    """(crc32, raw deflate stream) of ``blob``, as zipfile writes a ZIP_DEFLATED member at the default level."""
    with _DEFLATED_LOCK:
        hit = _DEFLATED.get(blob)
        if hit is not None:
            _DEFLATED.move_to_end(blob)
            return hit
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    hit = (zlib.crc32(blob), compressor.compress(blob) + compressor.flush())
    with _DEFLATED_LOCK:
        _DEFLATED[blob] = hit
        while len(_DEFLATED) > _DEFLATED_MAX:
            _DEFLATED.popitem(last=False)
    return hit


def _write_deflated(zipf: zipfile.ZipFile, member: zipfile.ZipInfo, blob: bytes) -> bool:
    """Write ``blob`` as ``member`` from the cache of deflated members: the local header and the stored deflate
    stream, as ``ZipFile.writestr`` would have left them for a seekable file (same bytes; a test holds them
    equal). False (nothing written) when zipfile's writer is not as expected: the caller writes it normally."""
    fp = getattr(zipf, "fp", None)
    if fp is None or getattr(zipf, "_writing", True) or not getattr(zipf, "_seekable", False) or \
            not hasattr(zipf, "start_dir") or len(blob) * 1.05 > zipfile.ZIP64_LIMIT:
        return False
    crc, data = _deflated(blob)
    member.file_size, member.compress_size, member.CRC, member.flag_bits = len(blob), len(data), crc, 0
    fp.seek(zipf.start_dir)
    member.header_offset = fp.tell()
    fp.write(member.FileHeader(False))
    fp.write(data)
    zipf.start_dir = fp.tell()
    zipf._didModify = True
    zipf.filelist.append(member)
    zipf.NameToInfo[member.filename] = member
    return True


class _FixedTimeZipWriter:
    """python-docx's physical package writer, writing members as :func:`normalise_docx` would; the parts that
    are the same in every letter of a template come deflated from :func:`_deflated`."""

    def __init__(self, pkg_file, rendered: frozenset[str] = frozenset()) -> None:
        self._zipf = zipfile.ZipFile(pkg_file, "w", compression=zipfile.ZIP_DEFLATED)
        self._rendered = rendered  # member names of the parts docxtpl rendered: never kept in the cache
        self.text_parts: dict[str, bytes] = {}  # the body, header and footer parts as written

    def write(self, pack_uri, blob: bytes) -> None:
        member = _fixed_member(pack_uri.membername)
        text = _TEXT_PARTS.fullmatch(member.filename)
        if text:
            self.text_parts[member.filename] = blob
        if text or member.filename in self._rendered or not _write_deflated(self._zipf, member, blob):
            self._zipf.writestr(member, blob)

    def close(self) -> None:
        self._zipf.close()


# The content types of the parts docxtpl renders (main document, headers, footers, footnotes), whatever their names.
_RENDERED_TYPES = frozenset(f"application/vnd.openxmlformats-officedocument.wordprocessingml.{kind}+xml" for kind in
                            ("document.main", "template.main", "document.macroEnabled.main",
                             "template.macroEnabledTemplate.main", "header", "footer", "footnotes"))


def _save_normalised(tpl) -> bytes:
    """The rendered document as normalised .docx bytes (see :func:`_save_with_text`)."""
    return _save_with_text(tpl)[0]


def _save_with_text(tpl) -> tuple[bytes, str]:
    """The rendered document as normalised .docx bytes, and its :func:`docx_text` (read from the body, header
    and footer parts as they were written into the zip, instead of unzipping them again).

    Same bytes as ``normalise_docx(<tpl.save() output>)`` (a test holds them equal), but
    written once with fixed timestamps instead of zipped, unzipped and zipped again: that
    round trip recompressed the ~0.8 MB of XML of every letter twice. Falls back to save +
    normalise when docxtpl has media/zip-name replacements pending (its save rewrites the
    file then) or python-docx's writer internals are not as expected."""
    from docx.opc.pkgwriter import PackageWriter

    pending = getattr(tpl, "crc_to_new_media", None) or getattr(tpl, "crc_to_new_embedded", None) or \
        getattr(tpl, "zipname_to_replace", None) or getattr(tpl, "pics_to_replace", None)
    steps = [getattr(PackageWriter, n, None) for n in
             ("_write_content_types_stream", "_write_pkg_rels", "_write_parts")]
    if pending or None in steps or tpl.docx is None:
        buf = io.BytesIO()
        tpl.save(buf)
        content = normalise_docx(buf.getvalue())
        return content, docx_text(content)
    package = tpl.docx.part.package
    parts = list(package.parts)
    for part in parts:
        part.before_marshal()
    out = io.BytesIO()
    rendered = frozenset(part.partname.membername for part in parts if part.content_type in _RENDERED_TYPES)
    writer = _FixedTimeZipWriter(out, rendered)
    write_content_types, write_pkg_rels, write_parts = steps
    write_content_types(writer, parts)
    write_pkg_rels(writer, package.rels)
    write_parts(writer, parts)
    writer.close()
    return out.getvalue(), _parts_text(writer.text_parts)


def _sanitise(tpl, name: str) -> None:
    """Refuse a letter carrying Word's internals (tracked changes, comments, hidden text, fields that are not
    placeholders, custom XML) and strip the template's metadata from it (documents/sanitize.py)."""
    from documents.sanitize import internals, strip_metadata

    package = tpl.docx.part.package
    found = internals(package)
    if found:
        raise LetterRenderError(f"Sjabloon '{name}' bevat {'; '.join(found)}", template=name)
    strip_metadata(package)


# The opened template packages, per template sha256 (issue 25). Opening a .docx (unzip, parse every XML part into
# python-docx's object graph) and docxtpl's regex patching of its XML were half a letter's CPU; both depend on the
# template's bytes only. A render gets a deep copy of the pristine package (docxtpl mutates the one it renders),
# and the patched XML comes from a cache keyed by the unpatched text. Same bytes as an uncached render (a test
# holds them equal). Templates are immutable bytes (a process version pins them), so the hash is the whole key.
_PACKAGE_CACHE: OrderedDict[str, Any] = OrderedDict()
_PACKAGE_CACHE_LOCK = threading.Lock()


def _memo(cache: OrderedDict, key, build, limit: int):
    """``cache[key]`` (the most recently used kept longest), else ``build()`` stored there, the oldest entries dropped
    past ``limit``. Shared by the request threads: the lock guards the cache, never the build (two threads may build
    the same value; both are equal, the last one stays)."""
    with _PACKAGE_CACHE_LOCK:
        value = cache.get(key)
        if value is not None:
            cache.move_to_end(key)
            return value
    value = build()
    with _PACKAGE_CACHE_LOCK:
        cache[key] = value
        while len(cache) > limit:
            cache.popitem(last=False)
    return value
_PACKAGE_CACHE_MAX = 64
_PATCHED: OrderedDict[str, str] = OrderedDict()
_PATCHED_MAX = 512
_PART_XML: OrderedDict[bytes, str] = OrderedDict()  # a template's header/footer part bytes -> docxtpl's XML text


@dataclass(frozen=True)
class _TemplateFacts:
    """What a template's bytes show once, for every render of them."""

    plain_properties: bool  # a core properties part whose rendered strings hold no placeholder
    has_footnotes: bool

    @classmethod
    def of(cls, document) -> "_TemplateFacts":
        from docx.opc.constants import RELATIONSHIP_TYPE as RT

        package = document.part.package
        has_core = any(rel.reltype == RT.CORE_PROPERTIES for rel in package.rels.values())
        plain = has_core and all("{" not in (getattr(document.core_properties, p) or "")
                                 for p in _RENDERED_PROPERTIES)
        footnotes = any(part.content_type == _FOOTNOTES_TYPE for part in package.iter_parts())
        return cls(plain, footnotes)


# The core properties docxtpl's render_properties renders, and the footnotes part it renders.
_RENDERED_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
_FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"


def _template_class():
    from docxtpl import DocxTemplate

    global _CachedTemplate
    if _CachedTemplate is None:
        class CachedTemplate(DocxTemplate):
            def patch_xml(self, src_xml: str) -> str:
                return _memo(_PATCHED, src_xml, lambda: super(CachedTemplate, self).patch_xml(src_xml), _PATCHED_MAX)

            # What the facts of the template bytes (``_TemplateFacts``, set by ``_opened_template``) show to be
            # no-ops is skipped; each gives the bytes docxtpl's own step would give (a test holds them equal).
            _facts: "_TemplateFacts | None" = None

            def render_properties(self, context, jinja_env=None) -> None:
                # the template's document properties without a placeholder render as themselves, and
                # documents.sanitize replaces the core properties part with neutral ones afterwards
                if self._facts is None or not self._facts.plain_properties:
                    super().render_properties(context, jinja_env)

            def render_footnotes(self, context, jinja_env=None) -> None:
                if self._facts is None or self._facts.has_footnotes:
                    super().render_footnotes(context, jinja_env)

            def get_part_xml(self, part) -> str:
                return _memo(_PART_XML, part.blob, lambda: super(CachedTemplate, self).get_part_xml(part),
                             _PATCHED_MAX)

            def resolve_listing(self, xml: str) -> str:
                # docxtpl turns tabs, \a, newlines and form feeds in rendered text into runs and breaks; an XML
                # without any of them comes back unchanged
                if "\n" in xml or "\t" in xml or "\a" in xml or "\f" in xml:
                    return super().resolve_listing(xml)
                return xml

        _CachedTemplate = CachedTemplate
    return _CachedTemplate


_CachedTemplate = None


def _opened_template(path: Path | bytes):
    """A docxtpl template ready to render: a copy of the cached opened package of these template bytes."""
    import copy

    from docx import Document

    raw = path if isinstance(path, bytes) else path.read_bytes()
    def opened():
        pristine = Document(io.BytesIO(raw))
        return pristine, _TemplateFacts.of(pristine)

    pristine, facts = _memo(_PACKAGE_CACHE, hashlib.sha256(raw).hexdigest(), opened, _PACKAGE_CACHE_MAX)
    tpl = _template_class()(io.BytesIO(raw))
    tpl._facts = facts
    with _PACKAGE_CACHE_LOCK:  # a deep copy reads the whole graph: never while another thread copies it
        tpl.docx = copy.deepcopy(pristine)
    return tpl


def render_docx(path: Path | bytes, context: Mapping[str, Any], *, name: str | None = None) -> bytes:
    """Render the template at ``path`` (or the template's bytes) with ``context``; returns .docx bytes.

    Raises :class:`LetterRenderError` naming the template (and the placeholder when
    data is missing). The error message never contains case data.
    """
    return render_docx_and_text(path, context, name=name)[0]


def render_docx_and_text(path: Path | bytes, context: Mapping[str, Any], *,
                         name: str | None = None) -> tuple[bytes, str]:
    """:func:`render_docx`, and the letter's :func:`docx_text` read from the parts as they were written (the
    same text as ``docx_text(content)``, for the leak check, without unzipping the letter again)."""
    name = name or (path.stem if isinstance(path, Path) else "?")
    if isinstance(path, Path) and not path.is_file():
        raise LetterRenderError(f"Sjabloon '{name}' bestaat niet", template=name)
    tpl = _opened_template(path)
    with _render_errors(name):
        tpl.render(prepare(dict(context)), render_env(), autoescape=True)
        _sanitise(tpl, name)
        return _save_with_text(tpl)


@contextlib.contextmanager
def _render_errors(name: str):
    """A failure while rendering as :class:`LetterRenderError` (never case data in its message)."""
    try:
        yield
    except MissingValue as exc:
        raise LetterRenderError(
            f"Sjabloon '{name}': gegeven '{exc.placeholder}' ontbreekt",
            template=name, placeholder=exc.placeholder,
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise LetterRenderError(
            f"Sjabloon '{name}': syntaxfout in een placeholder: {template_problem(exc).reason}", template=name,
        ) from None
    except TemplateError as exc:
        raise LetterRenderError(f"Sjabloon '{name}': {template_error(exc).reason}", template=name) from None
    except ValueError as exc:
        # Our filters raise ValueError with a Dutch message that carries no case data.
        raise LetterRenderError(f"Sjabloon '{name}': {exc}", template=name) from None
    except (TypeError, ArithmeticError, LookupError, AttributeError):
        # A calculation, index or filter in a placeholder that this case's data does not fit (a text where a
        # number was meant, a division by zero, a missing list item): the deployment check renders with sample
        # data, a case's own data can still differ. Python's message may quote the value: not passed on.
        raise LetterRenderError(f"Sjabloon '{name}': een berekening of filter in een placeholder past niet bij de "
                                f"gegevens", template=name) from None


_TEXT_SOURCES: OrderedDict[str, list[str]] = OrderedDict()


def _text_sources(raw: bytes) -> list[str]:
    """The patched Jinja XML of the body and of every header and footer part (the parts :func:`docx_text`
    reads), cached per template sha256."""
    def build() -> list[str]:
        tpl = _opened_template(raw)
        parts = {str(part.partname).lstrip("/"): part for part in tpl.docx.part.package.parts}
        names = sorted((n for n in parts if _TEXT_PARTS.fullmatch(n)), key=lambda n: (n != "word/document.xml", n))
        return [tpl.patch_xml(tpl.get_part_xml(parts[n])) for n in names]

    return _memo(_TEXT_SOURCES, hashlib.sha256(raw).hexdigest(), build, _PACKAGE_CACHE_MAX)


def render_text(path: Path | bytes, context: Mapping[str, Any], *, name: str | None = None) -> str:
    """The visible text the letter would have, without producing the document (issue 25): every placeholder
    filled by the same strict, sandboxed Jinja rendering as :func:`render_docx` (so a missing value or a bad
    filter argument fails here just as there), the text read as :func:`docx_text` reads it. For the checks
    inside a step's transaction (placeholders, the leak guard); the .docx is made after commit."""
    name = name or (path.stem if isinstance(path, Path) else "?")
    if isinstance(path, Path) and not path.is_file():
        raise LetterRenderError(f"Sjabloon '{name}' bestaat niet", template=name)
    raw = path if isinstance(path, bytes) else path.read_bytes()
    lines: list[str] = []
    data = prepare(dict(context))
    with _render_errors(name):
        for compiled in _text_templates(raw):
            xml = _PARAGRAPH_MARKED.sub(r"<w:p\1", compiled.render(data))
            lines += _paragraph_lines(etree.fromstring(xml.encode("utf-8"), _SAFE_XML))
    return "\n".join(lines)


_PARAGRAPH = re.compile(r"<w:p([ >])")
_PARAGRAPH_MARKED = re.compile(r"\n<w:p([ >])")
_TEXT_TEMPLATES: OrderedDict[str, list] = OrderedDict()


def _text_templates(raw: bytes) -> list:
    """The compiled Jinja templates :func:`render_text` renders (each part of :func:`_text_sources` with a line
    break before every paragraph), prepared once per template sha256 (issue 25: a step's letter check marked and
    looked up the whole part's source, ~100 KB, on every check). The same source and environment as before, so the
    same compiled template."""
    def build() -> list:
        env = render_env()
        return [env.from_string(_PARAGRAPH.sub(r"\n<w:p\1", source)) for source in _text_sources(raw)]

    return _memo(_TEXT_TEMPLATES, hashlib.sha256(raw).hexdigest(), build, _PACKAGE_CACHE_MAX)


def docx_text(content: bytes) -> str:
    """All visible text of a .docx (body paragraphs, tables, headers, footers), one line per paragraph.

    Read from the saved bytes on purpose (the leak check must see what is stored): after a
    docxtpl render, python-docx's rId → part map still points at the unrendered headers and
    footers, so the document in memory does not show their rendered text.

    Reads the WordprocessingML parts directly (``word/document.xml`` and every header and
    footer part) instead of opening the document with python-docx, which also parsed the
    350 KB style parts and cost a third of a letter's render time. Per paragraph: the text
    of its runs, ``w:tab`` as a tab and ``w:br``/``w:cr`` as a line break (as python-docx's
    ``Paragraph.text``); deleted text (``w:delText``) is no text. Every header and footer
    part is read, also one python-docx would skip as linked or unused: for a leak check,
    more text is safer than less.
    """
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return _parts_text({n: archive.read(n) for n in archive.namelist() if _TEXT_PARTS.fullmatch(n)})


def docx_reading_text(content: bytes) -> str:
    """The text of a .docx as its reader reads it (a letter in the reporter's portal page): the headers, the body,
    the footers, one line per paragraph as :func:`docx_text`; a header or footer that reads the same as another one
    of its kind once. A letter has a footer for its first page and one for the other pages (and a copy per section),
    in the shipped letters the same: :func:`docx_text`, the leak check, reads every part and so the footer twice."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        parts = {n: archive.read(n) for n in archive.namelist() if _TEXT_PARTS.fullmatch(n)}
    kinds = {n: _TEXT_PARTS.fullmatch(n).group(1).rstrip("0123456789") for n in parts}
    order = {"header": 0, "document": 1, "footer": 2}
    lines: list[str] = []
    seen: set[tuple] = set()
    for name in sorted(parts, key=lambda n: (order[kinds[n]], n)):
        part = _paragraph_lines(etree.fromstring(parts[name], _SAFE_XML))
        if kinds[name] != "document":
            if (kinds[name], *part) in seen:
                continue
            seen.add((kinds[name], *part))
        lines += part
    return "\n".join(lines)


def _parts_text(parts: Mapping[str, bytes]) -> str:
    """:func:`docx_text` of the body, header and footer parts (member name → bytes)."""
    lines: list[str] = []
    for name in sorted(parts, key=lambda n: (n != "word/document.xml", n)):
        lines += _paragraph_lines(etree.fromstring(parts[name], _SAFE_XML))
    return "\n".join(lines)


def _paragraph_lines(root) -> list[str]:
    lines = []
    for paragraph in root.iter(_W_P):
        pieces = []
        for el in paragraph.iter(_W_T, _W_TAB, _W_BR, _W_CR):
            # tab stops in w:pPr are no text; a nested paragraph (text box) is its own line
            if el.getparent().tag != _W_R or _nearest_paragraph(el) is not paragraph:
                continue
            pieces.append((el.text or "") if el.tag == _W_T else "\t" if el.tag == _W_TAB else "\n")
        lines.append("".join(pieces))
    return lines


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_W_P, _W_R, _W_T, _W_TAB, _W_BR, _W_CR = (_W + n for n in ("p", "r", "t", "tab", "br", "cr"))
_TEXT_PARTS = re.compile(r"word/(document|header\d*|footer\d*)\.xml")
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _nearest_paragraph(el):
    node = el.getparent()
    while node is not None and node.tag != _W_P:
        node = node.getparent()
    return node
