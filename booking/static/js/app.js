// Small improvements only: every page works without JavaScript.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-confirm]");
  if (!button) { return; }
  if (!window.confirm(button.getAttribute("data-confirm"))) {
    event.preventDefault();
  } else if (button.form && !button.form.querySelector("input[name=confirmed]")) {
    // Asked already: the server's confirmation page (for use without JavaScript) is skipped.
    var yes = document.createElement("input");
    yes.type = "hidden"; yes.name = "confirmed"; yes.value = "yes";
    button.form.appendChild(yes);
  }
});

// A select marked data-autosubmit sends its form on change (the button stays for no-JS use).
document.addEventListener("change", function (event) {
  if (event.target.matches("select[data-autosubmit]")) {
    event.target.form.submit();
  }
});

// Surveys: a progress bar of the questions answered so far (the form works without it).
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("[data-survey-form]");
  var bar = document.querySelector("[data-survey-progress]");
  if (!form || !bar) { return; }
  function update() {
    var answered = 0;
    form.querySelectorAll("[data-question]").forEach(function (question) {
      var filled = Array.prototype.some.call(question.querySelectorAll("input, textarea"), function (input) {
        if (input.type === "radio" || input.type === "checkbox") { return input.checked; }
        return input.value.trim() !== "";
      });
      if (filled) { answered += 1; }
    });
    bar.value = answered;
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
});

// Forms sent back with errors: focus the first field in error (its message is tied to it with
// aria-describedby), so a keyboard or screen-reader user lands where the fix is needed.
document.addEventListener("DOMContentLoaded", function () {
  var first = document.querySelector(
    "main [aria-invalid=true], main .question.has-error input, main .question.has-error textarea, main .question.has-error select");
  if (first) { first.focus(); }
});

// Calendar grid: one Tab stop, then arrow keys move between free times and bookings
// (roving tabindex). Home/End go to the first and last time of the day column.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".calendar").forEach(function (grid) {
    var items = Array.prototype.slice.call(grid.querySelectorAll("a.cal-free, a.cal-booking"));
    if (!items.length) { return; }
    function place(el) {
      var col = /\bc-(\d+)\b/.exec(el.className), row = /\brs-(\d+)\b/.exec(el.className);
      return { col: col ? +col[1] : 0, row: row ? +row[1] : 0 };
    }
    items.forEach(function (el) { el.setAttribute("tabindex", "-1"); el._at = place(el); });
    items[0].setAttribute("tabindex", "0");
    function go(from, to) {
      if (!to) { return; }
      from.setAttribute("tabindex", "-1");
      to.setAttribute("tabindex", "0");
      to.focus();
    }
    function inColumn(col) {
      return items.filter(function (el) { return el._at.col === col; })
        .sort(function (a, b) { return a._at.row - b._at.row; });
    }
    function nearest(col, row) {
      var best = null;
      inColumn(col).forEach(function (el) {
        if (!best || Math.abs(el._at.row - row) < Math.abs(best._at.row - row)) { best = el; }
      });
      return best;
    }
    grid.addEventListener("keydown", function (event) {
      var el = event.target;
      if (items.indexOf(el) < 0) { return; }
      var at = el._at, column = inColumn(at.col), i = column.indexOf(el), cols, target = null;
      cols = items.map(function (x) { return x._at.col; })
        .filter(function (c, k, all) { return all.indexOf(c) === k; }).sort(function (a, b) { return a - b; });
      switch (event.key) {
        case "ArrowDown": target = column[i + 1]; break;
        case "ArrowUp": target = column[i - 1]; break;
        case "Home": target = column[0]; break;
        case "End": target = column[column.length - 1]; break;
        case "ArrowRight": case "ArrowLeft":
          var c = cols[cols.indexOf(at.col) + (event.key === "ArrowRight" ? 1 : -1)];
          target = c ? nearest(c, at.row) : null; break;
        default: return;
      }
      event.preventDefault();
      go(el, target);
    });
  });
});

// Copy buttons next to addresses and tokens (the text stays selectable without JavaScript).
document.addEventListener("DOMContentLoaded", function () {
  var body = document.body, label = body.getAttribute("data-copy-label"),
    done = body.getAttribute("data-copied-label");
  if (!navigator.clipboard || !label) { return; }
  document.querySelectorAll("input.copy-field, code.token").forEach(function (source) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button small copy-button";
    button.textContent = label;
    var name = source.getAttribute("aria-label") || (source.labels && source.labels[0] && source.labels[0].textContent);
    if (name) { button.setAttribute("aria-label", label + " : " + name.trim()); }
    var status = document.createElement("span");
    status.className = "copy-status";
    status.setAttribute("role", "status");
    button.addEventListener("click", function () {
      var text = source.value !== undefined && source.tagName === "INPUT" ? source.value : source.textContent;
      navigator.clipboard.writeText(text.trim()).then(function () { status.textContent = done; });
    });
    source.insertAdjacentElement("afterend", status);
    source.insertAdjacentElement("afterend", button);
  });
});

// Forms with fields that apply to one choice only (data-show-for="select id", data-show-value):
// hide the others. Without JavaScript every field shows and the server uses the matching one.
document.addEventListener("DOMContentLoaded", function () {
  var groups = document.querySelectorAll("[data-show-for]");
  function update() {
    groups.forEach(function (group) {
      var select = document.getElementById(group.getAttribute("data-show-for"));
      if (select) { group.hidden = select.value !== group.getAttribute("data-show-value"); }
    });
  }
  groups.forEach(function (group) {
    var select = document.getElementById(group.getAttribute("data-show-for"));
    if (select) { select.addEventListener("change", update); }
  });
  update();
});
