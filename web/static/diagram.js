// Draws a BPMN diagram with bpmn-js (viewer only) and marks the case's position:
// completed elements grey, active ones highlighted. Progressive enhancement: without
// JavaScript the page still lists the active steps in text.
(function () {
  function mark(canvas, registry, ids, cls) {
    ids.forEach(function (id) {
      if (id && registry.get(id)) { canvas.addMarker(id, cls); }
    });
  }
  function draw(container) {
    if (!window.BpmnJS) { return; }
    var viewer = new window.BpmnJS({ container: container });
    fetch(container.dataset.bpmnUrl, { credentials: 'same-origin' })
      .then(function (r) { if (!r.ok) { throw new Error('HTTP ' + r.status); } return r.text(); })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var canvas = viewer.get('canvas');
        var registry = viewer.get('elementRegistry');
        canvas.zoom('fit-viewport');
        var active = (container.dataset.active || '').split(' ').filter(Boolean);
        var completed = (container.dataset.completed || '').split(' ').filter(Boolean)
          .filter(function (id) { return active.indexOf(id) < 0; });
        mark(canvas, registry, completed, 'afgerond');
        mark(canvas, registry, active, 'actief');
        container.setAttribute('data-rendered', 'true');
      })
      .catch(function (err) {
        container.textContent = 'Het processchema kon niet worden getoond (' + err.message + ').';
        container.setAttribute('data-rendered', 'error');
      });
  }
  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('[data-bpmn-url]').forEach(draw);
  });
})();
