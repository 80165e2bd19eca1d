// Content that cannot reflow (a wide table, a long formula) scrolls sideways in its own box so
// that the page never does (WCAG 1.4.10). A box that really scrolls gets a keyboard stop, so it
// can be scrolled without a mouse (WCAG 2.1.1); one that fits gets none.
(function () {
  "use strict";
  function fit() {
    document.querySelectorAll(".math.inline").forEach(function (el) {
      el.classList.remove("too-wide");
      el.removeAttribute("tabindex");
      var box = el.parentElement.getBoundingClientRect();
      var formula = el.querySelector("math") || el;  // $$...$$ inside a paragraph: a block in a span
      if (formula.getBoundingClientRect().width > box.width || formula.scrollWidth > formula.clientWidth + 1) {
        el.classList.add("too-wide");
      }
    });
    document.querySelectorAll(".table-scroll, .math.block, .math.inline.too-wide").forEach(function (el) {
      if (el.scrollWidth > el.clientWidth + 1) el.setAttribute("tabindex", "0");
      else el.removeAttribute("tabindex");
    });
  }
  window.addEventListener("resize", fit);  // cheap: a handful of elements per page
  fit();
})();
