// The employee's own active blacklist entries (if any) and how to appeal; shown only when listed.
"use strict";
(async () => {
  try {
    const r = await api("GET", "/v1/me/blacklist");
    if (!r.listed) return;
    const body = $("my-blacklist-table").querySelector("tbody"); body.innerHTML = "";
    for (const e of r.entries) {
      const tr = document.createElement("tr");
      cell(tr, `${e.centre_name}（${e.centre}）`); cell(tr, e.reason_zh); cell(tr, beijing(e.listed_at));
      cell(tr, beijing(e.expires_at)); cell(tr, e.under_appeal ? "申诉中" : "有效");
      body.appendChild(tr);
    }
    $("my-blacklist-how").textContent = r.how_to_appeal_zh;
    $("my-blacklist").hidden = false;
  } catch (e) { /* not logged in or the chain is down: the rest of the page says so */ }
})();
