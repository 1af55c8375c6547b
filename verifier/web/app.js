// The loan officers' page: sign in with the institution's key (typed once per tab), then scan,
// upload, drop a file or type a number and its 核验码, and read the verdict. Renders the same
// result object as `hpf verify --json`; the headline comes from its `summary` (verifier/explain.py).
// Every new attempt clears the previous verdict first. No inline script or style (CSP).
"use strict";
const T = {
  zh: {
    title: "住房公积金缴存证明核验", apikey: "机构 API 密钥", signin: "机构登录", signin_btn: "登录", signout: "退出",
    key_note: "密钥只保存在本浏览器标签页中，关闭标签页即退出；页面不接受链接中携带的密钥。",
    hint: "扫描证明上的二维码，上传或拖入证明的 PDF、照片，或输入证明编号和核验码。",
    scan: "摄像头扫码", upload: "上传文件", drop: "或将证明文件拖放到此处", number: "证明编号", code: "核验码", check: "核验",
    busy: "正在核验…", tech: "技术详情", print: "打印核验回执", again: "核验下一份", receipt: "核验回执",
    recent: "本机构最近核验", recent_clear: "清除记录", signed_in: "已登录机构：", nocamera: "无法使用摄像头，请上传文件。",
    url_key: "为安全起见，页面不接受链接中携带的密钥，请在下方输入。", chain: "区块链读取：区块", at: "时间",
    ok: "通过", fail: "未通过", unknown: "无法判断", skipped: "未检查", error: "出错", yes: "有未结清贷款", no: "无", any: "不限定使用机构",
    r_verdict: "核验结论", r_time: "核验时间", r_block: "区块高度", r_inst: "核验机构", r_number: "证明编号",
    r_centre: "出具机构", r_digest: "证明摘要", unreadable: "无法读取证明", relogin: "密钥无效或已停用，请重新登录。",
  },
  en: {
    title: "Provident-fund deposit certificate check", apikey: "Institution API key", signin: "Sign in", signin_btn: "Sign in",
    signout: "Sign out", key_note: "The key stays in this browser tab only and is forgotten when the tab closes; keys in links are ignored.",
    hint: "Scan the certificate's QR code, upload or drop its PDF or a photo, or type its number and verification code.",
    scan: "Scan with camera", upload: "Upload a file", drop: "or drop the certificate file here", number: "Certificate no.",
    code: "Verification code", check: "Verify", busy: "Verifying…", tech: "Technical details", print: "Print receipt",
    again: "Check another", receipt: "Verification receipt", recent: "Recent checks by this institution", recent_clear: "Clear",
    signed_in: "Signed in: ", nocamera: "The camera is not available; please upload a file.",
    url_key: "For safety the page ignores keys in links; please type the key below.", chain: "Chain read at block", at: "time",
    ok: "passed", fail: "failed", unknown: "could not tell", skipped: "not checked", error: "error", yes: "outstanding loan", no: "none", any: "any institution",
    r_verdict: "Verdict", r_time: "Checked at", r_block: "Block", r_inst: "Institution", r_number: "Certificate no.",
    r_centre: "Issued by", r_digest: "Digest", unreadable: "The certificate could not be read", relogin: "The key is unknown or disabled; please sign in again.",
  },
};
const CHECK_ZH = { decode: "数据格式", key_known: "签名密钥登记", signature: "电子签名", inclusion_proof: "上链凭据",
  chain_read: "读取区块链", anchored: "链上存证", issuer_member: "出具机构资格", key_valid_at_anchor: "存证时密钥有效",
  not_revoked: "未被撤销", not_expired: "在有效期内", audience: "使用机构" };
const STATUS_ZH = { normal: "正常", sealed: "封存", closed: "销户" };
const FIELDS = [
  ["number", "证明编号", "Certificate no."], ["centre_name", "出具机构", "Issued by"], ["name", "姓名", "Name"],
  ["id_masked", "证件号码", "ID number"], ["employer_name", "单位名称", "Employer"],
  ["account_status", "账户状态", "Account status", "status"], ["deposit_base", "缴存基数", "Deposit base", "fen"],
  ["monthly_amount", "月缴存额", "Monthly amount", "fen"], ["first_month", "初缴年月", "First month", "month"],
  ["last_month", "缴至年月", "Paid up to", "month"], ["months_continuous", "连续缴存月数", "Months paid continuously", "months"],
  ["balance", "账户余额", "Balance", "fen"], ["loan_outstanding", "公积金贷款", "Provident-fund loan", "loan"],
  ["purpose_zh", "证明用途", "Purpose", "purpose"], ["audience", "使用机构", "For institution", "audience"],
  ["issued_at", "出具时间", "Issued at", "time"], ["valid_until", "有效期至", "Valid until", "time"],
];
const $ = (id) => document.getElementById(id);
let lang = localStorage.getItem("hpf-lang") || "zh";
let last = null;
let me = null; // {institution, name}
let camera = null;
const apiKey = () => sessionStorage.getItem("hpf-key") || "";
const t = (k) => T[lang][k];

// A key in the link is never used (a crafted link must not switch the officer's institution).
const params = new URLSearchParams(location.search);
if (params.has("key")) {
  history.replaceState(null, "", location.pathname);
  $("notice").textContent = T.zh.url_key; $("notice").hidden = false;
}

function two(n) { return String(n).padStart(2, "0"); }
function beijing(ts) {
  if (ts === null || ts === undefined) return "";
  const d = new Date((ts + 8 * 3600) * 1000); // Beijing has no daylight saving: UTC+8
  const [y, mo, da, h, mi, s] = [d.getUTCFullYear(), two(d.getUTCMonth() + 1), two(d.getUTCDate()),
    two(d.getUTCHours()), two(d.getUTCMinutes()), two(d.getUTCSeconds())];
  return lang === "zh" ? `${y}年${mo}月${da}日 ${h}:${mi}:${s}` : `${y}-${mo}-${da} ${h}:${mi}:${s} (Beijing)`;
}
function month(m) { return lang === "zh" && m ? `${m.slice(0, 4)}年${m.slice(5, 7)}月` : m; }
function money(fen) { return (fen / 100).toLocaleString("zh-CN", { minimumFractionDigits: 2 }) + (lang === "zh" ? " 元" : " CNY"); }
function row(table, k, v, cls) {
  const tr = document.createElement("tr");
  const th = document.createElement("th"); th.textContent = k; tr.appendChild(th);
  const td = document.createElement("td"); td.textContent = v; if (cls) td.className = cls; tr.appendChild(td);
  table.appendChild(tr);
}

function applyLang() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  $("lang").textContent = lang === "zh" ? "English" : "中文";
  showWho();
  if (last) render(last.result, last.at);
  renderRecent();
}

function showWho() {
  const signed = !!(me && apiKey());
  $("who").hidden = !signed; $("signout").hidden = !signed; $("auth").hidden = signed;
  if (signed) $("who").textContent = t("signed_in") + `${me.name || ""}（${me.institution}）`;
}

function reset() {
  // Every new attempt starts from an empty screen: no verdict of an earlier certificate stays.
  last = null;
  $("result").hidden = true; $("error").hidden = true; $("error").textContent = "";
  $("headline").textContent = ""; $("verdict").className = "verdict";
  $("fields").innerHTML = ""; $("checks").innerHTML = ""; $("receipt-table").innerHTML = "";
  $("live").textContent = "";
  document.body.dataset.state = "idle";
  document.dispatchEvent(new CustomEvent("hpf:result", { detail: null }));
}

function fieldValue(c, key, kind) {
  const v = c[key];
  switch (kind) {
    case "fen": return money(v);
    case "month": return month(v);
    case "months": return lang === "zh" ? `${v} 个月` : String(v);
    case "loan": return v ? t("yes") : t("no");
    case "status": return lang === "zh" ? (STATUS_ZH[v] || v) : v;
    case "purpose": return lang === "zh" ? v : c.purpose;
    case "time": return beijing(v);
    case "audience":
      if (v === null) return t("any");
      return me && me.institution === v ? `${me.name || ""}（${v}）` : String(v);
    default: return String(v);
  }
}

function render(r, at) {
  last = { result: r, at };
  document.dispatchEvent(new CustomEvent("hpf:result", { detail: r }));  // disclosure.js
  const s = r.summary || {};
  const tone = s.tone || { VALID: "ok", INVALID: "bad", INDETERMINATE: "unknown" }[r.verdict];
  $("verdict").className = "verdict tone-" + tone;
  $("headline").textContent = lang === "zh" ? (s.headline_zh || r.verdict) : (s.headline_en || r.verdict);
  $("verdict-code").textContent = r.verdict;
  $("advice").textContent = lang === "zh" ? (s.advice_zh || "") : (s.advice_en || "");
  $("detail").textContent = lang === "zh" ? (s.detail_zh || "") : "";
  $("detail").hidden = !(lang === "zh" && s.detail_zh);
  if (lang === "en" && r.blacklist && r.blacklist.listed) {
    $("detail").hidden = false;
    $("detail").textContent = "Listed by: " + r.blacklist.entries.map((e) =>
      `${e.centre_name || e.centre} (${e.reason}, listed ${beijing(e.listed_at)}, expires ${beijing(e.expires_at)})`).join("; ");
  }
  const ft = $("fields"); ft.innerHTML = "";
  const c = r.certificate || {};
  for (const [k, zh, en, kind] of FIELDS) {
    if (!(k in c) || c[k] === undefined || (c[k] === null && kind !== "audience")) continue;
    row(ft, lang === "zh" ? zh : en, fieldValue(c, k, kind));
  }
  const ct = $("checks"); ct.innerHTML = "";
  for (const ch of r.checks || []) {
    const tr = document.createElement("tr");
    for (const [text, cls] of [[lang === "zh" ? (CHECK_ZH[ch.name] || ch.name) : ch.name, ""],
      [t(ch.status) || ch.status, "st-" + ch.status], [ch.reason || "", ""], [lang === "zh" ? ch.message_zh : ch.message, ""]]) {
      const td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; tr.appendChild(td);
    }
    ct.appendChild(tr);
  }
  const chain = r.chain || {};
  $("chain").textContent = chain.block !== undefined ? `${t("chain")} ${chain.block}，${beijing(chain.time)}` : (chain.error || "");
  // The receipt (printed only).
  const rt = $("receipt-table"); rt.innerHTML = "";
  row(rt, t("r_verdict"), `${$("headline").textContent}（${r.verdict}）`);
  row(rt, t("r_time"), beijing(at));
  if (chain.block !== undefined) row(rt, t("r_block"), String(chain.block));
  if (me) row(rt, t("r_inst"), `${me.name || ""}（${me.institution}）`);
  if (c.number) row(rt, t("r_number"), c.number);
  if (c.centre_name || c.centre_code) row(rt, t("r_centre"), c.centre_name || String(c.centre_code));
  if (r.digest) row(rt, t("r_digest"), r.digest);
  $("result").hidden = false;
  document.body.dataset.state = "done";
  $("live").textContent = `${$("headline").textContent}。${$("advice").textContent}`;
  if ($("verdict").getBoundingClientRect().top > window.innerHeight * 0.6) $("result").scrollIntoView({ block: "start" });
}

function remember(r, at) {
  if (!me) return;
  const key = "hpf-recent-" + me.institution;
  const list = JSON.parse(localStorage.getItem(key) || "[]");
  const s = r.summary || {};
  list.unshift({ at, number: (r.certificate || {}).number || "—", verdict: r.verdict, zh: s.headline_zh || r.verdict,
    en: s.headline_en || r.verdict, tone: s.tone || "" });
  localStorage.setItem(key, JSON.stringify(list.slice(0, 10)));
  renderRecent();
}

function renderRecent() {
  const list = me ? JSON.parse(localStorage.getItem("hpf-recent-" + me.institution) || "[]") : [];
  $("recent").hidden = list.length === 0;
  const ol = $("recent-list"); ol.innerHTML = "";
  for (const it of list) {
    const li = document.createElement("li"); li.className = "tone-" + it.tone;
    li.textContent = `${beijing(it.at)}  ${it.number}  ${lang === "zh" ? it.zh : it.en}`;
    ol.appendChild(li);
  }
}

function fail(message) {
  $("error").textContent = message; $("error").hidden = false;
  $("live").textContent = message;
  document.body.dataset.state = "error";
}

async function call(path, opts) {
  const headers = { "X-API-Key": apiKey(), ...(opts.headers || {}) };
  const resp = await fetch(path, { ...opts, headers });
  let data = null;
  try { data = await resp.json(); } catch (e) { data = null; }
  if (resp.status === 401) {
    sessionStorage.removeItem("hpf-key"); me = null; showWho();
    throw new Error(t("relogin"));
  }
  if (!resp.ok) {
    const d = (data && (data.detail || data)) || {};
    throw new Error((lang === "zh" ? (d.error_zh || d.error) : d.error) || `${t("unreadable")} (${resp.status})`);
  }
  return data;
}

async function verify(path, body, contentType) {
  reset();
  $("busy").hidden = false; document.body.dataset.state = "busy";
  try {
    const headers = contentType ? { "Content-Type": contentType } : {};
    const r = await call(path, { method: "POST", headers, body });
    const at = Math.floor(Date.now() / 1000);
    render(r, at); remember(r, at);
  } catch (e) {
    fail(e.message);
  } finally {
    $("busy").hidden = true;
    $("file").value = ""; // the same file may be chosen again
  }
}

function sendFile(f) {
  if (!f) return;
  const form = new FormData(); form.append("file", f);
  verify("/v1/verify", form, null);
}

function stopCamera() {
  if (camera) { camera.getTracks().forEach((tr) => tr.stop()); camera = null; }
  $("video").hidden = true;
}

$("file").addEventListener("change", (ev) => { stopCamera(); sendFile(ev.target.files[0]); });
const drop = $("drop");
for (const type of ["dragenter", "dragover"]) {
  drop.addEventListener(type, (ev) => { ev.preventDefault(); drop.classList.add("over"); });
}
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (ev) => {
  ev.preventDefault(); drop.classList.remove("over"); stopCamera();
  sendFile(ev.dataTransfer && ev.dataTransfer.files[0]);
});
// Dropping a file anywhere else must not navigate away from the page.
window.addEventListener("dragover", (ev) => ev.preventDefault());
window.addEventListener("drop", (ev) => ev.preventDefault());

$("code-form").addEventListener("submit", (ev) => {
  ev.preventDefault(); stopCamera();
  verify("/v1/verify/code", JSON.stringify({ number: $("code-number").value.trim(), code: $("code-code").value.trim() }),
    "application/json");
});

$("lang").addEventListener("click", () => { lang = lang === "zh" ? "en" : "zh"; localStorage.setItem("hpf-lang", lang); applyLang(); });
$("print").addEventListener("click", () => window.print());
$("again").addEventListener("click", () => { reset(); $("file").focus(); });
$("recent-clear").addEventListener("click", () => { if (me) localStorage.removeItem("hpf-recent-" + me.institution); renderRecent(); });
$("signout").addEventListener("click", () => { sessionStorage.removeItem("hpf-key"); me = null; reset(); showWho(); renderRecent(); });

async function signIn(key) {
  const resp = await fetch("/v1/institution", { headers: { "X-API-Key": key } });
  const data = await resp.json().catch(() => null);
  if (!resp.ok) {
    const d = (data && (data.detail || data)) || {};
    throw new Error((lang === "zh" ? d.error_zh : d.error) || `HTTP ${resp.status}`);
  }
  return data;
}

$("auth-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const key = $("apikey").value.trim();
  $("auth-error").hidden = true;
  try {
    me = await signIn(key);
    sessionStorage.setItem("hpf-key", key); $("apikey").value = "";
    $("notice").hidden = true;
    showWho(); renderRecent();
  } catch (e) { $("auth-error").textContent = e.message; $("auth-error").hidden = false; }
});

$("scan").addEventListener("click", async () => {
  reset(); stopCamera();
  const video = $("video");
  try {
    camera = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    video.srcObject = camera; video.hidden = false; await video.play();
    const canvas = document.createElement("canvas");
    const tick = async () => {
      if (!camera) return;
      canvas.width = video.videoWidth; canvas.height = video.videoHeight;
      canvas.getContext("2d").drawImage(video, 0, 0);
      const blob = await new Promise((res) => canvas.toBlob(res, "image/jpeg", 0.9));
      const resp = await fetch("/v1/verify", { method: "POST", headers: { "X-API-Key": apiKey(), "Content-Type": "image/jpeg" }, body: blob });
      if (resp.ok) {
        const r = await resp.json(); stopCamera();
        const at = Math.floor(Date.now() / 1000); render(r, at); remember(r, at); return;
      }
      setTimeout(tick, 400);
    };
    tick();
  } catch (e) { stopCamera(); fail(t("nocamera")); }
});

(async () => {
  if (apiKey()) {
    try { me = await signIn(apiKey()); } catch (e) { sessionStorage.removeItem("hpf-key"); me = null; }
  }
  applyLang();
  document.body.dataset.ready = "1";
})();
