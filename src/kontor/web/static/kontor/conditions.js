// The conditions editor of a table: nested AND/OR groups of conditions, sent as the JSON tree
// the server checks (hidden "cond" field). No inline scripts (the CSP forbids them).
(function () {
  "use strict";

  function fromTemplate(id) {
    var template = document.getElementById(id);
    return template.content.firstElementChild.cloneNode(true);
  }

  function treeOf(group) {
    var parts = [];
    var list = group.querySelector(":scope > .cond-parts");
    Array.prototype.forEach.call(list.children, function (item) {
      var child = item.firstElementChild;
      if (!child) { return; }
      if (child.classList.contains("cond-group")) {
        var inner = treeOf(child);
        if (inner) { parts.push(inner); }
      } else if (child.classList.contains("cond")) {
        var op = child.querySelector(".cond-op").value;
        var value = child.querySelector(".cond-value").value;
        parts.push({
          field: child.querySelector(".cond-field").value,
          op: op,
          value: op === "is_empty" ? (value.trim().toLowerCase() !== "nein") : value
        });
      }
    });
    if (!parts.length) { return null; }
    var join = group.querySelector(":scope > label > .cond-join").value;
    var tree = {};
    tree[join] = parts;
    return tree;
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest || !target.closest(".cond-editor")) { return; }
    var group = target.closest(".cond-group");
    if (target.classList.contains("cond-add")) {
      var item = document.createElement("li");
      item.appendChild(fromTemplate("cond-template"));
      group.querySelector(":scope > .cond-parts").appendChild(item);
      item.querySelector("select").focus();
    } else if (target.classList.contains("cond-add-group")) {
      var nested = document.createElement("li");
      nested.appendChild(fromTemplate("cond-group-template"));
      group.querySelector(":scope > .cond-parts").appendChild(nested);
      nested.querySelector("select").focus();
    } else if (target.classList.contains("cond-remove")) {
      var owner = target.closest(".cond") || group;
      var entry = owner.closest("li");
      var parentGroup = entry && entry.parentElement.closest(".cond-group");
      if (entry) { entry.remove(); }
      var next = parentGroup && parentGroup.querySelector(".cond-add");
      if (next) { next.focus(); }
    }
  });

  // before a form of the editor is sent (htmx listens later, on the form itself)
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !(form.classList.contains("cond-apply") ||
        form.classList.contains("cond-save"))) { return; }
    var top = form.closest(".filter-editor").querySelector(".cond-editor > .cond-group");
    var tree = treeOf(top);
    form.elements.namedItem("cond").value = tree ? JSON.stringify(tree) : "";
  }, true);
})();
