/* LeadCourt: small progressive enhancements. Every page works without this
   file; with it the nav collapses on phones and HTMX actions show their
   flash messages in place. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function messagesBox() {
    return document.getElementById("messages");
  }

  function showMessage(level, text) {
    var box = messagesBox();
    if (!box) return;
    var item = document.createElement("li");
    item.className = "message message-" + (level || "info");
    item.setAttribute("role", level === "error" ? "alert" : "status");
    var span = document.createElement("span");
    span.textContent = text;
    item.appendChild(span);
    item.appendChild(closeButton());
    box.appendChild(item);
    // Keep the list short: a rep deciding many leads sees the latest few.
    while (box.children.length > 4) box.removeChild(box.firstElementChild);
  }

  function closeButton() {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "message-close";
    button.setAttribute("aria-label", "Dismiss");
    button.textContent = "\u00d7";
    return button;
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target.classList && target.classList.contains("message-close")) {
      var item = target.closest(".message");
      if (item) item.remove();
    }
    if (target.closest && target.closest(".nav-toggle")) {
      var nav = target.closest(".nav");
      var open = nav.classList.toggle("open");
      target.closest(".nav-toggle").setAttribute("aria-expanded", open ? "true" : "false");
    }
  });

  // Views answer HTMX actions with HX-Trigger: {"leadcourt:messages": [{level, text}]}.
  document.addEventListener("leadcourt:messages", function (event) {
    var list = (event.detail && event.detail.value) || event.detail || [];
    if (!Array.isArray(list)) return;
    list.forEach(function (m) { showMessage(m.level, m.text); });
  });

  // A refusal the view did not render in place (404, 500, network): say so.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.getResponseHeader("HX-Trigger")) return; // the view sent its own message
    var status = xhr ? xhr.status : 0;
    var text = status === 404
      ? "That lead is no longer yours to act on (it may have been reassigned). Reload the page."
      : "Something went wrong (" + status + "). Reload the page and try again.";
    showMessage("error", text);
  });
  document.addEventListener("htmx:sendError", function () {
    showMessage("error", "The server could not be reached. Check your connection and try again.");
  });

  // A row that leaves its list (accepted, rejected, closed) lowers the count in the heading.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (detail.xhr.status >= 300 || detail.serverResponse !== "") return;
    if (!detail.target.matches || !detail.target.matches("li.item, tr[id^=lead-]")) return;
    Array.prototype.forEach.call(document.querySelectorAll("[data-count]"), function (counter) {
      var n = parseInt(counter.textContent, 10);
      if (n > 0) counter.textContent = String(n - 1);
    });
  });

  // Reason pickers: say when the chosen reason needs a note.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select[data-note-target]")) return;
    var note = document.getElementById(select.getAttribute("data-note-target"));
    if (!note) return;
    var option = select.options[select.selectedIndex];
    var needed = option && option.getAttribute("data-requires-note") === "true";
    note.required = needed;
    var label = document.querySelector('label[for="' + note.id + '"] .note-needed');
    if (label) label.hidden = !needed;
  });

  // One inline form open at a time; focus its first field.
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!details.matches || !details.matches("details.action") || !details.open) return;
    Array.prototype.forEach.call(document.querySelectorAll("details.action[open]"), function (other) {
      if (other !== details) other.open = false;
    });
    var first = details.querySelector(".inline-panel [aria-invalid=true]") ||
      details.querySelector(".inline-panel select, .inline-panel input:not([type=hidden]), .inline-panel textarea");
    if (first) first.focus();
  }, true);

  // Escape closes an open inline form and returns focus to its button.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var details = event.target.closest && event.target.closest("details.action[open]");
    if (!details) return;
    details.open = false;
    var summary = details.querySelector("summary");
    if (summary) summary.focus();
  });

  // Put the close button on messages rendered by the server too.
  document.addEventListener("DOMContentLoaded", function () {
    var box = messagesBox();
    if (!box) return;
    Array.prototype.forEach.call(box.querySelectorAll(".message"), function (item) {
      if (!item.querySelector(".message-close")) item.appendChild(closeButton());
    });
  });
})();
