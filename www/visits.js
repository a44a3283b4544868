// Keeps /visits current: polls /visits.json about once a second and updates
// the numbers and tables in place. Pauses while the tab is hidden and says
// so when the data is stale. Strings go in through textContent only.
(function () {
  "use strict";
  var body = document.body;
  var url = "/visits.json?window=" + encodeURIComponent(body.dataset.window) +
            "&top=" + encodeURIComponent(body.dataset.top);
  var status = document.getElementById("status");
  var lastOk = Date.now(), timer = null, busy = false;

  function text(id, value) {
    var el = document.getElementById(id);
    if (el.textContent !== String(value)) el.textContent = value;
  }

  function cell(tr, value, cls) {
    var td = document.createElement("td");
    if (cls) td.className = cls;
    td.textContent = value;
    tr.appendChild(td);
    return td;
  }

  function render(d) {
    var n = d.minutes.length;
    text("current", n ? d.minutes[n - 1].visits : 0);
    text("total", d.total);
    var upd = document.getElementById("updated");
    upd.dateTime = d.generated_at;
    upd.textContent = d.generated_at.substr(11, 8);

    var max = 1, i, tr, rows = [];
    for (i = 0; i < n; i++) max = Math.max(max, d.minutes[i].visits);
    for (i = n - 1; i >= 0; i--) {
      var m = d.minutes[i];
      tr = document.createElement("tr");
      if (i === n - 1) tr.className = "now";
      var t = document.createElement("time");
      t.dateTime = m.start;
      t.textContent = m.start.substr(11, 5);
      cell(tr, "").appendChild(t);
      cell(tr, m.visits, "num");
      var bar = document.createElement("span");
      bar.style.width = Math.floor(m.visits * 100 / max) + "%";
      cell(tr, "", "bar").appendChild(bar);
      rows.push(tr);
    }
    document.querySelector("#minutes tbody").replaceChildren.apply(
      document.querySelector("#minutes tbody"), rows);

    rows = [];
    for (i = 0; i < d.paths.length; i++) {
      tr = document.createElement("tr");
      cell(tr, d.paths[i].path, "path");
      cell(tr, d.paths[i].visits, "num");
      rows.push(tr);
    }
    document.querySelector("#paths tbody").replaceChildren.apply(
      document.querySelector("#paths tbody"), rows);
  }

  function tick() {
    timer = null;
    if (document.hidden || busy) return schedule();
    busy = true;
    fetch(url, { cache: "no-store" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then(function (d) {
      render(d);
      lastOk = Date.now();
      status.className = "";
      status.textContent = "Live: updated every second.";
    }).catch(function (e) {
      var age = Math.round((Date.now() - lastOk) / 1000);
      status.className = "stale";
      status.textContent = "Cannot reach the server (" + e.message +
        "); the numbers are " + age + " s old. Retrying.";
    }).then(function () { busy = false; schedule(); });
  }

  function schedule() {
    if (!timer) timer = setTimeout(tick, 1000);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { clearTimeout(timer); timer = null; tick(); }
  });
  status.textContent = "Live: updated every second.";
  schedule();
})();
