"use strict";
const STATUS = { signed: "已签发，待上链", anchored: "有效", revoked: "已撤销", expired: "已过期" };
const institutions = {};

function onAuthError(e) {
  if (e.status === 401) { location.replace("/"); return true; }
  return false;
}

async function loadAccount() {
  const me = await api("GET", "/v1/me");
  const a = me.account;
  $("centre-name").textContent = `${me.centre_name} · 职工服务门户`;
  $("who").textContent = `${a.name}（${a.id_masked}）`;
  kvTable($("summary"), [
    ["姓名", a.name], ["身份证号", a.id_masked], ["单位名称", a.employer_name],
    ["个人账号", a.personal_account_masked], ["账户状态", a.status_zh], ["开户日期", a.opened],
    ["账户余额", a.balance_yuan + " 元"], ["缴存基数", a.deposit_base_yuan + " 元"],
    ["月缴存额", a.monthly_amount_yuan + " 元"], ["初缴年月", a.first_month || "—"], ["缴至年月", a.last_month || "—"],
    ["连续缴存月数", String(a.months_continuous)], ["公积金贷款", a.loan_outstanding ? "有未结清贷款" : "无"],
  ]);
}

async function loadForm() {
  const p = await api("GET", "/v1/purposes");
  const sel = $("purpose"); sel.innerHTML = "";
  for (const it of p.purposes) { const o = document.createElement("option"); o.value = it.id; o.textContent = it.name; sel.appendChild(o); }
  try {
    const r = await api("GET", "/v1/institutions");
    for (const it of r.institutions) {
      institutions[it.id] = it.name;
      const o = document.createElement("option"); o.value = String(it.id); o.textContent = `${it.name}（${it.id}）`;
      $("audience").appendChild(o);
    }
  } catch (e) { if (!onAuthError(e)) showError($("request-error"), e); }
}

function statusOf(c) {
  if (c.status === "anchored" && new Date(c.valid_until) < new Date()) return "expired";
  return c.status;
}

function link(number, kind, label) {
  const a = document.createElement("a");
  a.href = `/v1/certificates/${encodeURIComponent(number)}/${kind}`; a.textContent = label;
  a.className = "button secondary small"; a.setAttribute("download", ""); a.dataset.kind = kind;
  return a;
}

async function loadCertificates() {
  const r = await api("GET", "/v1/certificates");
  const body = $("certs").querySelector("tbody"); body.innerHTML = "";
  $("no-certs").hidden = r.certificates.length > 0;
  $("certs").hidden = r.certificates.length === 0;
  for (const c of r.certificates) {
    const tr = document.createElement("tr"); tr.dataset.number = c.number;
    cell(tr, c.number); cell(tr, c.purpose_zh);
    cell(tr, c.audience ? (institutions[c.audience] || String(c.audience)) : "不指定");
    const st = statusOf(c);
    cell(tr, STATUS[st] || st, "status-" + st);
    cell(tr, beijing(c.issued_at)); cell(tr, beijing(c.valid_until));
    const dl = document.createElement("span");
    if (c.ready) { dl.appendChild(link(c.number, "pdf", "PDF")); dl.appendChild(link(c.number, "png", "二维码 PNG")); }
    else dl.textContent = "上链后可下载";
    cell(tr, dl);
    const btn = document.createElement("button"); btn.type = "button"; btn.className = "secondary small accesses-btn";
    btn.textContent = "查询记录"; btn.addEventListener("click", () => showAccesses(c.number));
    cell(tr, btn);
    body.appendChild(tr);
  }
}

async function showAccesses(number) {
  clear($("error"));
  try {
    const r = await api("GET", `/v1/certificates/${encodeURIComponent(number)}/accesses`);
    $("accesses").hidden = false; $("accesses-number").textContent = number;
    const body = $("accesses-table").querySelector("tbody"); body.innerHTML = "";
    $("accesses-empty").hidden = r.accesses.length > 0;
    $("accesses-table").hidden = r.accesses.length === 0;
    for (const a of r.accesses) {
      const tr = document.createElement("tr");
      cell(tr, a.institution_name ? `${a.institution_name}（${a.institution}）` : String(a.institution));
      cell(tr, a.purpose_zh); cell(tr, beijing(a.time)); cell(tr, a.block); cell(tr, a.tx.slice(0, 10) + "…");
      body.appendChild(tr);
    }
    $("accesses").scrollIntoView({ behavior: "smooth" });
  } catch (e) { if (!onAuthError(e)) showError($("error"), e); }
}

$("request-btn").addEventListener("click", async () => {
  clear($("request-error")); clear($("request-ok"));
  const btn = $("request-btn"); btn.disabled = true; $("progress").hidden = false;
  try {
    const aud = $("audience").value;
    const c = await api("POST", "/v1/certificates", { purpose: $("purpose").value, audience: aud ? Number(aud) : null });
    show($("request-ok"), `证明 ${c.number} 已出具并上链（区块 ${c.anchored_block}），可在下方下载。`, "ok");
    await loadCertificates();
  } catch (e) {
    if (!onAuthError(e)) { showError($("request-error"), e); loadCertificates().catch(() => {}); }
  } finally { btn.disabled = false; $("progress").hidden = true; }
});

$("logout").addEventListener("click", async () => {
  try { await api("POST", "/v1/logout"); } finally { location.replace("/"); }
});

(async () => {
  try {
    await loadAccount();
    await loadForm();
    await loadCertificates();
    document.body.dataset.ready = "1";
  } catch (e) { if (!onAuthError(e)) showError($("error"), e); }
})();
