// Asks before the state buttons that cannot be taken back (Reset, Close): the question is the
// form's data-confirm text. Without scripts the form posts at once, as any other.
(function () {
  "use strict";

  document.addEventListener("submit", (event) => {
    const question = event.target.dataset && event.target.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
