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
