// Kontor's small page script: CSRF header for htmx, table selection and context menu,
// live notifications one at a time. No inline scripts (the CSP forbids them).
(function () {
  "use strict";

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)kontor_csrf=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  document.addEventListener("htmx:config:request", function (event) {
    var ctx = event.detail && event.detail.ctx;
    if (ctx && ctx.request && ctx.request.headers) {
      ctx.request.headers["X-CSRF-Token"] = csrfToken();
    }
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.classList && target.classList.contains("js-submit-on-change") && target.form) {
      target.form.requestSubmit();
    }
  });

  // ---- tables: selection (checkbox column last) and the context menu ----
  var allMatching = false;

  function tableArea() { return document.getElementById("table-area"); }

  function selectedRows() {
    var area = tableArea();
    if (!area) { return []; }
    return Array.prototype.slice.call(area.querySelectorAll("input.select-row:checked"))
      .map(function (box) { return box.closest("tr"); });
  }

  function updateSelection() {
    var area = tableArea();
    if (!area) { return; }
    var count = selectedRows().length;
    var info = area.querySelector(".selection-info");
    if (info) {
      info.hidden = count === 0 && !allMatching;
      area.querySelector(".selected-count").textContent =
        allMatching ? area.dataset.total : String(count);
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target.classList) { return; }
    if (target.classList.contains("select-page")) {
      tableArea().querySelectorAll("input.select-row").forEach(function (box) {
        box.checked = target.checked;
      });
    }
    if (target.classList.contains("select-row") || target.classList.contains("select-page")) {
      allMatching = false;
      updateSelection();
    }
  });

  var menuOpener = null;

  function openMenu(row, x, y) {
    var dialog = document.getElementById("row-menu");
    if (!dialog) { return; }
    menuOpener = document.activeElement;
    if (!dialog.dataset.watched) {
      dialog.dataset.watched = "1";
      dialog.addEventListener("close", function () {  // keyboard users go back where they were
        if (menuOpener && menuOpener.isConnected) { menuOpener.focus(); }
      });
    }
    var form = dialog.querySelector("form");
    var ids = dialog.querySelector(".menu-ids");
    var scope = dialog.querySelector(".menu-scope");
    var selected = selectedRows();
    var rows;
    var useAll = false;
    if (row && selected.indexOf(row) === -1) {
      rows = [row];  // right-clicked outside the selection: only this row
    } else if (allMatching) {
      rows = [];
      useAll = true;
    } else {
      rows = selected.length ? selected : (row ? [row] : []);
    }
    if (!rows.length && !useAll) { return; }
    ids.textContent = "";
    rows.forEach(function (r) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "ids";
      input.value = r.dataset.id;
      ids.appendChild(input);
    });
    form.elements.namedItem("all").value = useAll ? tableArea().dataset.allToken : "";
    var many = useAll || rows.length > 1;
    if (useAll) {
      scope.textContent = dialog.dataset.allText.replace("{n}", tableArea().dataset.total);
    } else if (many) {
      scope.textContent = dialog.dataset.manyText.replace("{n}", String(rows.length));
    } else {
      scope.textContent = dialog.dataset.oneText.replace("{title}", rows[0].dataset.title);
    }
    dialog.querySelectorAll("[data-single-only]").forEach(function (button) {
      button.hidden = many;
    });
    dialog.showModal();
    if (typeof x === "number") {
      dialog.style.setProperty("--menu-x", Math.min(x, window.innerWidth - 280) + "px");
      dialog.style.setProperty("--menu-y", Math.min(y, window.innerHeight - 320) + "px");
    }
    var first = dialog.querySelector(".menu-actions button:not([hidden])");
    if (first) { first.focus(); }
  }

  document.addEventListener("contextmenu", function (event) {
    var row = event.target.closest && event.target.closest("tr.data-row");
    if (!row || !document.getElementById("row-menu")) { return; }
    event.preventDefault();
    openMenu(row, event.clientX, event.clientY);
  });

  document.addEventListener("keydown", function (event) {
    var row = event.target.closest && event.target.closest("tr.data-row");
    if (!row) { return; }
    if (event.key === "ContextMenu" || (event.shiftKey && event.key === "F10")) {
      event.preventDefault();
      var box = row.getBoundingClientRect();
      openMenu(row, box.left + 40, box.bottom);
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest) { return; }
    if (target.closest(".open-selection-menu")) {
      var button = target.closest(".open-selection-menu").getBoundingClientRect();
      openMenu(null, button.left, button.bottom);
    } else if (target.closest(".select-all-matching")) {
      allMatching = true;
      tableArea().querySelectorAll("input.select-row, input.select-page").forEach(function (box) {
        box.checked = true;
      });
      updateSelection();
    } else if (target.closest(".menu-close")) {
      target.closest("dialog").close();
    }
  });

  document.addEventListener("submit", function (event) {
    var dialog = event.target.closest && event.target.closest("dialog.context-menu");
    if (dialog) { setTimeout(function () { dialog.close(); }, 0); }
  });

  document.addEventListener("htmx:after:swap", function () {
    allMatching = false;
    updateSelection();
  });

  // ---- notifications: live over SSE, shown one at a time, in order ----
  var queue = [];
  var showing = null;

  function showNext() {
    var area = document.getElementById("notifications");
    if (!area) { return; }
    var box = area.querySelector(".notification");
    showing = queue.shift() || null;
    if (!showing) { box.hidden = true; reserveRoomFor(null); return; }
    box.querySelector(".notification-subject").textContent = showing.subject;
    var when = new Date(showing.created_at);
    box.querySelector(".notification-meta").textContent = when.toLocaleString(
      document.documentElement.lang === "en" ? "en-GB" : "de-DE",
      { timeZone: "Europe/Berlin", dateStyle: "medium", timeStyle: "short" });
    box.dataset.id = showing.notification_id;
    box.hidden = false;
    reserveRoomFor(box);
  }

  // the page may scroll past the message's corner, so that it never hides what lies beneath
  function reserveRoomFor(box) {
    document.body.style.paddingBottom = box ? (box.offsetHeight + 32) + "px" : "";
  }

  function markRead(id) {
    return fetch("/api/notifications/" + encodeURIComponent(id) + "/read", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfToken() }
    });
  }

  function startStream() {
    var area = document.getElementById("notifications");
    if (!area || !window.EventSource) { return; }
    var source = new EventSource(area.dataset.stream);
    var seen = {};
    source.addEventListener("notification", function (event) {
      var item = JSON.parse(event.data);
      if (seen[item.notification_id]) { return; }
      seen[item.notification_id] = true;
      queue.push(item);
      if (!showing) { showNext(); }
    });
    area.querySelector(".notification-next").addEventListener("click", function () {
      var id = showing && showing.notification_id;
      if (id) { markRead(id); }
      showNext();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", startStream);
  } else {
    startStream();
  }
})();
