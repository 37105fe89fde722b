// Small enhancements only: every journey works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the error summary so screen-reader and keyboard users hear it first.
  const summary = document.querySelector("[data-autofocus]");
  if (summary) {
    summary.focus();
  }
});

// A long import shows that it is working: the form's progress bar appears on submit and,
// when the form names a progress URL, follows the rows checked and saved on the server.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-progress")) {
    return;
  }
  const box = form.querySelector(".import-progress") || form.querySelector("progress");
  if (box) {
    box.hidden = false;
  }
  const url = form.getAttribute("data-progress-url");
  const bar = form.querySelector("progress");
  const text = form.querySelector("[data-progress-text]");
  if (!url || !bar) {
    return;
  }
  const poll = () => {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => {
        if (data && data.total) {
          bar.max = data.total;
          bar.value = data.done;
          if (text) {
            text.textContent = text.getAttribute("data-template").replace("{percent}", data.percent);
          }
        }
      })
      .catch(() => {})
      .finally(() => window.setTimeout(poll, 500));
  };
  window.setTimeout(poll, 500);
});
