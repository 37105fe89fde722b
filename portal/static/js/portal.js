// Small enhancements only: every journey works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the error summary so screen-reader and keyboard users hear it first.
  const summary = document.querySelector("[data-autofocus]");
  if (summary) {
    summary.focus();
  }
});

// A long import shows that it is working: the form's progress bar appears on submit.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.hasAttribute("data-progress")) {
    const bar = form.querySelector("progress");
    if (bar) {
      bar.hidden = false;
    }
  }
});
