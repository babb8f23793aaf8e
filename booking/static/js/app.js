// Small improvements only: every page works without JavaScript.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.getAttribute("data-confirm"))) {
    event.preventDefault();
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
