// visits report: keeps /visits current without reloading. Polls
// /visits.json (same parameters as the page) about once a second, updates
// the numbers, the chart's bars and the table in place, pauses while the
// tab is hidden, and says so when the data is stale or the server cannot be
// reached. Text goes in through textContent only.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var url = "/visits.json" + location.search;
  var svg = document.getElementById("chart");
  var status = document.getElementById("status");     // the live region
  var updated = document.getElementById("updated");   // not announced
  var age = document.getElementById("age");
  var focusLine = document.getElementById("chart-focus");
  var lastOk = Date.now(), lastPaths = "", timer = null, busy = false, failures = 0;
  if (!svg || !status || !updated || !age) return;

  var fmt = function (n) { return Number(n).toLocaleString("en-US"); };
  var geom = {
    left: +svg.dataset.left, top: +svg.dataset.top,
    w: +svg.dataset.plotW, h: +svg.dataset.plotH
  };

  function setText(el, text) {
    if (el && el.textContent !== String(text)) el.textContent = text;
  }

  function barHeight(v, max) {
    if (v <= 0) return 0;
    if (v >= max) return geom.h;
    return Math.max(1, v * geom.h / max);
  }

  // x labels sit on round local times (chart.x_labels, chosen by the
  // server), so the set moves as the window slides: rebuilt only then.
  function renderLabels(d) {
    var group = svg.querySelector("g.xlabels"), want = d.chart.x_labels;
    var major = d.chart.x_major;
    var have = group.querySelectorAll("text"), same = have.length === want.length, k;
    for (k = 0; same && k < want.length; k++) same = +have[k].dataset.i === want[k];
    if (!same) {
      var slot = geom.w / d.buckets.length, y = svg.viewBox.baseVal.height - 8;
      var nodes = want.map(function (i) {
        var t = document.createElementNS(SVG, "text");
        t.setAttribute("x", (geom.left + slot * i + slot / 2).toFixed(1));
        t.setAttribute("y", y);
        t.dataset.i = i;
        if (major.indexOf(i) >= 0) t.setAttribute("class", "major");
        return t;
      });
      group.replaceChildren.apply(group, nodes);
      have = nodes;
    }
    for (k = 0; k < want.length; k++) {
      var b = d.buckets[want[k]];
      if (b) setText(have[k], b.local.substr(11));
    }
  }

  // Bars keep their DOM nodes: only heights, titles and labels change, so
  // nothing flickers and keyboard focus stays where it is.
  function renderChart(d) {
    var groups = svg.querySelectorAll("g.bars g.b");
    if (groups.length !== d.buckets.length) return;  // other window: reload shows it
    var max = d.chart.y_max, i;
    for (i = 0; i < groups.length; i++) {
      var b = d.buckets[i], g = groups[i];
      var h = barHeight(b.visits, max);
      var bar = g.querySelector("rect.bar");
      bar.setAttribute("y", (geom.top + geom.h - h).toFixed(1));
      bar.setAttribute("height", h.toFixed(1));
      setText(g.querySelector("title"), b.local + " " + d.tz + ": " + fmt(b.visits) +
              (b.visits === 1 ? " visit" : " visits") +
              (i === groups.length - 1 ? " so far" : ""));
    }
    renderLabels(d);
    var grid = svg.querySelector("g.grid");
    var lines = grid.querySelectorAll("text");
    if (lines.length === d.chart.y_ticks.length) {
      for (i = 0; i < lines.length; i++) setText(lines[i], d.chart.y_labels[i]);
    } else {
      while (grid.firstChild) grid.removeChild(grid.firstChild);
      d.chart.y_ticks.forEach(function (t, k) {
        var y = (geom.top + geom.h - barHeight(t, max)).toFixed(1);
        var line = document.createElementNS(SVG, "line");
        line.setAttribute("x1", geom.left); line.setAttribute("x2", geom.left + geom.w);
        line.setAttribute("y1", y); line.setAttribute("y2", y);
        var text = document.createElementNS(SVG, "text");
        text.setAttribute("x", geom.left - 6); text.setAttribute("y", +y + 4);
        text.setAttribute("class", "ylabel");
        text.textContent = d.chart.y_labels[k];
        grid.appendChild(line); grid.appendChild(text);
      });
    }
  }

  // The report's canonical spelling of a query (lib/report/params.c): site,
  // window, top, tz, path in that order, escaped as query_string_encode does; any
  // other spelling is answered with a redirect to it.
  function encodeValue(s) {
    return encodeURIComponent(s).replace(/%2F/g, "/").replace(/[!'()*]/g, function (c) {
      return "%" + c.charCodeAt(0).toString(16).toUpperCase();
    });
  }

  function pathHref(d, path) {
    var q = new URLSearchParams(location.search), parts = [];
    q.set("path", path);
    q.set("window", d.window);
    ["site", "window", "top", "tz", "path"].forEach(function (k) {
      if (q.has(k)) parts.push(k + "=" + encodeValue(q.get(k)));
    });
    return "/visits?" + parts.join("&");
  }

  function renderPaths(d) {
    var key = JSON.stringify(d.paths);
    if (key === lastPaths) return;
    lastPaths = key;
    var body = document.querySelector("#paths tbody");
    var rows = d.paths.map(function (p) {
      var tr = document.createElement("tr");
      var td = document.createElement("td");
      td.className = "path";
      var a = document.createElement("a");
      a.href = pathHref(d, p.path);
      a.textContent = p.path;
      td.appendChild(a);
      tr.appendChild(td);
      [fmt(p.visits), (p.share * 100).toFixed(1) + "%"].forEach(function (t) {
        var c = document.createElement("td");
        c.className = "num";
        c.textContent = t;
        tr.appendChild(c);
      });
      return tr;
    });
    if (!rows.length) {
      var tr = document.createElement("tr"), td = document.createElement("td");
      td.colSpan = 3;
      td.textContent = "No visits in this window yet.";
      tr.appendChild(td);
      rows.push(tr);
    }
    body.replaceChildren.apply(body, rows);
  }

  function render(d) {
    setText(document.getElementById("rate"), d.rate.per_second.toFixed(1));
    setText(document.getElementById("current"), fmt(d.current_minute));
    setText(document.getElementById("total"), fmt(d.total));
    setText(document.getElementById("change"), d.change === null
      ? "none in the window before"
      : (d.change >= 0 ? "+" : "") + (d.change * 100).toFixed(1) + "% vs the " +
        d.window + " before");
    renderChart(d);
    renderPaths(d);
  }

  // The live region changes only with the state (live, paused, failing),
  // so a screen reader is not interrupted every second; the time and age
  // next to it change silently.
  function showStatus(text, stale) {
    status.parentNode.className = stale ? "status stale" : "status";
    setText(status, text);
    var secs = Math.round((Date.now() - lastOk) / 1000);
    setText(age, stale ? " (" + secs + " s ago)" : "");
  }

  // When the numbers arrived, by this browser's clock: a 304 revalidation
  // hands back the stored body, whose generated_at may be minutes old on a
  // quiet site.
  function showUpdated() {
    var now = new Date().toISOString();
    updated.setAttribute("datetime", now);
    setText(updated, now.substr(11, 8) + " UTC");
  }

  function tick() {
    timer = null;
    if (document.hidden) {
      showStatus("Paused while this tab is hidden; last updated", false);
      return;
    }
    if (busy) return schedule();
    busy = true;
    // A request that hangs (a server or proxy gone quiet) must not stop
    // the updates for good: give up after 5 s and say so.
    var ctl = window.AbortController ? new AbortController() : null;
    var limit = ctl && setTimeout(function () { ctl.abort(); }, 5000);
    fetch(url, { cache: "no-cache", headers: { Accept: "application/json" },
                 signal: ctl ? ctl.signal : undefined })
      .then(function (r) {
        if (!r.ok) {
          // Our worker explains in one plain line; nginx's own pages are HTML.
          var plain = (r.headers.get("Content-Type") || "").indexOf("text/plain") === 0;
          return (plain ? r.text() : Promise.resolve("")).then(function (t) {
            throw new Error(t.trim().slice(0, 200) || "HTTP " + r.status);
          });
        }
        return r.json();
      })
      .then(function (d) {
        render(d);
        lastOk = Date.now();
        failures = 0;
        showUpdated();
        showStatus("Live, every second; updated", false);
      })
      .catch(function (e) {
        failures++;
        var why = e.name === "AbortError" ? "no answer within 5 s" : e.message;
        if (!/retrying$/.test(why)) why += "; retrying";
        showStatus("Not updating: " + why + ". Last updated", true);
      })
      .then(function () { clearTimeout(limit); busy = false; schedule(); });
  }

  function schedule() {
    // Back off to 5 s while the server keeps failing.
    if (!timer) timer = setTimeout(tick, failures ? Math.min(5000, 1000 * failures) : 1000);
  }

  function showBar(ev) {
    var g = ev.target.closest && ev.target.closest("g.b");
    if (g) setText(focusLine, g.querySelector("title").textContent);
  }
  svg.addEventListener("mouseover", showBar);
  svg.addEventListener("focusin", showBar);

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      clearTimeout(timer);
      timer = null;
      tick();
    }
  });
  tick();
})();
