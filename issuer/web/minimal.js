// The request form's "最小披露证明" choice: says what the chosen purpose's minimal certificate
// shows (GET /v1/purposes carries each purpose's summary; docs/privacy.md lists them).
"use strict";
(function () {
  const box = document.getElementById("minimal");
  const purpose = document.getElementById("purpose");
  const hint = document.getElementById("minimal-hint");
  if (!box || !purpose || !hint) return;
  if (typeof EN === "object") {  // portal.js's English table
    Object.assign(EN, {
      "最小披露证明": "Minimal certificate",
      "链上记录已加密，只有公积金中心能解读，他人无法据此追踪您；机构查询您的黑名单状态也会列在这里。":
        "The records on chain are encrypted: only the fund centres can read them, so nobody can follow you by them. Blacklist checks of you are listed here too.",
    });
    if (typeof applyLang === "function") applyLang();
  }
  const zh = () => typeof LANG === "undefined" || LANG === "zh";
  let summaries = {};
  function update() {
    const s = summaries[purpose.value];
    hint.hidden = !box.checked || !s;
    hint.textContent = !s ? "" : zh() ? "最小披露证明：" + s + "。"
      : "A minimal certificate shows only what this purpose needs, plus statements signed by the centre (see the centre's privacy notice).";
  }
  fetch("/v1/purposes", { credentials: "same-origin" })
    .then((r) => (r.ok ? r.json() : { purposes: [] }))
    .then((d) => { for (const p of d.purposes || []) summaries[p.id] = p.minimal; update(); })
    .catch(() => {});
  box.addEventListener("change", update);
  purpose.addEventListener("change", update);
})();
