// Draws a BPMN diagram with the bpmn-js NavigatedViewer (zoom with the mouse wheel, pan by dragging) and marks
// the case's position: completed elements grey, active ones highlighted. The canvas is focusable: arrow keys
// pan, + and - zoom, 0 fits the diagram; the buttons above it do the same. Progressive enhancement: without
// JavaScript the page still names the active steps in text.
(function () {
  var STEP = 60;
  function mark(canvas, registry, ids, cls) {
    ids.forEach(function (id) {
      if (id && registry.get(id)) { canvas.addMarker(id, cls); }
    });
  }
  function zoom(canvas, how) {
    if (how === 'passend') { canvas.zoom('fit-viewport', 'auto'); return; }
    var level = canvas.zoom();
    canvas.zoom(Math.max(0.2, Math.min(4, how === 'in' ? level * 1.25 : level / 1.25)), 'auto');
  }
  function keys(container, canvas) {
    container.addEventListener('keydown', function (event) {
      if (event.target !== container || event.ctrlKey || event.metaKey || event.altKey) { return; }
      var moves = { ArrowLeft: [STEP, 0], ArrowRight: [-STEP, 0], ArrowUp: [0, STEP], ArrowDown: [0, -STEP] };
      if (moves[event.key]) {
        var m = moves[event.key];
        canvas.scroll({ dx: m[0] * (event.shiftKey ? 4 : 1), dy: m[1] * (event.shiftKey ? 4 : 1) });
      } else if (event.key === '+' || event.key === '=') {
        zoom(canvas, 'in');
      } else if (event.key === '-' || event.key === '_') {
        zoom(canvas, 'uit');
      } else if (event.key === '0') {
        zoom(canvas, 'passend');
      } else {
        return;
      }
      event.preventDefault();
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
        mark(canvas, registry, (container.dataset.added || '').split(' ').filter(Boolean), 'toegevoegd');
        mark(canvas, registry, (container.dataset.changed || '').split(' ').filter(Boolean), 'gewijzigd');
        keys(container, canvas);
        var figure = container.closest('figure');
        var buttons = figure && figure.querySelector('[data-diagram-knoppen]');
        if (buttons) {
          buttons.hidden = false;
          buttons.querySelectorAll('[data-zoom]').forEach(function (b) {
            b.addEventListener('click', function () { zoom(canvas, b.dataset.zoom); });
          });
        }
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
