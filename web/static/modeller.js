// The in-browser modeller for process owners: dmn-js's Modeler for a decision table (.dmn), and bpmn-js's Modeler with bpmn-js-properties-panel (standard BPMN
// properties: name, documentation, timer) and a provider for Meldpunt's own task properties
// (<spiffworkflow:properties><spiffworkflow:property name=".." value=".."/>, exactly as a hand edit writes them).
// The spiffworkflow namespace is deliberately not declared to moddle: its elements stay generic and are written back
// unchanged (pre- and post-scripts, decisions), and a property is edited in place. Saving sends the XML to the server,
// which keeps it as the user's draft and checks the whole set; every problem is marked at its element.
(function () {
  var SPIFF = 'http://spiffworkflow.org/bpmn/schema/1.0/core';

  // ------------------------------------------------------------------ Dutch for the modeller's own texts
  var DUTCH = {
    'General': 'Algemeen', 'Name': 'Naam', 'Documentation': 'Toelichting', 'Element documentation': 'Toelichting',
    'Process documentation': 'Toelichting bij het proces', 'Timer': 'Termijn', 'Type': 'Soort', 'Value': 'Waarde',
    'Date': 'Datum', 'Duration': 'Duur', 'Cycle': 'Herhaling', '<none>': '<geen>', 'Executable': 'Uitvoerbaar',
    'Condition': 'Voorwaarde', 'Condition Expression': 'Voorwaarde (expressie)', 'Expression': 'Expressie',
    'Script': 'Script', 'Format': 'Formaat', 'Multi-instance': 'Meerdere keren', 'Loop': 'Herhaling',
    'Activate hand tool': 'Schema verschuiven', 'Activate lasso tool': 'Elementen selecteren',
    'Activate create/remove space tool': 'Ruimte maken of weghalen', 'Activate global connect tool': 'Verbinden',
    'Create start event': 'Begin toevoegen', 'Create intermediate/boundary event': 'Gebeurtenis toevoegen',
    'Create end event': 'Einde toevoegen', 'Create gateway': 'Keuze toevoegen', 'Create task': 'Taak toevoegen',
    'Create data object reference': 'Gegevensobject toevoegen', 'Create data store reference': 'Gegevensopslag toevoegen',
    'Create expanded sub-process': 'Deelproces toevoegen', 'Create pool/participant': 'Deelnemer toevoegen',
    'Create group': 'Groep toevoegen', 'Append task': 'Taak erachter', 'Append end event': 'Einde erachter',
    'Append gateway': 'Keuze erachter', 'Append intermediate/boundary event': 'Gebeurtenis erachter',
    'Change element': 'Soort wijzigen', 'Change type': 'Soort wijzigen', 'Delete': 'Verwijderen',
    'Connect using sequence/message flow or association': 'Verbinden', 'Connect to other element': 'Verbinden',
    'Add text annotation': 'Notitie toevoegen', 'Add lane above': 'Baan erboven', 'Add lane below': 'Baan eronder',
    'Divide into two lanes': 'In twee banen verdelen', 'Divide into three lanes': 'In drie banen verdelen',
    // the panel's header: the kind of the chosen element
    'User Task': 'Gebruikerstaak', 'Manual Task': 'Handmatige taak', 'Service Task': 'Servicetaak',
    'Script Task': 'Scripttaak', 'Send Task': 'Verzendtaak', 'Receive Task': 'Ontvangsttaak', 'Task': 'Taak',
    'Business Rule Task': 'Beslistaak', 'Call Activity': 'Deelproces', 'Sub Process': 'Deelproces',
    'Start Event': 'Begin', 'End Event': 'Einde', 'Timer Start Event': 'Begin op tijd',
    'Timer Boundary Event': 'Termijn (onderbreekt de taak)',
    'Timer Boundary Event (Non Interrupting)': 'Termijn (taak loopt door)',
    'Timer Intermediate Catch Event': 'Wachten op een tijdstip', 'Exclusive Gateway': 'Keuze',
    'Parallel Gateway': 'Splitsing', 'Inclusive Gateway': 'Keuze (een of meer)', 'Event Based Gateway': 'Keuze op gebeurtenis',
    'Sequence Flow': 'Pijl', 'Lane': 'Baan (rol)', 'Participant': 'Deelnemer', 'Process': 'Proces',
    'Collaboration': 'Samenwerking', 'Text Annotation': 'Notitie'
  };
  function translate(template, replacements) {
    replacements = replacements || {};
    return (DUTCH[template] || template).replace(/{([^}]+)}/g, function (_, key) {
      return replacements[key] || '{' + key + '}';
    });
  }
  var TranslateModule = { translate: ['value', translate] };

  // ------------------------------------------------------------------ Meldpunt's task properties
  function propertiesOf(bo) {
    var ext = bo && bo.extensionElements;
    var values = (ext && ext.values) || [];
    for (var i = 0; i < values.length; i++) {
      if (values[i].$type === 'spiffworkflow:properties') { return values[i]; }
    }
    return null;
  }
  function propertyOf(bo, name) {
    var props = propertiesOf(bo);
    var children = (props && props.$children) || [];
    for (var i = 0; i < children.length; i++) {
      if (children[i].$type === 'spiffworkflow:property' && children[i].name === name) { return children[i]; }
    }
    return null;
  }
  function valueOf(bo, name) { var p = propertyOf(bo, name); return p ? (p.value || '') : ''; }

  // One undoable command: set (or remove, with an empty value) one property, creating the containers as needed.
  function SetPropertyHandler(moddle) { this._moddle = moddle; }
  SetPropertyHandler.$inject = ['moddle'];
  SetPropertyHandler.prototype.execute = function (ctx) {
    var bo = ctx.element.businessObject, moddle = this._moddle;
    ctx.old = { ext: bo.extensionElements, extValues: bo.extensionElements ? bo.extensionElements.values.slice() : null };
    if (!bo.extensionElements) {
      bo.extensionElements = moddle.create('bpmn:ExtensionElements', { values: [] });
      bo.extensionElements.$parent = bo;
    }
    var props = propertiesOf(bo);
    if (!props) {
      props = moddle.createAny('spiffworkflow:properties', SPIFF, {});
      props.$children = [];
      props.$parent = bo.extensionElements;
      bo.extensionElements.values.push(props);
    }
    ctx.props = props;
    ctx.oldChildren = props.$children.slice();
    var prop = propertyOf(bo, ctx.name);
    ctx.prop = prop;
    ctx.oldValue = prop ? prop.value : null;
    if (ctx.value === '') {
      if (prop) { props.$children.splice(props.$children.indexOf(prop), 1); }
    } else if (prop) {
      prop.value = ctx.value;
    } else {
      prop = moddle.createAny('spiffworkflow:property', SPIFF, { name: ctx.name, value: ctx.value });
      prop.$parent = props;
      props.$children.push(prop);
    }
    return [ctx.element];
  };
  SetPropertyHandler.prototype.revert = function (ctx) {
    var bo = ctx.element.businessObject;
    ctx.props.$children = ctx.oldChildren;
    if (ctx.prop) { ctx.prop.value = ctx.oldValue; }
    if (ctx.old.extValues) { ctx.old.ext.values = ctx.old.extValues; }
    bo.extensionElements = ctx.old.ext;
    return [ctx.element];
  };

  function isTask(element) {
    var bo = element && element.businessObject;
    return !!bo && /^bpmn:(UserTask|ManualTask|Task|ServiceTask|ScriptTask|SendTask|ReceiveTask|BusinessRuleTask|CallActivity)$/.test(bo.$type);
  }

  function MeldpuntProvider(propertiesPanel, injector) {
    this._injector = injector;
    propertiesPanel.registerProvider(500, this);  // after the standard BPMN provider (1000): it may filter its groups
  }
  MeldpuntProvider.$inject = ['propertiesPanel', 'injector'];
  MeldpuntProvider.prototype.getGroups = function (element) {
    var injector = this._injector;
    return function (groups) {
      // No element ids on screen: the id is what the product and running cases know a task by.
      groups.forEach(function (group) {
        if (group.entries) {
          group.entries = group.entries.filter(function (e) { return e.id !== 'id' && e.id !== 'processId'; });
        }
      });
      var Group = groups.length && groups[0].component;  // the panel's own group component (bundled with it)
      if (isTask(element) && Group) {
        groups.splice(1, 0, meldpuntGroup(element, injector, Group));
      }
      return groups;
    };
  };

  function meldpuntGroup(element, injector, Group) {
    var config = window.MeldpuntModeller.config;
    return {
      id: 'meldpunt', label: 'Meldpunt', component: Group, shouldOpen: true,
      entries: config.properties.map(function (p) {
        return {
          id: 'meldpunt-' + p.name, element: element, name: p.name, label: p.label,
          choices: config.choices[p.name] || null, injector: injector, component: PropertyEntry,
          isEdited: function () { return !!valueOf(element.businessObject, p.name); }
        };
      })
    };
  }

  // A text field, or a choice list for properties with a fixed set of values (forms, letters); rendered with the
  // preact of node_modules (plain elements, no hooks: the panel renders them again after every change).
  function PropertyEntry(props) {
    var h = window.preact.h;
    var element = props.element, name = props.name, id = 'meldpunt-eigenschap-' + name;
    var current = valueOf(element.businessObject, name);
    function set(event) {
      var value = (event.target.value || '').trim();
      if (value === valueOf(element.businessObject, name)) { return; }
      props.injector.get('commandStack').execute('meldpunt.property.set', { element: element, name: name, value: value });
    }
    var field;
    if (props.choices) {
      var options = [h('option', { value: '' }, '(geen)')];
      var known = false;
      props.choices.forEach(function (c) {
        known = known || c.value === current;
        options.push(h('option', { value: c.value, selected: c.value === current }, c.label));
      });
      if (current && !known) { options.push(h('option', { value: current, selected: true }, current + ' (onbekend)')); }
      field = h('select', { id: id, name: name, class: 'bio-properties-panel-input', onChange: set }, options);
    } else {
      field = h('input', { id: id, name: name, type: 'text', class: 'bio-properties-panel-input', value: current,
        spellcheck: false, autocomplete: 'off', onChange: set });
    }
    return h('div', { class: 'bio-properties-panel-entry', 'data-entry-id': 'meldpunt-' + name },
      h('label', { for: id, class: 'bio-properties-panel-label' }, props.label), field);
  }

  var MeldpuntModule = {
    __init__: ['meldpuntPropertiesProvider', 'meldpuntCommands'],
    meldpuntPropertiesProvider: ['type', MeldpuntProvider],
    meldpuntCommands: ['type', ['commandStack', function (commandStack) {
      commandStack.registerHandler('meldpunt.property.set', SetPropertyHandler);
    }]]
  };

  // ------------------------------------------------------------------ check results on the diagram
  function escapeHtml(text) {
    var div = document.createElement('div');
    div.textContent = text;
    return div.innerHTML;
  }
  function showProblems(modeler, container, problems) {
    var overlays = modeler.get('overlays'), registry = modeler.get('elementRegistry'), canvas = modeler.get('canvas');
    overlays.remove({ type: 'meldpunt-fout' });
    registry.getAll().forEach(function (el) { canvas.removeMarker(el.id, 'heeft-fout'); });
    var here = {};
    problems.forEach(function (p) {
      if (p.file !== container.dataset.bestand || !p.element || !registry.get(p.element)) { return; }
      (here[p.element] = here[p.element] || []).push(p.message);
    });
    Object.keys(here).forEach(function (id) {
      canvas.addMarker(id, 'heeft-fout');
      overlays.add(id, 'meldpunt-fout', {
        position: { top: -8, left: 0 },
        html: '<div class="modeller-fout" role="note">' + here[id].map(escapeHtml).join('<br>') + '</div>'
      });
    });
  }
  function listProblems(region, answer) {
    region.textContent = '';
    var box = document.createElement('div');
    if (answer.fout) {
      box.className = 'bericht fout';
      box.textContent = answer.fout;
    } else if (answer.geldig) {
      box.className = 'bericht succes';
      box.id = 'modeller-geldig';
      box.textContent = 'Opgeslagen en in orde. Bekijk de verschillen en rol het uit.';
    } else {
      box.className = 'bericht fout';
      box.id = 'modeller-problemen';
      var head = document.createElement('h2');
      head.className = 'klein-kop';
      head.textContent = 'Opgeslagen als concept, maar ' + answer.problemen.length +
        (answer.problemen.length === 1 ? ' probleem' : ' problemen') + ': uitrollen kan pas als alles in orde is.';
      box.appendChild(head);
      var list = document.createElement('ul');
      list.className = 'issues';
      answer.problemen.forEach(function (p) {
        var li = document.createElement('li');
        li.className = 'issue';
        li.textContent = p.file_name + (p.element_name ? ', ' + p.element_name : '') +
          (p.line ? ' (regel ' + p.line + ')' : '') + ': ' + p.message;
        list.appendChild(li);
      });
      box.appendChild(list);
    }
    region.appendChild(box);
  }

  // ------------------------------------------------------------------ decision tables (dmn-js)
  // The same save and check; a problem is marked at its rule, input or output in the table (the list names it).
  function dmnModeler(canvasEl) {
    var modeler = new window.DmnJS({ container: canvasEl, common: { keyboard: { bindTo: canvasEl } } });
    return {
      importXML: function (xml) {
        return modeler.importXML(xml).then(function (result) {
          var table = modeler.getViews().filter(function (v) { return v.type === 'decisionTable'; })[0];
          return (table ? modeler.open(table) : Promise.resolve()).then(function () { return result; });
        });
      },
      saveXML: function (options) { return modeler.saveXML(options); },
      fit: function () {},
      onChange: function (callback) {
        modeler.on('views.changed', function () {
          var viewer = modeler.getActiveViewer();
          if (viewer) { viewer.get('eventBus').on('commandStack.changed', callback); }
        });
        var viewer = modeler.getActiveViewer();
        if (viewer) { viewer.get('eventBus').on('commandStack.changed', callback); }
      },
      showProblems: function (container, problems) {
        canvasEl.querySelectorAll('.heeft-fout').forEach(function (el) { el.classList.remove('heeft-fout'); });
        problems.forEach(function (p) {
          if (p.file !== container.dataset.bestand || !p.element) { return; }
          canvasEl.querySelectorAll('[data-row-id="' + p.element + '"], [data-col-id="' + p.element + '"], ' +
            '[data-element-id="' + p.element + '"]').forEach(function (el) { el.classList.add('heeft-fout'); });
        });
      },
      raw: modeler
    };
  }

  function bpmnModeler(container, canvasEl) {
    var PP = window.BpmnJSPropertiesPanel;
    window.MeldpuntModeller = { config: JSON.parse(container.dataset.eigenschappen || '{"properties":[],"choices":{}}') };
    var modeler = new window.BpmnJS({
      container: canvasEl,
      keyboard: { bindTo: canvasEl },
      propertiesPanel: { parent: container.querySelector('#modeller-eigenschappen') },
      additionalModules: [PP.BpmnPropertiesPanelModule, PP.BpmnPropertiesProviderModule, MeldpuntModule, TranslateModule]
    });
    return {
      importXML: function (xml) {
        return modeler.importXML(xml).then(function (result) {
          // SpiffWorkflow names a variable where BPMN expects a reference (a multi-instance task's
          // loopDataInputRef/loopDataOutputRef): kept as written, so saving does not drop it.
          var left = (result.warnings || []).filter(function (w) {
            if (/^unresolved reference/.test(w.message || '') && w.element && w.property && w.value) {
              var descriptor = w.element.$descriptor && w.element.$model.getPropertyDescriptor(w.element, w.property);
              if (descriptor && !descriptor.isMany) {
                w.element.set(w.property, { id: w.value });
                return false;
              }
            }
            return true;
          });
          return { warnings: left };
        });
      },
      saveXML: function (options) { return modeler.saveXML(options); },
      fit: function () { modeler.get('canvas').zoom('fit-viewport'); },
      onChange: function (callback) { modeler.get('eventBus').on('commandStack.changed', callback); },
      showProblems: function (container, problems) { showProblems(modeler, container, problems); },
      raw: modeler
    };
  }

  // ------------------------------------------------------------------ the page
  function start(container) {
    var dmn = container.dataset.soort === 'dmn';
    if (dmn ? !window.DmnJS : (!window.BpmnJS || !window.BpmnJSPropertiesPanel || !window.preact)) { return; }
    var canvasEl = container.querySelector('#modeller-canvas');
    var editor = dmn ? dmnModeler(canvasEl) : bpmnModeler(container, canvasEl);
    var modeler = editor.raw;
    var save = document.getElementById('modeller-opslaan');
    var region = document.getElementById('modeller-controle');
    fetch(container.dataset.modellerUrl, { credentials: 'same-origin' })
      .then(function (r) { if (!r.ok) { throw new Error('HTTP ' + r.status); } return r.text(); })
      .then(function (xml) { return editor.importXML(xml); })
      .then(function (result) {
        editor.fit();
        container.modeler = modeler;  // for the browser tests and the console
        if (result.warnings && result.warnings.length) {
          var warn = document.createElement('div');
          warn.className = 'bericht fout';
          warn.setAttribute('role', 'alert');
          warn.textContent = 'Dit bestand bevat onderdelen die de modeller niet kan bewaren (' + result.warnings.length +
            '); opslaan zou ze verwijderen. Bewerk dit bestand daarom als bestand en upload het op de pagina Processen.';
          container.parentNode.insertBefore(warn, container);
        } else if (save) {
          save.hidden = false;
        }
        editor.showProblems(container, JSON.parse(container.dataset.problemen || '[]'));
        editor.onChange(function () { container.setAttribute('data-gewijzigd', 'true'); });
        container.setAttribute('data-rendered', 'true');
      })
      .catch(function (err) {
        canvasEl.textContent = 'Het processchema kon niet worden geopend (' + err.message + ').';
        container.setAttribute('data-rendered', 'error');
      });
    if (save) {
      save.addEventListener('click', function () {
        save.disabled = true;
        container.setAttribute('data-opslaan', 'bezig');
        editor.saveXML({ format: true }).then(function (out) {
          var body = new FormData();
          body.append('csrf_token', container.dataset.csrf);
          body.append('bestand', container.dataset.bestand);
          // as a file part: a form's text fields are limited to 1 MB, a process file may be larger
          body.append('inhoud', new Blob([out.xml], { type: 'application/xml' }), container.dataset.bestand);
          return fetch(container.dataset.opslaanUrl, { method: 'POST', body: body, credentials: 'same-origin' });
        }).then(function (r) { return r.json(); }).then(function (answer) {
          listProblems(region, answer);
          editor.showProblems(container, answer.problemen || []);
          container.removeAttribute('data-gewijzigd');
          container.setAttribute('data-opslaan', answer.opgeslagen ? (answer.geldig ? 'geldig' : 'ongeldig') : 'fout');
        }).catch(function (err) {
          listProblems(region, { fout: 'Opslaan is mislukt (' + err.message + '). Probeer het opnieuw.' });
          container.setAttribute('data-opslaan', 'fout');
        }).then(function () { save.disabled = false; });
      });
    }
  }
  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('[data-modeller-url]').forEach(start);
  });
})();
