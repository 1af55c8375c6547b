// A minimal certificate's disclosed facts in plain words (例如："连续缴存满 12 个月：是"), and
// which fields the holder withheld (names only, never values). app.js announces each result.
"use strict";
(function () {
  const NAMES = {
    name: ["姓名", "name"], id_masked: ["证件号码", "ID number"], employer_name: ["单位名称", "employer"],
    employer_account: ["单位账号", "employer account"], account_masked: ["个人账号", "personal account"],
    account_status: ["账户状态", "account status"], account_opened: ["开户日期", "account opened"],
    deposit_base: ["缴存基数", "deposit base"], employee_rate_bp: ["个人缴存比例", "employee rate"],
    employer_rate_bp: ["单位缴存比例", "employer rate"], monthly_amount: ["月缴存额", "monthly amount"],
    first_month: ["首次缴存年月", "first month"], last_month: ["最近缴存年月", "last month"],
    months_continuous: ["连续缴存月数", "months paid continuously"], balance: ["账户余额", "balance"],
    loan_outstanding: ["公积金贷款", "provident-fund loan"],
  };
  function show(r) {
    const box = document.getElementById("disclosure");
    if (!box) return;
    const zh = (localStorage.getItem("hpf-lang") || "zh") === "zh";
    const c = (r && r.certificate) || {};
    box.innerHTML = "";
    box.hidden = c.disclosure !== "minimal";
    if (box.hidden) return;
    const h = document.createElement("h2");
    h.textContent = zh ? "最小披露证明：中心签署的说明" : "Minimal certificate: statements signed by the centre";
    box.appendChild(h);
    const ul = document.createElement("ul");
    for (const claim of r.claims || []) {
      const li = document.createElement("li");
      li.textContent = zh ? claim.text_zh : claim.text;
      li.className = claim.holds ? "claim-yes" : "claim-no";
      ul.appendChild(li);
    }
    box.appendChild(ul);
    const p = document.createElement("p");
    p.className = "muted";
    const withheld = (c.withheld || []).map((k) => (NAMES[k] ? NAMES[k][zh ? 0 : 1] : k));
    p.textContent = zh ? "持证人未披露：" + (withheld.join("、") || "无") + "（证明仅列出用途所需的信息）。"
      : "Withheld by the holder: " + (withheld.join(", ") || "nothing") + " (the certificate shows only what its purpose needs).";
    box.appendChild(p);
  }
  document.addEventListener("hpf:result", (ev) => show(ev.detail));
})();
