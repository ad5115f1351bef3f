"""The schema → form → JSON conversion and the deadline colours, without a browser."""
from __future__ import annotations

from datetime import date, datetime, timezone

from starlette.datastructures import FormData

from web import forms
from web.pages.common import due_state

SCHEMA = {
    "type": "object",
    "properties": {
        "route": {"type": "string", "title": "Route", "enum": ["a", "b"], "x-labels": {"a": "Route A", "b": "Route B"}},
        "soort": {"type": "string", "enum": ["x", "y", "z", "v", "w"]},
        "datum": {"type": "string", "format": "date", "title": "Datum"},
        "moment": {"type": "string", "format": "date-time"},
        "toelichting": {"type": "string", "x-widget": "textarea", "description": "Leg uit"},
        "keuzes": {"type": "array", "items": {"type": "string", "enum": ["p", "q"]}},
        "regels": {"type": "array", "items": {"type": "string"}},
        "akkoord": {"type": "boolean"},
        "rijen": {"type": "array", "items": {"type": "object", "properties": {"naam": {"type": "string"},
                                                                            "datum": {"type": "string", "format": "date"}}}},
        "voorstel": {"type": "string", "readOnly": True, "enum": ["a"], "x-labels": {"a": "Route A"}},
    },
    "required": ["route", "datum"],
}


def test_widgets_follow_the_schema():
    fields = {f.key: f for f in forms.build_fields(SCHEMA, {"voorstel": "a", "datum": "2026-11-02"})}
    assert fields["route"].widget == "radio" and fields["route"].options == [("a", "Route A"), ("b", "Route B")]
    assert fields["route"].required and not fields["toelichting"].required
    assert fields["soort"].widget == "select"
    assert fields["datum"].widget == "date" and fields["datum"].value == "2026-11-02"
    assert fields["moment"].widget == "datetime"
    assert fields["toelichting"].widget == "textarea" and fields["toelichting"].help == "Leg uit"
    assert fields["keuzes"].widget == "checkboxes"
    assert fields["regels"].widget == "lines"
    assert fields["akkoord"].options == [("true", "Ja"), ("false", "Nee")]
    assert fields["rijen"].widget == "group" and len(fields["rijen"].rows) == 1
    assert fields["voorstel"].widget == "readonly" and fields["voorstel"].display == "Route A"


def test_submission_becomes_typed_json_and_keeps_raw_values():
    form = FormData([("route", "b"), ("datum", "2026-11-03"), ("moment", "2026-11-10T10:00"), ("keuzes", "p"),
                     ("keuzes", "q"), ("regels", "een\n\ntwee\n"), ("akkoord", "false"), ("toelichting", ""),
                     ("rijen[0].naam", "G1"), ("rijen[0].datum", "2026-11-04"), ("rijen[1].naam", ""),
                     ("rijen[1].datum", ""), ("voorstel", "b")])
    data, raw = forms.parse_submission(SCHEMA, form)
    assert data == {"route": "b", "datum": "2026-11-03", "moment": "2026-11-10T10:00:00+01:00", "keuzes": ["p", "q"],
                    "regels": ["een", "twee"], "akkoord": False, "rijen": [{"naam": "G1", "datum": "2026-11-04"}]}
    assert "voorstel" not in data and "toelichting" not in data  # read-only ignored, empty left out
    assert raw["toelichting"] == "" and raw["route"] == "b"
    refilled = {f.key: f for f in forms.build_fields(SCHEMA, {}, errors={"datum": "is verplicht"}, raw=raw)}
    assert refilled["route"].value == "b" and refilled["datum"].error == "is verplicht"


def test_dutch_date_one_filter_for_dates_and_moments_in_amsterdam_time():
    assert forms.dutch_date("2026-03-05") == "5 maart 2026"
    assert forms.dutch_date(date(2026, 12, 15)) == "15 december 2026"
    # stored moments are UTC: shown in Europe/Amsterdam, winter (+1) and summer (+2)
    assert forms.dutch_date(datetime(2026, 12, 15, 9, 0, tzinfo=timezone.utc)) == "15 december 2026, 10:00"
    assert forms.dutch_date(datetime(2026, 7, 1, 22, 30, tzinfo=timezone.utc)) == "2 juli 2026, 00:30"
    assert forms.dutch_date(datetime(2026, 12, 15, 9, 0)) == "15 december 2026, 10:00"  # naive: read as UTC
    assert forms.dutch_date("2026-12-15T09:00:00+00:00") == "15 december 2026, 10:00"  # a read-only date-time
    assert forms.dutch_date(datetime(2026, 12, 15, 9, 5, tzinfo=timezone.utc), "tijd") == "10:05"
    assert forms.dutch_date(datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc), "dag") == "1 januari 2027"
    assert forms.dutch_date(None) == "—" and forms.dutch_date("onbekend") == "onbekend"


def test_read_only_date_time_is_formatted():
    schema = {"type": "object", "properties": {"ontvangen_op": {"type": "string", "format": "date-time",
                                                                "title": "Ontvangen op", "readOnly": True}}}
    field = forms.build_fields(schema, {"ontvangen_op": "2026-12-15T09:00:00+00:00"})[0]
    assert field.widget == "readonly" and field.display == "15 december 2026, 10:00"


def test_deadline_colours_count_working_days(clock):  # Monday 2 November 2026
    assert due_state(datetime(2026, 11, 1, 12, tzinfo=timezone.utc))[0] == "te-laat"
    assert due_state(datetime(2026, 11, 4, 12, tzinfo=timezone.utc))[0] == "bijna"   # Wednesday: 2 working days
    assert due_state(datetime(2026, 11, 5, 12, tzinfo=timezone.utc))[0] == "op-tijd"  # Thursday: 3
    clock.set(datetime(2026, 11, 6, 9, tzinfo=timezone.utc))  # Friday
    assert due_state(datetime(2026, 11, 10, 12, tzinfo=timezone.utc))[0] == "bijna"  # Tuesday, weekend skipped
    assert due_state(None) == ("", "geen termijn")


def test_several_choices_in_a_repeated_row_are_ticks_and_come_back_as_a_list():
    schema = {"type": "object", "properties": {"functies": {"type": "array", "title": "Functies", "items": {
        "type": "object", "properties": {
            "naam": {"type": "string", "title": "Functie"},
            "risicotypen": {"type": "array", "title": "Risico's", "uniqueItems": True,
                            "items": {"type": "string", "enum": ["Fraude", "Lekken"]}}}}}}}
    group = forms.build_fields(schema, {"functies": [{"naam": "Douanier", "risicotypen": ["Lekken"]}]})[0]
    cell = group.rows[0][1]
    assert cell.widget == "checkboxes" and cell.value == ["Lekken"]
    assert [value for value, _ in cell.options] == ["Fraude", "Lekken"]
    form = FormData([("functies[0].naam", "Douanier"), ("functies[0].risicotypen", "Fraude"),
                     ("functies[0].risicotypen", "Lekken"), ("functies[1].naam", "")])
    data, _ = forms.parse_submission(schema, form)
    assert data == {"functies": [{"naam": "Douanier", "risicotypen": ["Fraude", "Lekken"]}]}


def test_a_file_sent_in_place_of_a_fields_text_counts_as_empty():
    import io

    from starlette.datastructures import UploadFile

    def upload():
        return UploadFile(io.BytesIO(b"x"), filename="a.txt")

    form = FormData([("route", upload()), ("regels", upload()), ("keuzes", upload()), ("keuzes", "p"),
                     ("toelichting", upload()), ("rijen[0].naam", upload()), ("rijen[0].datum", "2026-11-04"),
                     ("akkoord", "true")])
    data, raw = forms.parse_submission(SCHEMA, form)
    assert data == {"keuzes": ["p"], "rijen": [{"datum": "2026-11-04"}], "akkoord": True}
    assert raw["route"] == "" and raw["toelichting"] == "" and raw["regels"] == ""
