// Wide tables scroll sideways in their own container (.tabel-scroll), never the page. A container that
// actually scrolls becomes a labelled, focusable region, so keyboard users can scroll it too (WCAG 2.1.1).
(function () {
  function update(box) {
    if (box.scrollWidth > box.clientWidth + 1) {
      var caption = box.querySelector('caption');
      box.tabIndex = 0;
      box.setAttribute('role', 'region');
      box.setAttribute('aria-label', (caption ? caption.textContent.trim() : 'Tabel') + ' (schuift zijwaarts)');
    } else {
      box.removeAttribute('tabindex');
      box.removeAttribute('role');
      box.removeAttribute('aria-label');
    }
  }
  function all() { document.querySelectorAll('.tabel-scroll').forEach(update); }
  document.addEventListener('DOMContentLoaded', all);
  document.addEventListener('htmx:afterSwap', all);
  window.addEventListener('resize', all);
})();

// A form is sent once: a second click (or Enter) while the first submission is on its way is ignored, so a double
// click files one report, one case, one message - not two. Pressing "back" (the page restored from the browser's
// cache) or a submission that stays on the page (a download) allows sending again after a few seconds.
(function () {
  var WAIT_MS = 8000;
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || (form.method || '').toLowerCase() !== 'post') { return; }
    if (event.defaultPrevented) { return; }
    if (form.dataset.verzonden) {
      event.preventDefault();
      return;
    }
    form.dataset.verzonden = '1';
    form.setAttribute('aria-busy', 'true');
    window.setTimeout(function () { delete form.dataset.verzonden; form.removeAttribute('aria-busy'); }, WAIT_MS);
  });
  window.addEventListener('pageshow', function () {
    document.querySelectorAll('form[data-verzonden]').forEach(function (form) {
      delete form.dataset.verzonden;
      form.removeAttribute('aria-busy');
    });
  });
})();
