// The loan officers' page: scan (camera frames are decoded by the server) or upload, then show
// the verdict. Renders the same result object as `hpf verify --json`.
"use strict";
const T = {
  zh: {
    title: "住房公积金缴存证明核验", apikey: "机构 API 密钥", save: "保存", hint: "扫描证明上的二维码，或上传证明的 PDF、照片。",
    scan: "摄像头扫码", upload: "上传文件", busy: "正在核验…", blacklist: "黑名单", fields: "证明内容", checks: "核验项目",
    VALID: "真实有效", INVALID: "无效", INDETERMINATE: "暂时无法判断",
    next_VALID: "证明真实、有效、未作废，可据此办理业务。", next_INVALID: "请勿采信此证明，可联系出具证明的公积金中心核实。",
    next_INDETERMINATE: "暂时无法连接区块链，请稍后重试；在得到结论前请勿据此办理业务。",
    listed: "持证人已被列入失信黑名单", clear: "持证人未被列入失信黑名单", unchecked: "黑名单未能查询",
    chain: "区块链读取：区块", nocamera: "无法使用摄像头，请上传文件。", other: "名单机构",
  },
  en: {
    title: "Provident-fund deposit certificate check", apikey: "Institution API key", save: "Save",
    hint: "Scan the certificate's QR code, or upload its PDF or a photo.", scan: "Scan with camera", upload: "Upload a file",
    busy: "Verifying…", blacklist: "Blacklist", fields: "Certificate", checks: "Checks",
    VALID: "Genuine and valid", INVALID: "Not valid", INDETERMINATE: "Cannot decide now",
    next_VALID: "The certificate is genuine, current and not revoked: you may rely on it.",
    next_INVALID: "Do not rely on this certificate; you may ask the issuing fund centre.",
    next_INDETERMINATE: "The chain cannot be reached; try again shortly and do not rely on the certificate until then.",
    listed: "The holder is on the blacklist", clear: "The holder is not on the blacklist", unchecked: "Blacklist not checked",
    chain: "Chain read at block", nocamera: "The camera is not available; please upload a file.", other: "listed by",
  },
};
const FIELDS = [
  ["number", "证明编号", "Certificate no."], ["centre_name", "出具机构", "Issued by"], ["name", "姓名", "Name"],
  ["id_masked", "证件号码", "ID number"], ["employer_name", "单位名称", "Employer"], ["account_status", "账户状态", "Account status"],
  ["deposit_base", "缴存基数", "Deposit base", "fen"], ["monthly_amount", "月缴存额", "Monthly amount", "fen"],
  ["first_month", "初缴年月", "First month"], ["last_month", "缴至年月", "Paid up to"],
  ["months_continuous", "连续缴存月数", "Months paid continuously"], ["balance", "账户余额", "Balance", "fen"],
  ["loan_outstanding", "公积金贷款", "Provident-fund loan"], ["purpose", "用途", "Purpose"], ["audience", "使用机构", "For institution"],
];
let lang = localStorage.getItem("hpf-lang") || "zh";
let last = null;
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
if (params.get("key")) localStorage.setItem("hpf-key", params.get("key"));
const apiKey = () => localStorage.getItem("hpf-key") || "";

function applyLang() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = T[lang][el.dataset.i18n]; });
  $("lang").textContent = lang === "zh" ? "English" : "中文";
  if (last) render(last);
}
function money(fen) { return (fen / 100).toLocaleString("zh-CN", { minimumFractionDigits: 2 }) + (lang === "zh" ? " 元" : " CNY"); }
function cell(tr, text, cls) { const td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; tr.appendChild(td); }

function render(r) {
  last = r;
  $("result").hidden = false;
  const v = $("verdict"); v.className = "verdict " + r.verdict; v.textContent = T[lang][r.verdict] + " · " + r.verdict;
  $("next").textContent = T[lang]["next_" + r.verdict];
  const bl = r.blacklist || {};
  const b = $("blacklist");
  if (bl.listed) {
    b.className = "listed";
    b.textContent = T[lang].listed + "：" + bl.entries.map((e) => `${T[lang].other} ${e.centre} (${e.reason}${e.under_appeal ? ", appeal" : ""})`).join("；");
  } else { b.className = ""; b.textContent = bl.checked ? T[lang].clear : T[lang].unchecked; }
  const ft = $("fields"); ft.innerHTML = "";
  const c = r.certificate || {};
  for (const [k, zh, en, kind] of FIELDS) {
    if (!(k in c) || c[k] === null) continue;
    const tr = document.createElement("tr");
    cell(tr, lang === "zh" ? zh : en);
    cell(tr, kind === "fen" ? money(c[k]) : typeof c[k] === "boolean" ? (c[k] ? (lang === "zh" ? "有" : "yes") : (lang === "zh" ? "无" : "no")) : String(c[k]));
    ft.appendChild(tr);
  }
  const ct = $("checks"); ct.innerHTML = "";
  for (const ch of r.checks) {
    const tr = document.createElement("tr");
    cell(tr, ch.name); cell(tr, ch.status, ch.status === "error" ? "error-status" : ch.status); cell(tr, ch.reason || "");
    cell(tr, lang === "zh" ? ch.message_zh : ch.message);
    ct.appendChild(tr);
  }
  $("chain").textContent = r.chain && r.chain.block !== undefined ? `${T[lang].chain} ${r.chain.block}, ${r.chain.time_iso}` : "";
}

async function send(body, contentType) {
  $("busy").hidden = false; $("error").hidden = true;
  try {
    const headers = { "X-API-Key": apiKey() };
    if (contentType) headers["Content-Type"] = contentType;
    const resp = await fetch("/v1/verify", { method: "POST", headers, body });
    const data = await resp.json();
    if (resp.status === 401) { $("auth").hidden = false; throw new Error(lang === "zh" ? data.detail.error_zh : data.detail.error); }
    if (!resp.ok) { const d = data.detail || data; throw new Error(lang === "zh" ? (d.error_zh || d.error) : d.error); }
    render(data);
    return true;
  } catch (e) {
    $("error").textContent = e.message; $("error").hidden = false; return false;
  } finally { $("busy").hidden = true; }
}

$("file").addEventListener("change", (ev) => {
  const f = ev.target.files[0]; if (!f) return;
  const form = new FormData(); form.append("file", f); send(form, null);
});
$("lang").addEventListener("click", () => { lang = lang === "zh" ? "en" : "zh"; localStorage.setItem("hpf-lang", lang); applyLang(); });
$("save-key").addEventListener("click", () => { localStorage.setItem("hpf-key", $("apikey").value.trim()); $("auth").hidden = true; });
$("scan").addEventListener("click", async () => {
  const video = $("video");
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    video.srcObject = stream; video.hidden = false; await video.play();
    const canvas = document.createElement("canvas");
    const tick = async () => {
      if (video.hidden) return;
      canvas.width = video.videoWidth; canvas.height = video.videoHeight;
      canvas.getContext("2d").drawImage(video, 0, 0);
      const blob = await new Promise((res) => canvas.toBlob(res, "image/jpeg", 0.9));
      const resp = await fetch("/v1/verify", { method: "POST", headers: { "X-API-Key": apiKey(), "Content-Type": "image/jpeg" }, body: blob });
      if (resp.ok) { render(await resp.json()); stream.getTracks().forEach((t) => t.stop()); video.hidden = true; return; }
      setTimeout(tick, 400);
    };
    tick();
  } catch (e) { $("error").textContent = T[lang].nocamera; $("error").hidden = false; }
});
if (!apiKey()) $("auth").hidden = false;
applyLang();
