// Small progressive enhancements; every page works without this file (CSP: script-src 'self', no inline code).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-print]");
  if (button) {
    event.preventDefault();
    window.print();
  }
});
