"use strict";
// The employee's page: account, one current certificate per purpose and institution, downloads
// (PDF, QR image) and who checked a certificate (查询记录, refreshed every 15 s).
const STATUS = { signed: "已出具，待上链", anchored: "有效", revoked: "已撤销", expired: "已过期" };
const REFRESH_MS = 15000;
const institutions = {};
let account = null, centreName = null, purposes = [], certs = [], accessesOf = null, accessTimer = null;

function onAuthError(e) {
  if (e.status === 401) { location.replace("/"); return true; }
  return false;
}

function renderAccount() {
  if (!account) return;
  const a = account;
  $("centre-name").textContent = `${centreName} · ${L("职工服务门户")}`;
  $("who").textContent = `${a.name}（${a.id_masked}）`;
  const yuan = (v) => `${v} ${L("元")}`;
  kvTable($("summary"), [
    [L("姓名"), a.name], [L("身份证号"), a.id_masked], [L("单位名称"), a.employer_name],
    [L("个人账号"), a.personal_account_masked], [L("账户状态"), LANG === "zh" ? a.status_zh : a.status], [L("开户日期"), a.opened],
    [L("账户余额"), yuan(a.balance_yuan)], [L("缴存基数"), yuan(a.deposit_base_yuan)],
    [L("月缴存额"), yuan(a.monthly_amount_yuan)], [L("初缴年月"), a.first_month || "—"], [L("缴至年月"), a.last_month || "—"],
    [L("连续缴存月数"), String(a.months_continuous)], [L("公积金贷款"), a.loan_outstanding ? L("有未结清贷款") : L("无")],
  ]);
}

async function loadAccount() {
  const me = await api("GET", "/v1/me");
  account = me.account; centreName = me.centre_name;
  document.title = `${L("我的证明")} · ${centreName}`;
  renderAccount();
}

function renderPurposes() {
  const sel = $("purpose"); const chosen = sel.value; sel.innerHTML = "";
  for (const it of purposes) {
    const o = document.createElement("option"); o.value = it.id; o.textContent = LANG === "zh" ? it.name : it.id; sel.appendChild(o);
  }
  if (chosen) sel.value = chosen;
  showValidity();
}

function showValidity() {
  const p = purposes.find((it) => it.id === $("purpose").value);
  $("validity").textContent = p && p.validity_days
    ? (LANG === "zh" ? `该用途的证明有效期为 ${p.validity_days} 天。` : `Certificates for this purpose are valid for ${p.validity_days} days.`) : "";
}

async function loadForm() {
  const p = await api("GET", "/v1/purposes");
  purposes = p.purposes; renderPurposes();
  try {
    const r = await api("GET", "/v1/institutions");
    for (const it of r.institutions) {
      institutions[it.id] = it.name;
      const o = document.createElement("option"); o.value = String(it.id); o.textContent = it.name;
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

function renderCertificates() {
  const body = $("certs").querySelector("tbody"); body.innerHTML = "";
  $("no-certs").hidden = certs.length > 0;
  $("certs").hidden = certs.length === 0;
  for (const c of certs) {
    const tr = document.createElement("tr"); tr.dataset.number = c.number;
    const st = statusOf(c);
    tr.dataset.status = st;
    lcell(tr, "证明编号", c.number); lcell(tr, "用途", LANG === "zh" ? c.purpose_zh : c.purpose);
    lcell(tr, "使用机构", c.audience ? (institutions[c.audience] || String(c.audience)) : L("不指定"));
    const superseded = st === "revoked" && /^superseded/.test(c.revocation_reason || "");
    lcell(tr, "状态", superseded ? `${L("已撤销")}（${L("已被替代")}）` : L(STATUS[st] || st), "status-" + st);
    lcell(tr, "出具时间", beijing(c.issued_at)); lcell(tr, "有效期至", beijing(c.valid_until));
    const dl = document.createElement("span");
    if (st === "revoked") dl.textContent = L("已撤销，不再提供下载");
    else if (c.ready) { dl.appendChild(link(c.number, "pdf", "PDF")); dl.appendChild(link(c.number, "png", L("二维码图片"))); }
    else dl.textContent = L("上链后可下载");
    lcell(tr, "下载", dl);
    const btn = document.createElement("button"); btn.type = "button"; btn.className = "secondary small accesses-btn";
    btn.textContent = L("查询记录"); btn.addEventListener("click", () => showAccesses(c.number, true));
    cell(tr, btn);
    body.appendChild(tr);
  }
}

async function loadCertificates() {
  const r = await api("GET", "/v1/certificates");
  certs = r.certificates; renderCertificates();
}

// One verification can leave several records (a PDF carries its QR code more than once):
// records of the same institution, event and outcome within a minute are one line.
function collapse(list) {
  const out = [];
  for (const a of list) {
    const prev = out[out.length - 1];
    const t = Date.parse(a.time);
    if (prev && prev.institution === a.institution && prev.purpose === a.purpose && prev.refused === a.refused
        && Math.abs(prev.first - t) <= 60000) {
      prev.count += 1; prev.records.push(a); continue;
    }
    out.push({ ...a, first: t, count: 1, records: [a] });
  }
  return out;
}

async function showAccesses(number, scroll) {
  clear($("error"));
  try {
    const r = await api("GET", `/v1/certificates/${encodeURIComponent(number)}/accesses`);
    accessesOf = number;
    $("accesses").hidden = false; $("accesses-number").textContent = number;
    const body = $("accesses-table").querySelector("tbody"); body.innerHTML = "";
    $("accesses-empty").hidden = r.accesses.length > 0;
    $("accesses-table").hidden = r.accesses.length === 0;
    for (const a of collapse(r.accesses)) {
      const tr = document.createElement("tr"); if (a.refused) tr.className = "refused-row";
      const who = lcell(tr, "机构", a.institution_name || String(a.institution));
      if (a.count > 1) { const n = document.createElement("span"); n.className = "count"; n.textContent = `×${a.count}`; who.appendChild(n); }
      const what = LANG === "zh" ? a.purpose_zh : a.purpose;
      lcell(tr, "事项", a.refused ? `${what} · ${L("已拒绝（非指定机构）")}` : what, a.refused ? "refused" : "");
      lcell(tr, "时间（北京时间）", beijing(a.time));
      const d = document.createElement("details"); d.className = "tx";
      const s = document.createElement("summary"); s.textContent = L("区块与交易"); d.appendChild(s);
      for (const rec of a.records) {
        const div = document.createElement("div"); div.textContent = `${L("区块")} ${rec.block} · ${L("交易")} ${rec.tx}`; d.appendChild(div);
      }
      cell(tr, d);
      body.appendChild(tr);
    }
    if (scroll) $("accesses").scrollIntoView({ behavior: "smooth" });
  } catch (e) { if (!onAuthError(e)) showError($("error"), e); }
}

function refreshAccesses() {
  if (accessesOf && !document.hidden) showAccesses(accessesOf, false);
}

$("purpose").addEventListener("change", showValidity);
$("request-btn").addEventListener("click", async () => {
  clear($("request-error")); clear($("request-ok"));
  const btn = $("request-btn"); btn.disabled = true; $("progress").hidden = false;
  try {
    const aud = $("audience").value;
    const c = await api("POST", "/v1/certificates", { purpose: $("purpose").value, audience: aud ? Number(aud) : null,
      minimal: Boolean($("minimal") && $("minimal").checked) });
    let msg;
    if (c.existing) {
      msg = LANG === "zh" ? `您已有一张有效的同类证明（${c.number}），账户信息未变，无需重新出具，可直接在下方下载。`
        : `You already hold a current certificate for this (${c.number}) and your figures have not changed: download it below.`;
    } else if (c.superseded) {
      msg = LANG === "zh" ? `证明 ${c.number} 已出具并已上链存证；它替代了信息已变更的原证明 ${c.superseded}，原证明已撤销。`
        : `Certificate ${c.number} is issued and recorded on chain; it replaces ${c.superseded}, which is revoked.`;
    } else {
      msg = LANG === "zh" ? `证明 ${c.number} 已出具并已上链存证，可在下方下载。` : `Certificate ${c.number} is issued and recorded on chain: download it below.`;
    }
    show($("request-ok"), msg, "ok");
    await loadCertificates();
    const row = document.querySelector(`#certs tr[data-number="${c.number}"]`);
    if (row) row.scrollIntoView({ block: "nearest" });
    showAccesses(c.number, false);
  } catch (e) {
    if (!onAuthError(e)) { showError($("request-error"), e); loadCertificates().catch(() => {}); }
  } finally { btn.disabled = false; $("progress").hidden = true; }
});

$("logout").addEventListener("click", async () => {
  try { await api("POST", "/v1/logout"); } finally { location.replace("/"); }
});

installLang(() => { renderAccount(); renderPurposes(); renderCertificates(); refreshAccesses(); });

(async () => {
  try {
    await loadAccount();
    await loadForm();
    await loadCertificates();
    accessTimer = setInterval(refreshAccesses, REFRESH_MS);
    document.body.dataset.ready = "1";
  } catch (e) { if (!onAuthError(e)) showError($("error"), e); }
})();
