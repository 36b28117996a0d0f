// The task view's Camunda Form: form-js (viewer) draws the deployed form-js JSON with the task's
// data; "Entwurf speichern" and "Abschließen" send its data as JSON through the task view's
// routes. The server checks the data against the form and answers with a German message per
// field, which form-js shows at that field: form-js's own checks (English only) are replaced by
// those messages. The bpmn.io watermark that form-js adds stays visible (its licence requires it).
(function () {
  "use strict";

  var viewers = new WeakMap();
  var sending = false;

  function valueAt(data, path) {
    return path.reduce(function (value, part) {
      return value === null || value === undefined ? undefined : value[part];
    }, data);
  }

  // form-js asks its "validator" for each field's problems; these are the server's, for as
  // long as the field keeps the value the server refused.
  function serverChecks(messages, refused) {
    function problems(path, value) {
      var key = path.join(".");
      if (!messages[key]) { return []; }
      if (JSON.stringify(value) !== JSON.stringify(valueAt(refused, path))) {
        delete messages[key];
        return [];
      }
      return [messages[key]];
    }
    return {
      validateField: function (field, value) { return field.key ? problems([field.key], value) : []; },
      validateFieldInstance: function (instance, value) { return problems(instance.valuePath, value); }
    };
  }

  // form-js writes a few words of its own in English ("Select" in an empty drop-down, "Search"
  // in a searchable one): shown in the page's language, also when form-js redraws a field.
  function speakTheLanguage(section) {
    var words = JSON.parse(section.dataset.words || "{}");
    function translate(root) {
      root.querySelectorAll("[placeholder]").forEach(function (field) {
        var word = words[field.getAttribute("placeholder")];
        if (word) { field.setAttribute("placeholder", word); }
      });
      var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      while (walker.nextNode()) {
        var word = words[walker.currentNode.nodeValue.trim()];
        if (word) { walker.currentNode.nodeValue = word; }
      }
    }
    new MutationObserver(function () { translate(section); })
      .observe(section, { childList: true, subtree: true, characterData: true, attributes: true,
                          attributeFilter: ["placeholder"] });
    translate(section);
  }

  function show(section) {
    if (viewers.has(section)) { return; }
    var messages = JSON.parse(section.dataset.errors || "{}");
    var data = JSON.parse(section.dataset.data || "{}");
    var viewer = new window.FormViewer.Form({
      container: section.querySelector(".camunda-form-canvas"),
      debounce: false, // every keystroke is in the data at once, whenever the page sends it
      additionalModules: [{ validator: ["value", serverChecks(messages, data)] }]
    });
    viewers.set(section, viewer);
    speakTheLanguage(section);
    viewer.on("submit", function () {
      // the form's own submit button or Enter in a field: complete the task, like "Abschließen"
      if (!sending) { section.querySelector('form[data-operation="complete"]').requestSubmit(); }
    });
    viewer.importSchema(JSON.parse(section.dataset.schema), data)
      .then(function () {
        if (Object.keys(messages).length) { viewer.validate(); }
        section.dataset.state = "shown";
      })
      .catch(function () {
        section.querySelector(".camunda-form-problem").hidden = false;
        section.dataset.state = "failed";
      });
  }

  // Before htmx reads the form that sends: put form-js's current data into its field "data".
  document.addEventListener("submit", function (event) {
    var send = event.target.closest && event.target.closest("form.camunda-form-send");
    var viewer = send && viewers.get(send.closest(".camunda-form"));
    if (!viewer) { return; }
    sending = true;
    try {
      send.elements.data.value = JSON.stringify(viewer.submit().data);
    } finally {
      sending = false;
    }
  }, true);

  function start() {
    if (!window.FormViewer) { return; }
    document.querySelectorAll(".camunda-form").forEach(show);
  }

  document.addEventListener("htmx:after:swap", start);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
