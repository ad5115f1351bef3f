"""Parse errors of the libraries we read user files with (json, lxml/libxml2, Jinja, csv), in Dutch.

A process owner or administrator who uploads a broken file sees what is wrong and where, in Dutch; the library's
English message never reaches the screen. Each function returns a :class:`ParseProblem`: a Dutch reason (without
position) and the line and column where the library knows them. Names the user wrote (tags, attributes, prefixes,
placeholders) are quoted: they help to find the mistake. A message this module does not know gets a general
Dutch reason, never the English text.
"""
from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass

__all__ = ["ParseProblem", "csv_problem", "json_problem", "schema_problem", "template_error", "template_problem",
           "xml_problem"]


@dataclass(frozen=True)
class ParseProblem:
    """What is wrong (Dutch, without position) and where: 1-based line and column when known."""

    reason: str
    line: int | None = None
    column: int | None = None

    def where(self, *, line: bool = True) -> str:
        """``regel 3, kolom 5`` (or the part that is known); ``line=False``: the column only."""
        parts = [f"regel {self.line}"] if line and self.line else []
        if self.column:
            parts.append(f"kolom {self.column}")
        return ", ".join(parts)

    def text(self, *, line: bool = True) -> str:
        """The reason with its position: ``... (regel 3, kolom 5)``. ``line=False`` when the caller shows the line
        beside the message already (a :class:`~engine.errors.ValidationIssue` with ``line``)."""
        where = self.where(line=line)
        return f"{self.reason} ({where})" if where else self.reason

    def __str__(self) -> str:
        return self.text()


# -- JSON ------------------------------------------------------------------------------------------------------

# json.decoder and _json raise JSONDecodeError with one of these fixed messages (some end in a detail such as
# the escape found); "Illegal trailing comma" exists from Python 3.13.
_JSON_MESSAGES: tuple[tuple[str, str], ...] = (
    ("Expecting value", "hier wordt een waarde verwacht (een tekst tussen dubbele aanhalingstekens, een getal, "
                        "true, false, null, een object {...} of een lijst [...]); staat er een komma te veel of "
                        "ontbreken aanhalingstekens?"),
    ("Expecting ',' delimiter", "hier ontbreekt een komma tussen twee onderdelen (of een sluitend haakje)"),
    ("Expecting ':' delimiter", "na de naam van een eigenschap hoort een dubbele punt (:)"),
    ("Expecting property name enclosed in double quotes",
     "hier wordt de naam van een eigenschap tussen dubbele aanhalingstekens verwacht (\"naam\"); staat er een komma "
     "te veel voor '}' of enkele aanhalingstekens?"),
    ("Illegal trailing comma before end of object", "komma te veel voor '}'"),
    ("Illegal trailing comma before end of array", "komma te veel voor ']'"),
    ("Unterminated string starting at", "een tekst tussen aanhalingstekens is niet afgesloten met een "
                                        "dubbel aanhalingsteken"),
    ("Invalid control character", "ongeldig teken in een tekst: een regeleinde of tab binnen aanhalingstekens "
                                   "schrijft u als \\n of \\t"),
    ("Invalid \\uXXXX escape", "ongeldige \\u-code in een tekst (verwacht: \\u met vier hexadecimale cijfers)"),
    ("Invalid \\escape", "ongeldige backslash-code in een tekst (een backslash zelf schrijft u als \\\\)"),
    ("Extra data", "na het einde van de JSON-waarde staat nog tekst (een bestand bevat precies één object of "
                   "waarde)"),
)


def json_problem(err: ValueError | RecursionError) -> ParseProblem:
    """A failed ``json.loads`` (JSONDecodeError, UnicodeDecodeError of bytes, RecursionError of deep nesting)."""
    if isinstance(err, json.JSONDecodeError):
        if not err.doc.strip():
            return ParseProblem("het bestand is leeg", err.lineno, err.colno)
        if err.msg.startswith("Expecting") and not err.doc[err.pos:].strip():
            return ParseProblem("de tekst houdt op voordat de JSON compleet is (ontbreekt er een sluitend haakje "
                                "} of ]?)", err.lineno, err.colno)
        for prefix, dutch in _JSON_MESSAGES:
            if err.msg.startswith(prefix):
                return ParseProblem(dutch, err.lineno, err.colno)
        return ParseProblem("de tekst is geen geldige JSON", err.lineno, err.colno)
    if isinstance(err, UnicodeDecodeError):
        return _not_utf8(err)
    if isinstance(err, RecursionError):
        return ParseProblem("de JSON is te diep genest")
    return ParseProblem("de tekst is geen geldige JSON")


def _not_utf8(err: UnicodeDecodeError) -> ParseProblem:
    data = err.object if isinstance(err.object, bytes) else b""
    before = data[: err.start]
    line = before.count(b"\n") + 1
    return ParseProblem("het bestand is geen UTF-8-tekst (sla het op als UTF-8)", line,
                        err.start - (before.rfind(b"\n") + 1) + 1)


# -- JSON Schema (a form checked against the draft 2020-12 metaschema) -------------------------------------------

_JSON_TYPES = {"string": "een tekst", "number": "een getal", "integer": "een geheel getal", "boolean": "true of false",
               "object": "een object {...}", "array": "een lijst [...]", "null": "null"}


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _either(values: list[str]) -> str:
    return " of ".join([", ".join(values[:-1]), values[-1]] if len(values) > 1 else values)


def schema_problem(err: Exception) -> str:
    """A jsonschema ``SchemaError`` (the form is JSON but breaks the metaschema), read by its keyword
    (``validator``); the place is the error's ``json_path`` (the caller shows it as the element)."""
    keyword, expected, value = getattr(err, "validator", None), getattr(err, "validator_value", None), \
        getattr(err, "instance", None)
    shown = _shown(value)
    path = str(getattr(err, "json_path", ""))
    if keyword in ("anyOf", "oneOf") and path.endswith(".type"):
        return (f"{shown} is geen bekend type (toegestaan: {', '.join(_JSON_TYPES)}; ook als lijst van "
                f"verschillende types)")
    if keyword == "type":
        kinds = [expected] if isinstance(expected, str) else list(expected or [])
        return f"de waarde {shown} moet {_either([_JSON_TYPES.get(k, k) for k in kinds])} zijn"
    if keyword in ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"):
        return f"de waarde {shown} moet minstens {expected} zijn"
    if keyword in ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"):
        return f"de waarde {shown} mag hoogstens {expected} zijn"
    if keyword == "uniqueItems":
        return f"de lijst {shown} bevat dubbele waarden"
    if keyword == "format" and expected == "regex":
        return f"{shown} is geen geldige reguliere expressie"
    if keyword == "enum":
        return f"de waarde {shown} is niet toegestaan (kies uit: {_either([_shown(v) for v in expected or []])})"
    if keyword in ("anyOf", "oneOf"):
        return f"de waarde {shown} is hier niet toegestaan"
    return f"de waarde {shown} voldoet niet aan de regels van JSON Schema voor dit onderdeel"


# -- XML (lxml / libxml2) ----------------------------------------------------------------------------------------


def _xml_rules():
    from lxml.etree import ErrorTypes as E

    def match(pattern: str, found, fallback: str):
        def rule(message: str) -> str:
            hit = re.search(pattern, message)
            return found(*hit.groups()) if hit else fallback
        return rule

    def mismatch(opened: str, line: str, closing: str) -> str:
        if closing == "unparsable":
            return f"een sluittag zonder geldige naam; verwacht werd </{opened}> (geopend op regel {line})"
        return f"de sluittag </{closing}> past niet bij de openingstag <{opened}> van regel {line}"

    def prefix(name: str, attribute: str | None, element: str) -> str:
        where = f"het attribuut '{attribute}' van <{element}>" if attribute else f"<{element}>"
        return (f"het voorvoegsel '{name}' (bij {where}) is niet gedeclareerd; zet xmlns:{name}=\"...\" "
                f"op het hoofdelement")

    not_well_formed_name = ("hier wordt een naam verwacht (van een tag, attribuut of entiteit); een los '<' "
                            "schrijft u als '&lt;' en een los '&' als '&amp;'")
    entity = ("alleen &lt; &gt; &amp; &quot; &apos; en tekencodes zoals &#160; zijn in XML bekend; een los '&' "
              "schrijft u als '&amp;'")
    declaration = "de XML-declaratie (<?xml ...?>) is onjuist of niet afgesloten"
    invalid_char = "ongeldig teken: dit (stuur)teken is in XML niet toegestaan"
    namespace = "ongeldige naamruimtedeclaratie (xmlns)"
    string = "een tekst tussen aanhalingstekens is niet afgesloten"
    rules = {
        E.ERR_TAG_NAME_MISMATCH: match(r"mismatch: (\S+) line (\d+) and (\S+)", mismatch,
                                       "een sluittag past niet bij de openingstag"),
        E.ERR_TAG_NOT_FINISHED: match(r"in tag (\S+) line (\d+)",
                                      lambda tag, line: f"het bestand houdt op terwijl <{tag}> (geopend op regel "
                                                        f"{line}) nog niet is gesloten",
                                      "het bestand houdt op voordat alle tags gesloten zijn"),
        E.ERR_DOCUMENT_EMPTY: "het bestand is leeg of begint niet met een tag ('<')",
        E.ERR_DOCUMENT_START: "het bestand is leeg of begint niet met een tag ('<')",
        E.ERR_DOCUMENT_END: "na het einde van het hoofdelement staat nog inhoud (een XML-bestand heeft precies "
                            "één hoofdelement)",
        E.ERR_NAME_REQUIRED: not_well_formed_name,
        E.ERR_ATTRIBUTE_WITHOUT_VALUE: match(r"for attribute (\S+)",
                                             lambda a: f"het attribuut '{a}' heeft geen waarde (schrijf {a}=\"...\")",
                                             "een attribuut heeft geen waarde (schrijf naam=\"...\")"),
        E.ERR_ATTRIBUTE_NOT_STARTED: "de waarde van een attribuut moet tussen aanhalingstekens staan (\"...\")",
        E.ERR_ATTRIBUTE_NOT_FINISHED: "de waarde van een attribuut is niet afgesloten met een aanhalingsteken",
        E.ERR_ATTRIBUTE_REDEFINED: match(r"Attribute (\S+) redefined",
                                         lambda a: f"het attribuut '{a}' staat twee keer in dezelfde tag",
                                         "een attribuut staat twee keer in dezelfde tag"),
        E.ERR_LT_IN_ATTRIBUTE: "een '<' in de waarde van een attribuut is niet toegestaan (schrijf '&lt;'), of de "
                               "waarde is niet afgesloten met een aanhalingsteken",
        E.ERR_GT_REQUIRED: match(r"Start Tag (\S+) line",
                                 lambda tag: f"de tag <{tag}> is niet afgesloten met '>'",
                                 "hier wordt '>' verwacht om de tag af te sluiten"),
        E.ERR_SPACE_REQUIRED: "hier ontbreekt een spatie (bijvoorbeeld tussen twee attributen) of de tag is onjuist "
                              "opgebouwd",
        E.ERR_EQUAL_REQUIRED: "na de naam van een attribuut hoort een '='",
        E.ERR_LTSLASH_REQUIRED: "hier wordt een sluittag ('</') verwacht",
        E.ERR_NOT_WELL_BALANCED: "de tags zijn niet goed genest",
        E.NS_ERR_UNDEFINED_NAMESPACE: match(r"prefix (\S+) (?:for (\S+) )?on (\S+) is not defined", prefix,
                                            "een voorvoegsel (xxx:) is niet gedeclareerd met xmlns"),
        E.NS_ERR_XML_NAMESPACE: namespace,
        E.NS_ERR_QNAME: namespace,
        E.NS_ERR_EMPTY: namespace,
        E.NS_ERR_COLON: namespace,
        E.ERR_UNDECLARED_ENTITY: match(r"Entity '([^']+)' not defined",
                                       lambda e: f"de entiteit '&{e};' bestaat niet ({entity})", entity),
        E.WAR_UNDECLARED_ENTITY: match(r"Entity '([^']+)' not defined",
                                       lambda e: f"de entiteit '&{e};' bestaat niet ({entity})", entity),
        E.ERR_ENTITYREF_SEMICOL_MISSING: "een entiteit (zoals '&amp;') mist de afsluitende ';'; een los '&' "
                                         "schrijft u als '&amp;'",
        E.ERR_COMMENT_NOT_FINISHED: "commentaar (<!-- ... -->) is niet afgesloten met '-->'",
        E.ERR_HYPHEN_IN_COMMENT: "'--' is binnen commentaar (<!-- ... -->) niet toegestaan",
        E.ERR_INVALID_CHAR: invalid_char,
        E.ERR_INVALID_CHARREF: invalid_char,
        E.ERR_INVALID_DEC_CHARREF: invalid_char,
        E.ERR_INVALID_HEX_CHARREF: invalid_char,
        E.ERR_INVALID_ENCODING: "ongeldige bytes voor de tekenset van het bestand (sla het op als UTF-8)",
        E.ERR_UNSUPPORTED_ENCODING: match(r"encoding:? (\S+)",
                                          lambda name: f"onbekende tekenset '{name}' in de XML-declaratie "
                                                       f"(gebruik UTF-8)",
                                          "onbekende tekenset in de XML-declaratie (gebruik UTF-8)"),
        E.ERR_UNKNOWN_ENCODING: "onbekende tekenset in de XML-declaratie (gebruik UTF-8)",
        E.ERR_RESERVED_XML_NAME: "de XML-declaratie (<?xml ...?>) mag alleen helemaal aan het begin van het "
                                 "bestand staan",
        E.ERR_XMLDECL_NOT_STARTED: declaration,
        E.ERR_XMLDECL_NOT_FINISHED: declaration,
        E.ERR_VERSION_MISSING: declaration,
        E.ERR_MISPLACED_CDATA_END: "']]>' is in tekst niet toegestaan (schrijf ']]&gt;')",
        E.ERR_CDATA_NOT_FINISHED: "een CDATA-blok is niet afgesloten met ']]>'",
        E.ERR_PI_NOT_STARTED: "een verwerkingsinstructie (<?...?>) is onjuist",
        E.ERR_PI_NOT_FINISHED: "een verwerkingsinstructie (<?...?>) is niet afgesloten met '?>'",
        E.ERR_STRING_NOT_CLOSED: string,
        E.ERR_STRING_NOT_STARTED: string,
        E.ERR_LITERAL_NOT_FINISHED: string,
        E.ERR_LITERAL_NOT_STARTED: string,
        E.ERR_ENTITY_LOOP: "entiteiten verwijzen naar elkaar of groeien te sterk (mogelijke XML-bom)",
        E.ERR_RESOURCE_LIMIT: "het bestand is te diep genest of te groot",
    }
    return {code: (rule if callable(rule) else (lambda _m, text=rule: text)) for code, rule in rules.items()}


_XML_RULES: dict | None = None
_POSITION_SUFFIX = re.compile(r", line \d+, column \d+$")


def xml_problem(err: Exception) -> ParseProblem:
    """An lxml ``XMLSyntaxError``, read by its libxml2 error code; names from the message (the user's own)."""
    global _XML_RULES
    if _XML_RULES is None:
        _XML_RULES = _xml_rules()
    line, column = (getattr(err, "position", None) or (None, None))[:2]
    line = line if isinstance(line, int) and line > 0 else getattr(err, "lineno", None)
    column = column if isinstance(column, int) and column > 0 else None
    message = _POSITION_SUFFIX.sub("", str(getattr(err, "msg", "") or ""))
    rule = _XML_RULES.get(getattr(err, "code", None))
    reason = rule(message) if rule else "de XML is niet goed gevormd"
    return ParseProblem(reason, line if isinstance(line, int) and line > 0 else None, column)


# -- Jinja (letter templates) ------------------------------------------------------------------------------------

# Jinja's own words for token kinds (lexer.describe_token_expr), as a process owner writes them in a letter.
_TOKENS = {
    "end of print statement": "'}}' (het einde van de placeholder)",
    "begin of print statement": "'{{'",
    "end of statement block": "'%}' (het einde van de opdracht)",
    "begin of statement block": "'{%'",
    "begin of comment": "'{#'",
    "end of comment": "'#}'",
    "comment": "commentaar",
    "end of template": "het einde van het sjabloon",
    "template data / text": "tekst",
    "name": "een naam",
    "string": "een tekst tussen aanhalingstekens",
    "integer": "een getal",
    "float": "een getal",
    "operator": "een teken",
}


def _token(description: str) -> str:
    return _TOKENS.get(description, f"'{description}'")


def _tags(listing: str) -> str:
    tags = [_token(t.strip().strip("'")) for t in listing.split(" or ")]
    return " of ".join([", ".join(tags[:-1]), tags[-1]] if len(tags) > 1 else tags)


def _open_blocks(message: str) -> str:
    looking = re.search(r"looking for the following tags: (.+?)\.(?: |$)", message)
    inner = re.search(r"innermost block that needs to be closed is '([^']+)'", message)
    parts = []
    if inner:
        parts.append(f"het blok '{inner.group(1)}' is nog niet gesloten")
    if looking:
        parts.append(f"verwacht: {_tags(looking.group(1))}")
    return "; ".join(parts)


def _unknown_tag(tag: str, message: str) -> str:
    nesting = re.search(r"currently looking for (.+?)\.(?: |$)", message)
    if "nesting mistake" in message and nesting:
        text = f"de opdracht '{tag}' staat op de verkeerde plek (blokken verkeerd genest); eerst wordt " \
               f"{_tags(nesting.group(1))} verwacht"
        inner = re.search(r"innermost block that needs to be closed is '([^']+)'", message)
        return text + (f"; het blok '{inner.group(1)}' is nog niet gesloten" if inner else "")
    rest = _open_blocks(message)
    return f"onbekende opdracht '{tag}'" + (f"; {rest}" if rest else "")


_JINJA_RULES: tuple[tuple[re.Pattern[str], object], ...] = tuple((re.compile(p, re.DOTALL), f) for p, f in (
    (r"^Unexpected end of template\.",
     lambda m, msg: "het sjabloon houdt op terwijl een blok nog open is" + (
         f" ({_open_blocks(msg)})" if _open_blocks(msg) else "")),
    (r"^unexpected end of template, expected '(.+)'\.?$",
     lambda m, msg: f"het sjabloon houdt op terwijl nog {_token(m.group(1))} verwacht wordt"),
    (r"^Encountered unknown tag '([^']+)'", lambda m, msg: _unknown_tag(m.group(1), msg)),
    (r"^expected token '(.+)', got '(.*)'$",
     lambda m, msg: f"verwacht werd {_token(m.group(1))}, maar er staat {_token(m.group(2))}"),
    (r"^Expected an expression, got '(.*)'$",
     lambda m, msg: f"hier wordt een naam of waarde verwacht, maar er staat {_token(m.group(1))}"),
    (r"^unexpected '(.+)', expected '(.+)'$",
     lambda m, msg: f"'{m.group(1)}' staat waar '{m.group(2)}' verwacht wordt (de haakjes kloppen niet)"),
    (r"^unexpected '(.+)'$",
     lambda m, msg: f"onverwacht {_token(m.group(1))} (staat er een haakje of teken te veel?)"),
    (r"^unexpected char (.+) at \d+$",
     lambda m, msg: f"ongeldig teken {m.group(1)} in een placeholder (een tekst tussen aanhalingstekens die niet is "
                    f"afgesloten?)" if m.group(1) in ("\"'\"", "'\"'") else
     f"ongeldig teken {m.group(1)} in een placeholder"),
    (r"^tag name expected$", lambda m, msg: "na '{%' ontbreekt de naam van de opdracht (zoals if, for of endif)"),
    (r"^expected name or number$", lambda m, msg: "na een punt hoort een naam (zoals organisatie.naam)"),
    (r"^expected subscript expression$", lambda m, msg: "tussen de blokhaken [ ] hoort een waarde"),
    (r"^Missing end of comment tag$", lambda m, msg: "commentaar ('{#') is niet afgesloten met '#}'"),
    (r"^Missing end of raw directive$", lambda m, msg: "'{% raw %}' is niet afgesloten met '{% endraw %}'"),
    (r"^Invalid character in identifier$", lambda m, msg: "ongeldig teken in een naam"),
    (r"^can't assign to", lambda m, msg: "hieraan kan geen waarde worden toegekend (links van '=' hoort een naam)"),
    (r"^invalid syntax for function call expression$",
     lambda m, msg: "ongeldige aanroep van een functie of filter (de argumenten tussen haakjes kloppen niet)"),
))


def template_problem(err: Exception) -> ParseProblem:
    """A Jinja ``TemplateSyntaxError``: Jinja gives a message and a line, no code, so its fixed messages are read
    by pattern; the tag, token or character involved is quoted. The line is Jinja's line in the template source."""
    message = " ".join(str(getattr(err, "message", "") or "").split())
    line = getattr(err, "lineno", None)
    line = line if isinstance(line, int) and line > 0 else None
    for pattern, dutch in _JINJA_RULES:
        found = pattern.search(message)
        if found:
            return ParseProblem(dutch(found, message), line)  # type: ignore[operator]
    return ParseProblem("de placeholder is ongeldig (controleer de haakjes {{ }} en {% %} en wat ertussen staat)", line)


def template_error(err: Exception) -> ParseProblem:
    """Another Jinja ``TemplateError`` raised while a letter is made (a syntax error: :func:`template_problem`)."""
    from jinja2 import TemplateSyntaxError
    from jinja2.exceptions import SecurityError, TemplateRuntimeError, UndefinedError

    if isinstance(err, TemplateSyntaxError):
        return template_problem(err)
    line = getattr(err, "lineno", None)
    line = line if isinstance(line, int) and line > 0 else None
    if isinstance(err, SecurityError):
        return ParseProblem("het sjabloon probeert iets wat in een brief niet is toegestaan", line)
    if isinstance(err, UndefinedError):
        return ParseProblem("het sjabloon gebruikt een gegeven of filter dat niet bestaat", line)
    if isinstance(err, TemplateRuntimeError):
        return ParseProblem("het sjabloon kan met deze gegevens niet worden ingevuld", line)
    return ParseProblem("fout in het sjabloon", line)


# -- CSV -----------------------------------------------------------------------------------------------------------

_CSV_RULES: tuple[tuple[re.Pattern[str], object], ...] = tuple((re.compile(p), f) for p, f in (
    (r"^'(.)' expected after '(.)'$",
     lambda m: f"na het afsluitende aanhalingsteken ({m.group(2)}) hoort een scheidingsteken ({m.group(1)}) of het "
               f"einde van de regel; een aanhalingsteken binnen een veld schrijft u dubbel (\"\")"),
    (r"^unexpected end of data$",
     lambda m: "het bestand houdt op binnen een veld tussen aanhalingstekens (een aanhalingsteken is niet afgesloten)"),
    (r"^line contains NUL", lambda m: "de regel bevat een nulteken (NUL); is het wel een tekstbestand?"),
    (r"^new-line character seen in unquoted field",
     lambda m: "een regeleinde midden in een veld zonder aanhalingstekens"),
    (r"^field larger than field limit \((\d+)\)$",
     lambda m: f"een veld is langer dan {int(m.group(1)):,} tekens".replace(",", ".")
               + " (staat er ergens een aanhalingsteken dat niet is afgesloten?)"),
))


def csv_problem(err: csv.Error, line: int | None = None) -> ParseProblem:
    """A ``csv.Error``: the csv module gives a message only, its few fixed messages are read by pattern.
    ``line``: the reader's ``line_num`` when the caller knows it."""
    message = str(err)
    for pattern, dutch in _CSV_RULES:
        found = pattern.search(message)
        if found:
            return ParseProblem(dutch(found), line)  # type: ignore[operator]
    return ParseProblem("de regel kan niet als CSV worden gelezen", line)
