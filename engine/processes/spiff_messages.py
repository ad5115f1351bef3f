"""SpiffWorkflow's parse and validation errors (and the BPMN/DMN schema's), in Dutch for the process owner.

The deployment check (``engine.processes.validation``) runs SpiffWorkflow's parser after its own checks; what only
SpiffWorkflow finds reaches the process owner as one of these messages: what is wrong and what to do. SpiffWorkflow's
own English words go to the server log only, never into the text. A message that is not in the table gets a Dutch
text naming the kind of element (and, for a Python error inside the parser, the kind of error). The element and
line come from the caller (``file:line [element]``).
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable

log = logging.getLogger(__name__)

_KINDS = {"message": "een bericht (message)", "signal": "een signaal (signal)", "error": "een fout (error)",
          "escalation": "een escalatie (escalation)", "correlation": "een correlatie (correlation)",
          "data store": "een gegevensopslag (data store)"}

_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


def _rule(pattern: str, text: str | Callable[[re.Match[str]], str]) -> _Rule:
    return re.compile(pattern, re.IGNORECASE | re.DOTALL), (text if callable(text) else lambda m: text.format(*m.groups()))


_RULES: list[_Rule] = [
    # --- SpiffWorkflow's parser
    _rule(r"^Multiple outgoing flows are not supported for tasks of type",
          "Meer dan één uitgaande verbinding uit deze taak: de engine volgt uit een taak precies één verbinding. "
          "Zet een gateway achter de taak (exclusief: één route met voorwaarden; parallel: alle routes tegelijk) en "
          "laat de verbindingen uit die gateway vertrekken"),
    _rule(r"^Non-default exclusive outgoing sequence flow without condition",
          "Verbinding uit een exclusieve gateway zonder voorwaarde: geef haar een voorwaarde (conditionExpression) of "
          "maak haar de standaardroute van de gateway (default); anders kan de engine geen route kiezen"),
    _rule(r"^Process (\S+?) is not executable",
          "Proces '{0}' staat niet op uitvoerbaar: zet in de modeler 'Executable' aan (isExecutable=\"true\")"),
    _rule(r"^No start event found",
          "Geen startgebeurtenis: een proces begint met een startgebeurtenis (start event); teken er een en verbind "
          "haar met de eerste taak"),
    _rule(r"^Exactly one start event is required in a SubWorkflow Task; found (\d+)",
          "Een deelproces moet precies één startgebeurtenis hebben (gevonden: {0})"),
    _rule(r"^A SubWorkflow Must contain an End event",
          "Een deelproces moet een eindgebeurtenis (end event) hebben"),
    _rule(r"^No \"calledElement\" attribute for Call Activity",
          "Aanroepactiviteit zonder aangeroepen proces: vul 'Called element' (calledElement) in met de id van het "
          "proces dat zij start"),
    _rule(r"^Invalid Script Task\.\s+No Script Provided",
          "Scripttaak zonder script: schrijf het script in de taak of kies een ander soort taak"),
    _rule(r"^A loopMaximum or loopCondition must be specified for Loop Tasks",
          "Lusmarkering zonder lusvoorwaarde (loopCondition) of maximum aantal rondes (loopMaximum): geef er één"),
    _rule(r"^A multiinstance task must specify exactly one of",
          "Taak met meerdere instanties: geef óf een aantal (loopCardinality) óf een verzameling "
          "(loopDataInputRef), niet beide"),
    _rule(r"^A multiinstance task must specify a cardinality or",
          "Taak met meerdere instanties zonder aantal (loopCardinality) of verzameling (loopDataInputRef): geef er "
          "één, bijvoorbeeld de lijst waarover de taak loopt"),
    _rule(r"^The loop (input|output) data reference is missing from the IO specification",
          lambda m: f"De {'invoer' if m[1].lower() == 'input' else 'uitvoer'}verzameling van de taak met meerdere "
                    f"instanties staat niet in haar ioSpecification"),
    _rule(r"^Cancel Events may only be used with transactions",
          "Een annuleringsgebeurtenis (cancel event) kan alleen in een transactie-deelproces"),
    _rule(r"^There is no support implemented for this task type",
          "Dit soort element ondersteunt de engine niet; gebruik een gebruikerstaak, scripttaak, beslistaak "
          "(business rule task), aanroepactiviteit of deelproces"),
    _rule(r"^Duplicate process ID: (\S+)",
          "Proces-id '{0}' komt meer dan eens voor: geef elk proces een eigen id (ook over de bestanden heen)"),
    _rule(r"^The process '([^']+)' was not found\. Did you mean one of the following: (.*?)\??\.?$",
          "Proces '{0}' staat in geen enkel BPMN-bestand (bekende processen: {1}); controleer 'main_process' en "
          "'processes' in manifest.json en het aangeroepen proces (calledElement) van de aanroepactiviteiten"),
    _rule(r"^Unknown Time Specification",
          "Timer zonder tijd: kies een datum (timeDate), een duur (timeDuration) of een herhaling (timeCycle)"),
    _rule(r"^Time Specification Error",
          "De tijd van deze timer kan niet worden gelezen: schrijf een ISO 8601-datum of -duur tussen "
          "aanhalingstekens (\"P14D\") of een aanroep van een engine-functie (legal_term, end_of_day, …)"),
    _rule(r"^Conditional event definition with missing condition",
          "Voorwaardelijke gebeurtenis zonder voorwaarde: vul de voorwaarde (condition) in"),
    _rule(r"^Expected an? (message|signal|error|escalation) node",
          lambda m: f"Deze gebeurtenis verwijst naar {_KINDS[m[1].lower()]} die niet in het bestand staat: kies er een "
                    f"in de modeler of maak hem aan"),
    _rule(r"^(Message|Signal|Error|Escalation|Correlation|Data Store) identifier is missing from bpmn xml",
          lambda m: f"{_KINDS[m[1].lower()][0].upper()}{_KINDS[m[1].lower()][1:]} zonder id: geef het element een id"),
    _rule(r"^Data Store name is missing", "Gegevensopslag (data store) zonder naam"),
    _rule(r"^Data Store with name (.*) has no implementation",
          "Gegevensopslag '{0}' bestaat niet in de engine: procesgegevens staan in de zaak, niet in een data store"),
    _rule(r"^Correlation is missing correlation property retrieval expressions: (.*)",
          "Correlatie '{0}' mist de expressies waarmee zij haar waarde ophaalt"),
    _rule(r"^Message identifier is missing from correlation property: (.*)",
          "Correlatie-eigenschap '{0}' noemt geen bericht (message)"),
    _rule(r"^Could not find messageRef from message event definition: (.*)",
          "Berichtgebeurtenis '{0}' noemt geen bericht (messageRef)"),
    _rule(r"^Sequential ordering for ad hoc subprocesses not supported",
          "Een ad-hocdeelproces met volgorde 'sequential' wordt niet ondersteund: laat de volgorde open (parallel)"),
    _rule(r"^Ad hoc subprocesses may not contain start or end events",
          "Een ad-hocdeelproces mag geen start- of eindgebeurtenis bevatten"),
    _rule(r"^Cannot resolve data(Input|Output)Association (.*)",
          lambda m: f"Gegevenskoppeling ({'invoer' if m[1].lower() == 'input' else 'uitvoer'}) '{m[2]}' verwijst naar "
                    f"een gegevensobject dat niet bestaat"),
    _rule(r"^When looking for a task spec, we found two items.*?\((.*)\)",
          "Een verbinding wijst naar '{0}', maar dat element bestaat niet of twee keer: controleer de doelen "
          "(targetRef) van de verbindingen"),
    _rule(r"^A Service Task must have an operator",
          "Servicetaak zonder operator: de engine kent geen servicetaken; gebruik een scripttaak of gebruikerstaak"),
    # --- SpiffWorkflow's DMN parser
    _rule(r"^No decisions found", "DMN-bestand zonder beslissing: het bevat precies één beslistabel"),
    _rule(r"^Multiple decision tables are not current",
          "Meer dan één beslissing in één DMN-bestand: zet elke beslistabel in een eigen bestand"),
    _rule(r"^No DMN Diagram available with id \"([^\"]*)\", Available DMN ids are: (.*)",
          "Beslistabel '{0}' bestaat niet (bekende beslistabellen: {1}); controleer de beslissing die de beslistaak "
          "aanroept (calledDecisionId)"),
    _rule(r"^Malformed Output Expression '(.*)'\. ",
          "DMN-uitvoercel '{0}' is geen geldige Python-expressie: zet een tekst tussen aanhalingstekens"),
    _rule(r"^Unknown type in decision table",
          "Onbekend element in de beslistabel: alleen invoer-, uitvoerkolommen en regels horen erin"),
    # --- the BPMN/DMN schema (lxml's messages, namespaces already shortened to bpmn:/spiffworkflow:)
    _rule(r"^Element '([^']+)', attribute '([^']+)': The attribute '[^']+' is not allowed",
          "Attribuut '{1}' is niet toegestaan op '{0}' volgens het BPMN/DMN-schema: verwijder het of sla het bestand "
          "opnieuw op in de modeler"),
    _rule(r"^Element '([^']+)': The attribute '([^']+)' is required but missing",
          "Aan '{0}' ontbreekt het verplichte attribuut '{1}'"),
    _rule(r"^Element '([^']+)', attribute '([^']+)': '([^']*)' is not a valid value of the (?:atomic|union) type "
          r"'([^']+)'",
          "Attribuut '{1}' van '{0}' heeft een ongeldige waarde '{2}' (verwacht: {3})"),
    _rule(r"^Element '([^']+)': '([^']*)' is not a valid value of the (?:atomic|union) type '([^']+)'",
          "'{0}' heeft een ongeldige waarde '{1}' (verwacht: {2})"),
    _rule(r"^Element '([^']+)': This element is not expected",
          "Element '{0}' hoort hier niet volgens het BPMN/DMN-schema (een onbekend element, of een bekend element op "
          "de verkeerde plaats of in de verkeerde volgorde): verwijder het of teken het opnieuw in de modeler"),
    _rule(r"^Element '([^']+)': Missing child element",
          "In '{0}' ontbreekt een verplicht onderdeel volgens het BPMN/DMN-schema"),
    _rule(r"^Element '([^']+)': No match found for key-sequence \['([^']*)'\]",
          "'{0}' verwijst naar '{1}', maar er is geen element met die id"),
    _rule(r"^Element '([^']+)': Duplicate key-sequence \['([^']*)'\]",
          "De id '{1}' komt meer dan eens voor ('{0}'): geef elk element een eigen id"),
    _rule(r"^Element '([^']+)': ",
          "'{0}' voldoet niet aan het BPMN/DMN-schema: sla het bestand opnieuw op in de modeler"),
]


# The element a message is about, by its (prefixed) tag, for the text of a message not in the table.
_ELEMENTS = {
    "bpmn:userTask": "deze gebruikerstaak", "bpmn:scriptTask": "deze scripttaak", "bpmn:serviceTask": "deze servicetaak",
    "bpmn:businessRuleTask": "deze beslistaak", "bpmn:callActivity": "deze aanroepactiviteit",
    "bpmn:subProcess": "dit deelproces", "bpmn:transaction": "dit transactie-deelproces",
    "bpmn:adHocSubProcess": "dit ad-hocdeelproces", "bpmn:task": "deze taak", "bpmn:manualTask": "deze handmatige taak",
    "bpmn:sendTask": "deze verzendtaak", "bpmn:receiveTask": "deze ontvangsttaak",
    "bpmn:exclusiveGateway": "deze exclusieve gateway", "bpmn:parallelGateway": "deze parallelle gateway",
    "bpmn:inclusiveGateway": "deze inclusieve gateway", "bpmn:eventBasedGateway": "deze gebeurtenisgateway",
    "bpmn:startEvent": "deze startgebeurtenis", "bpmn:endEvent": "deze eindgebeurtenis",
    "bpmn:intermediateCatchEvent": "deze tussengebeurtenis", "bpmn:intermediateThrowEvent": "deze tussengebeurtenis",
    "bpmn:boundaryEvent": "deze randgebeurtenis", "bpmn:sequenceFlow": "deze verbinding",
    "bpmn:process": "dit proces", "bpmn:definitions": "dit bestand", "dmn:decision": "deze beslissing",
    "dmn:decisionTable": "deze beslistabel", "dmn:definitions": "dit DMN-bestand",
}

# A Python error that SpiffWorkflow's task parser wraps as its repr ("KeyError('x')"): its kind, in Dutch.
_PYTHON_ERRORS = {
    "KeyError": "een verwijzing naar iets dat niet bestaat", "IndexError": "een verwijzing naar iets dat niet bestaat",
    "StopIteration": "een verwijzing naar iets dat niet bestaat",
    "AttributeError": "een onderdeel dat ontbreekt of van de verkeerde soort is",
    "TypeError": "een onderdeel dat ontbreekt of van de verkeerde soort is",
    "ValueError": "een ongeldige waarde", "SyntaxError": "een schrijffout in een expressie",
    "AssertionError": "een verplicht onderdeel dat ontbreekt of meer dan eens voorkomt",
}


def dutch(message: str, element: str | None = None) -> str:
    """A SpiffWorkflow or schema message in Dutch; ``element``: the prefixed tag of the element it is about
    (``bpmn:userTask``), named in the text of a message not in the table. The English original is logged only."""
    original = " ".join(message.split()).rstrip(". ")
    for pattern, text in _RULES:
        found = pattern.search(original)
        if found:
            return text(found)
    log.info("SpiffWorkflow message without a Dutch text: %s", original)
    what = _ELEMENTS.get(element or "", "dit element")
    python = re.match(r"^(\w+)\(", original)
    kind = _PYTHON_ERRORS.get(python[1]) if python else None
    because = f" (de controle stuitte op {kind})" if kind else ""
    return f"De procesengine kan {what} niet verwerken{because}; controleer het in de modeler"
