// The item page: autosave each answer, retry until the server acknowledges it, and show the
// server's clock. The server decides everything; this script only reports and displays.
(function () {
  "use strict";
  var form = document.getElementById("answer-form");
  var clock = document.getElementById("clock");
  if (!form || !clock) return;

  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var statusEl = document.getElementById("save-status");
  var clockValue = document.getElementById("clock-value");
  var submitButton = document.getElementById("submit-answer");
  var responseId = parseInt(form.elements.response_id.value, 10);
  var type = form.dataset.type;
  var seq = parseInt(form.dataset.seq, 10) || 0;
  var ackedSeq = seq;
  var inFlight = null;
  var retryDelay = 500;
  var closed = false;

  function setStatus(text, kind) {
    statusEl.textContent = text;
    statusEl.className = "save-status " + (kind || "");
  }

  function currentAnswer() {
    if (type === "single_choice") {
      var checked = form.querySelector('input[name="choice"]:checked');
      return { choice: checked ? checked.value : null };
    }
    if (type === "multiple_choice") {
      return { choices: Array.prototype.map.call(form.querySelectorAll('input[name="choices"]:checked'),
                                                 function (el) { return el.value; }) };
    }
    if (type === "numeric") return { value: form.elements.value.value };
    if (type === "code") return { code: form.elements.code.value };
    return {};
  }

  function post(body, url) {
    return fetch(url || form.dataset.autosaveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        return { status: res.status, data: data };
      });
    });
  }

  // Saves are sent one at a time; the newest answer wins. A failure is retried with backoff,
  // with the same seq, so the server can recognise a retry.
  function save(final) {
    if (closed) return Promise.resolve(false);
    var mySeq = ++seq;
    var body = { response_id: responseId, seq: mySeq, final: !!final, answer: currentAnswer() };
    var url = form.dataset.autosaveUrl;
    if (final && type === "code") {  // code is final through its own endpoint, which grades it
      body = { response_id: responseId, code: currentAnswer().code };
      url = form.action;
    }
    setStatus(final ? "Submitting…" : "Saving…", "pending");
    var attempt = function () {
      return post(body, url).then(function (r) {
        if (r.status === 200) {
          ackedSeq = Math.max(ackedSeq, r.data.seq || mySeq);
          retryDelay = 500;
          if (final) { window.location.assign(r.data.next); return true; }
          // A number is shown as the server read it (e.g. "0,5" saved as 0.5).
          if (ackedSeq === seq) setStatus(type === "numeric" && r.data.value != null ? "Saved as " + r.data.value : "Saved", "ok");
          return true;
        }
        if (r.status >= 400 && r.status < 500) {
          setStatus(r.data.error || "This answer was not accepted.", "error");
          if (r.status === 409 || r.status === 404) { closed = true; setTimeout(function () { window.location.reload(); }, 2500); }
          return false;
        }
        throw new Error("server " + r.status);
      }).catch(function () {
        setStatus("Not saved — retrying…", "error");
        retryDelay = Math.min(retryDelay * 2, 8000);
        return new Promise(function (resolve) { setTimeout(resolve, retryDelay); }).then(attempt);
      });
    };
    inFlight = (inFlight || Promise.resolve()).then(attempt);
    return inFlight;
  }

  var debounce = null;
  form.addEventListener("input", function () {
    clearTimeout(debounce);
    debounce = setTimeout(function () { save(false); }, type === "numeric" || type === "code" ? 600 : 0);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(debounce);
    submitButton.disabled = true;
    save(true).then(function (ok) { if (!ok) submitButton.disabled = false; });
  });
  window.addEventListener("beforeunload", function (event) {
    if (ackedSeq < seq && !closed) { event.preventDefault(); event.returnValue = ""; }
  });

  // "Run sample tests": the server runs them in the sandbox and answers with per-test results.
  var runButton = document.getElementById("run-samples");
  if (runButton) {
    var runStatus = document.getElementById("run-status");
    var runResults = document.getElementById("run-results");
    var cell = function (tag, text, cls) {
      var el = document.createElement(tag);
      el.textContent = text;
      if (cls) el.className = cls;
      return el;
    };
    runButton.addEventListener("click", function () {
      runButton.disabled = true;
      runStatus.textContent = "Running…";
      var runSeq = ++seq;  // the run saves the code too, ordered like any autosave
      var runCode = currentAnswer().code;
      var runOnce = function (tries) {
        return post({ response_id: responseId, code: runCode, seq: runSeq }, form.dataset.runUrl).then(function (r) {
          if (r.status === 503 && tries < 5) {  // the server is busy and says so: try again shortly
            runStatus.textContent = r.data.error || "The grading servers are busy; retrying in a moment.";
            return new Promise(function (resolve) { setTimeout(resolve, 2000 * (tries + 1)); })
              .then(function () { return runOnce(tries + 1); });
          }
          return r;
        });
      };
      runOnce(0).then(function (r) {
        runResults.textContent = "";
        if (r.status !== 200) {
          runStatus.textContent = r.data.error || r.data.message || "The run failed.";
          if (r.status === 409) { closed = true; setTimeout(function () { window.location.reload(); }, 2500); }
          return;
        }
        var d = r.data;
        // "passed" and "failed" are already said by the count; a limit or an error is named.
        var why = d.status === "passed" || d.status === "failed" ? "" : " (" + d.status + ")";
        runStatus.textContent = d.passed + " of " + d.total + " sample tests passed" + why + ", " + d.time_ms + " ms";
        var table = document.createElement("table");
        table.className = "run-table";
        table.appendChild(cell("caption", "Sample test results", "sr-only"));
        var head = document.createElement("tr");
        ["Test", "Result", "Details"].forEach(function (h) {
          var th = cell("th", h);
          th.scope = "col";
          head.appendChild(th);
        });
        table.appendChild(document.createElement("thead")).appendChild(head);
        var body = table.appendChild(document.createElement("tbody"));
        d.tests.forEach(function (t) {
          var row = document.createElement("tr");
          row.className = "test-" + t.status.replace(/ /g, "-");
          row.appendChild(cell("td", t.name));
          row.appendChild(cell("td", t.status, "status"));
          row.appendChild(cell("td", t.message || ""));
          body.appendChild(row);
          if (t.stdout || t.stderr) {
            var out = document.createElement("tr");
            var td = document.createElement("td");
            td.colSpan = 3;
            td.appendChild(cell("pre", (t.stdout || "") + (t.stderr || "")));
            out.appendChild(td);
            body.appendChild(out);
          }
        });
        runResults.appendChild(table);
        (d.stopped || []).forEach(function (s) { runResults.appendChild(cell("p", "Stopped: " + s.what + " — " + s.why, "notice")); });
        ackedSeq = Math.max(ackedSeq, runSeq);
        if (ackedSeq === seq) setStatus("Saved", "ok");
      }).catch(function () {
        runStatus.textContent = "Could not reach the server; try again.";
      }).then(function () { runButton.disabled = false; });
    });
  }

  // The countdown: the server's remaining time, re-read every 15 s; the browser clock only ticks.
  // The visible clock is not a live region (it would be read every second); a separate polite
  // region says the time left when it crosses 5 minutes and 1 minute, and when it is up, once each.
  var announcer = document.getElementById("clock-announcer");
  var endsAt = performance.now() + parseFloat(clock.dataset.remaining) * 1000;
  var lastLeft = null;
  var announced = {};
  var MARKS = [[300, "5 minutes left in this section."], [60, "1 minute left in this section."],
               [0, "Time is up. Your saved answers count."]];
  function announce(left) {
    MARKS.forEach(function (mark) {
      if (lastLeft !== null && lastLeft > mark[0] && left <= mark[0] && !announced[mark[0]]) {
        announced[mark[0]] = true;
        if (announcer) announcer.textContent = mark[1];
      }
    });
    lastLeft = left;
  }
  function render() {
    var left = Math.max(0, Math.round((endsAt - performance.now()) / 1000));
    var text = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    if (clockValue.textContent !== text) clockValue.textContent = text;
    clock.classList.toggle("low", left <= 60);
    announce(left);
    if (left === 0 && !closed) {
      closed = true;
      setStatus("Time is up. Closing this section…", "error");
      Array.prototype.forEach.call(form.elements, function (el) { el.disabled = true; });
      // The server closes the section once its deadline (plus grace) has passed.
      setTimeout(function () { window.location.reload(); }, 1500);
    }
  }
  function sync() {
    fetch(clock.dataset.clockUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (res) { return res.json(); })
      .then(function (data) {
        if (data.status !== "active" || data.response_id !== responseId) { closed = true; window.location.reload(); return; }
        endsAt = performance.now() + data.remaining_seconds * 1000;
      }).catch(function () { /* offline: keep ticking on the last known deadline */ });
  }
  render();
  setInterval(render, 250);
  setInterval(sync, 15000);

  // Integrity signals, as the start page tells the candidate: the page losing focus, the tab
  // hidden, and pastes with their length (never their content). The company sees signals only.
  var signalUrl = clock.dataset.clockUrl.replace(/\/clock$/, "/signal");
  function signal(kind, size) {
    var body = { kind: kind };
    if (size !== undefined) body.size = size;
    fetch(signalUrl, { method: "POST", credentials: "same-origin", keepalive: true,
                       headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
                       body: JSON.stringify(body) }).catch(function () { /* a lost signal is no harm */ });
  }
  // Going to the next question hides the page too: that is no signal.
  var leaving = false;
  window.addEventListener("beforeunload", function () { leaving = true; });
  window.addEventListener("pagehide", function () { leaving = true; });
  window.addEventListener("blur", function () { if (!closed && !leaving) signal("focus_lost"); });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden && !closed && !leaving) signal("tab_hidden");
  });
  document.addEventListener("paste", function (event) {
    var text = event.clipboardData ? event.clipboardData.getData("text") : "";
    signal("paste", text.length);
  }, true);
})();
