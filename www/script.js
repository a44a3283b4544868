/* visits: <script defer src="https://VISITS-HOST/visits/script.js"
 * data-site="example.com"></script> sends a page view per page load and
 * per route change (pushState, replaceState, popstate; hashchange with
 * data-hash) to /visits/event. No cookies, no storage: the URL and the
 * referrer only. README.md, "Count your site". */
(function () {
  "use strict";
  var me = document.currentScript;
  var site = me && me.getAttribute("data-site");
  if (!site || !window.JSON) return;
  var endpoint = me.src.replace(/[^\/]*(?:[?#].*)?$/, "event");
  var hash = me.hasAttribute("data-hash");
  var last = null, referrer = document.referrer;

  function send() {
    var here = location.pathname + (hash ? location.hash : "");
    if (here === last) return;
    /* A page prerendered for a visitor who may never look at it. */
    if (document.visibilityState === "prerender") return;
    var body = JSON.stringify({
      site: site,
      url: hash ? location.href : location.href.replace(/#.*$/, ""),
      referrer: referrer
    });
    last = here;
    referrer = location.href;
    /* text/plain: a simple request, no CORS preflight. */
    if (navigator.sendBeacon &&
        navigator.sendBeacon(endpoint, new Blob([body], { type: "text/plain" })))
      return;
    if (window.fetch)
      fetch(endpoint, { method: "POST", body: body, keepalive: true,
                        headers: { "Content-Type": "text/plain" },
                        credentials: "omit" }).catch(function () {});
  }

  function wrap(name) {
    var original = history[name];
    if (!original) return;
    history[name] = function () {
      var result = original.apply(this, arguments);
      send();
      return result;
    };
  }

  wrap("pushState");
  wrap("replaceState");
  addEventListener("popstate", send);
  if (hash) addEventListener("hashchange", send);
  if (document.visibilityState === "prerender")
    document.addEventListener("visibilitychange", send);
  send();
})();
