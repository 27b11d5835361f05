// django-celery-beat's periodic-task admin form: under the crontab field, the chosen schedule in
// words. The package ships this inline; it lives here because the CSP allows no inline script.
(() => {
  "use strict";
  const $ = window.django?.jQuery;
  const source = document.getElementById("readable-crontabs");
  if (!$ || !source) return;
  const readable = JSON.parse(source.textContent);
  const help = document.currentScript?.dataset.crontabHelp ?? "";
  $(".field-crontab_translation").hide();
  $(".field-crontab").on("change", () => {
    const text = readable[$("#id_crontab").val()];
    $(".field-crontab .help")
      .text(help)
      .append(document.createElement("br"), document.createTextNode(`Translation: ${text ?? ""}`));
  });
})();
