"""Request-format errors (pydantic's ``RequestValidationError``: body, query, path; nested and list items) name each
field as a user knows it - the ``title`` of the request model's field or parameter (``Field(title=…)``,
``Query(title=…)``, ``Path(title=…)``), one place - and say why in Dutch, per pydantic error type; nothing is
changed. Before, such a 422 carried only the field's key ("query.zaakId", "uitgesloten.0") and no label, and a
list of allowed values came in English ("'open' or 'closed'")."""
from __future__ import annotations

import typing

import pydantic_core.core_schema as core_schema
import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy import func, select

from api.problems import dutch_message, request_label
from tests.engine.test_parse_errors_dutch import dutch_only

PLACES = ("query", "path", "header", "cookie")


def _resolve(doc: dict, schema: dict) -> dict:
    while isinstance(schema, dict) and "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _body_places(doc: dict, schema: dict, loc: tuple, seen: frozenset) -> typing.Iterator[tuple]:
    """Every place in a request body's schema a value can be sent (its properties, nested and in list items)."""
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if ref in seen:
        return
    seen = seen | {ref} if ref else seen
    schema = _resolve(doc, schema)
    for branch in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        yield from _body_places(doc, branch, loc, seen)
    if isinstance(schema.get("items"), dict):
        yield from _body_places(doc, schema["items"], loc + (0,), seen)
    for name, prop in (schema.get("properties") or {}).items():
        yield loc + (name,)
        yield from _body_places(doc, prop, loc + (name,), seen)


def _operations(app):
    doc = app.openapi()
    routes = {(c.path, m): c.route for c in iter_route_contexts(app.router.routes) for m in (c.methods or ())}
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and "responses" in operation:
                route = routes.get(("/api/v1" + path, method.upper())) or routes[(path, method.upper())]
                yield doc, path, method, operation, route.dependant


def test_every_field_and_parameter_of_every_request_in_the_openapi_document_has_a_dutch_label(app):
    missing, seen = [], 0
    for doc, path, method, operation, dependant in _operations(app):
        places = [(p["in"], p["name"]) for p in operation.get("parameters", []) if p["in"] in PLACES]
        for content in (operation.get("requestBody") or {}).get("content", {}).values():
            places += [("body", *loc) for loc in _body_places(doc, content.get("schema") or {}, (), frozenset())]
        for loc in places:
            seen += 1
            label = request_label(dependant, loc)
            if not label:
                missing.append(f"{method.upper()} {path} {'.'.join(map(str, loc))}")
            else:
                dutch_only(label)
    assert seen > 250
    assert not missing, f"{len(missing)} fields without a label (Field/Query/Path(title=…)):\n" + "\n".join(missing)


def test_every_pydantic_error_type_has_a_dutch_reason():
    for kind in typing.get_args(core_schema.ErrorType):
        message = dutch_message({"type": kind, "loc": ("body", "x"), "msg": "", "ctx": {}})
        assert message and message.endswith(".") and message[0].isupper(), (kind, message)
        dutch_only(message)


def _counts(db):
    from engine.audit.models import AuditEvent
    from engine.cases.models import Case

    with db.session() as s:
        return s.scalar(select(func.count(Case.id))), s.scalar(select(func.count(AuditEvent.id)))


@pytest.mark.db
def test_a_refused_body_names_each_field_by_its_label_and_why_and_changes_nothing(world, db):
    c, h = world.client, world.h("meldpunt")
    before = _counts(db)
    r = c.post("/api/v1/meldingen", headers=h, json={
        "categorie": 5, "kanaal": "postduif", "datum_melding": "5 januari", "uitgesloten": [3, "x"],
        "melder_id": 0, "geheim": 1})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["type"].endswith("/invalid-data") and body["title"] == "Ongeldige gegevens"
    errors = {e["field"]: e for e in body["errors"]}
    assert errors["categorie"] == {"field": "categorie", "message": "Moet tekst zijn.", "label": "Categorie"}
    assert errors["omschrijving"] == {"field": "omschrijving", "message": "Dit veld is verplicht.",
                                      "label": "Omschrijving"}
    assert errors["kanaal"]["label"] == "Kanaal"
    assert errors["kanaal"]["message"] == (
        "Moet een van de toegestane waarden zijn: 'meldpunt_integriteit', 'leidinggevende', "
        "'hogere_leidinggevende', 'vertrouwenspersoon', 'onderzoeksbureau' of 'externe_commissie'.")
    assert errors["datum_melding"] == {"field": "datum_melding", "label": "Datum ontvangst",
                                       "message": "Moet een geldige datum zijn (JJJJ-MM-DD)."}
    assert errors["uitgesloten.1"] == {"field": "uitgesloten.1", "message": "Moet een geheel getal zijn.",
                                       "label": "Uitgesloten behandelaars, nr. 2"}
    assert errors["melder_id"]["label"] == "Melder (gebruiker)" and errors["melder_id"]["message"] == "Moet minstens 1 zijn."
    assert errors["geheim"] == {"field": "geheim", "message": "Onbekend veld; dit veld is niet toegestaan.",
                                "label": "geheim"}
    assert body["detail"].startswith("Een of meer velden zijn ongeldig: ‘")  # each field by its label and why
    assert "‘Categorie’: moet tekst zijn;" in body["detail"] and "‘Datum ontvangst’: moet een geldige datum" in body["detail"]
    assert _counts(db) == before


@pytest.mark.db
def test_query_and_path_parameters_are_named_by_their_label(world):
    c = world.client
    r = c.get("/api/v1/audit", headers=world.h("auditor"), params={"zaakId": "x"})
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [{"field": "query.zaakId", "message": "Moet een geheel getal zijn.", "label": "Zaak"}]
    r = c.get("/api/v1/zaken/abc", headers=world.h("integriteitscoordinator"))
    assert r.status_code == 422, r.text
    [error] = r.json()["errors"]
    assert error["field"] == "path.case_id" and error["label"] == "Zaak", error
    r = c.get("/api/v1/zaken", headers=world.h("integriteitscoordinator"), params={"status": "half", "limit": 0})
    assert r.status_code == 422, r.text
    errors = {e["field"]: e for e in r.json()["errors"]}
    assert errors["query.status"]["message"] == "Moet een van de toegestane waarden zijn: 'open' of 'closed'."
    assert errors["query.status"]["label"] == "Status" and errors["query.limit"]["label"] == "Aantal per pagina"
