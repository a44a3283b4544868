/* The demo single-page app: links marked data-route change the route with
 * history.pushState instead of loading a page. */
(function () {
  "use strict";
  function show() {
    var path = location.pathname;
    document.getElementById("title").textContent =
      path === "/" ? "Home" : path.slice(1).replace(/\//g, " / ");
  }
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[data-route]");
    if (!a) return;
    e.preventDefault();
    if (a.pathname !== location.pathname) history.pushState(null, "", a.pathname);
    show();
  });
  addEventListener("popstate", show);
  show();
})();
