// Helpers shared by the portal pages: calling the API and showing its errors (error_zh).
"use strict";
const $ = (id) => document.getElementById(id);

class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.error_zh || body.error)) || `请求失败（${status}）`);
    this.status = status; this.body = body;
  }
}

async function api(method, path, body, headers) {
  const opts = { method, headers: { Accept: "application/json", ...(headers || {}) }, credentials: "same-origin" };
  if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
  let resp;
  try { resp = await fetch(path, opts); } catch (e) { throw new ApiError(0, { error_zh: "无法连接服务，请检查网络后重试。" }); }
  let data = null;
  try { data = await resp.json(); } catch (e) { data = null; }
  if (!resp.ok) throw new ApiError(resp.status, data);
  return data;
}

function show(el, text, cls) {
  el.textContent = text; el.className = cls || el.className; el.hidden = !text;
}
function showError(el, e) {
  const en = typeof LANG !== "undefined" && LANG === "en" && e.body && e.body.error;
  show(el, en ? e.body.error : (e.message || String(e)), "error");
}
function clear(el) { el.textContent = ""; el.hidden = true; }

function beijing(iso) {
  // Beijing time as the PDF prints it: 2026年05月17日 14:40:00 (UTC+8, no daylight saving).
  if (!iso) return "";
  const ms = typeof iso === "number" ? iso * 1000 : Date.parse(iso);
  if (Number.isNaN(ms)) return String(iso);
  const d = new Date(ms + 8 * 3600 * 1000);
  const p = (n) => String(n).padStart(2, "0");
  const [y, mo, da, h, mi, s] = [d.getUTCFullYear(), p(d.getUTCMonth() + 1), p(d.getUTCDate()), p(d.getUTCHours()),
    p(d.getUTCMinutes()), p(d.getUTCSeconds())];
  return typeof LANG !== "undefined" && LANG === "en" ? `${y}-${mo}-${da} ${h}:${mi}:${s}` : `${y}年${mo}月${da}日 ${h}:${mi}:${s}`;
}
function cell(tr, content, cls) {
  const td = document.createElement("td");
  if (content instanceof Node) td.appendChild(content); else td.textContent = content == null ? "" : String(content);
  if (cls) td.className = cls;
  tr.appendChild(td); return td;
}
function kvTable(table, rows) {
  table.innerHTML = "";
  for (const [k, v] of rows) {
    const tr = document.createElement("tr");
    const th = document.createElement("th"); th.textContent = k; tr.appendChild(th);
    cell(tr, v); table.appendChild(tr);
  }
}
function lcell(tr, label, content, cls) { const td = cell(tr, content, cls); td.dataset.label = L(label); return td; }

// Language: the pages are written in Chinese; English comes from this table (keyed by the Chinese
// text). Static text carries data-i18n; text built in script goes through L().
let LANG = localStorage.getItem("hpf-portal-lang") || "zh";
const EN = {
  "住房公积金职工服务门户": "Provident-fund employee portal", "职工服务门户": "employee portal", "职工登录": "Employee sign-in",
  "身份证号": "Resident ID number", "密码": "Password", "登录": "Sign in", "退出登录": "Sign out",
  "身份证号为 18 位（最后一位可为 X）。": "The ID number has 18 characters (the last may be X).",
  "登录后可查看账户信息、申请和下载缴存证明，并查询证明被哪些机构核验。密码由公积金中心设置。":
    "Once signed in you can see your account, request and download deposit certificates, and see which institutions checked them. The fund centre sets your password.",
  "账户信息": "Account", "申请缴存证明": "Request a deposit certificate", "用途": "Purpose", "使用机构": "For institution",
  "不指定（任何机构均可核验）": "Any institution", "申请证明": "Request", "正在出具并上链存证…": "Issuing and recording on chain…",
  "指定使用机构后，只有该机构核验时证明有效。证明上的二维码即完整的电子证明，可打印 PDF 或发送二维码图片。":
    "A certificate for one institution is valid only when that institution checks it. The QR code is the complete electronic certificate: print the PDF or send the QR image.",
  "我的证明": "My certificates", "还没有证明。": "No certificates yet.", "证明编号": "Certificate no.", "状态": "Status",
  "出具时间": "Issued", "有效期至": "Valid until", "下载": "Download", "查询记录": "Checks", "有效": "Valid",
  "已撤销": "Revoked", "已过期": "Expired", "已出具，待上链": "Issued, being recorded", "不指定": "Any",
  "已被替代": "Superseded", "上链后可下载": "Download once recorded", "二维码图片": "QR image", "已撤销，不再提供下载": "Revoked: no download",
  "暂无机构核验过该证明。": "No institution has checked this certificate yet.", "机构": "Institution", "事项": "Event",
  "时间（北京时间）": "Time (Beijing)", "区块与交易": "Block and transaction", "区块": "Block", "交易": "Transaction",
  "记录来自联盟区块链：机构每次核验证明都会留痕，记录中不含个人信息。列表每 15 秒自动刷新。":
    "From the consortium chain: every check by an institution leaves a record without personal data. The list refreshes every 15 s.",
  "核验证明": "Verified the certificate", "查询黑名单": "Checked the blacklist", "下载证明": "Downloaded", "其他": "Other",
  "已拒绝（非指定机构）": "Refused (not the named institution)", "次": "times",
  "姓名": "Name", "单位名称": "Employer", "个人账号": "Personal account", "账户状态": "Account status", "开户日期": "Opened",
  "账户余额": "Balance", "缴存基数": "Deposit base", "月缴存额": "Monthly amount", "初缴年月": "First month",
  "缴至年月": "Paid up to", "连续缴存月数": "Months paid continuously", "公积金贷款": "Provident-fund loan",
  "有未结清贷款": "Outstanding loan", "无": "None", "元": "CNY",
};
function L(zh) { return LANG === "en" ? (EN[zh] || zh) : zh; }
function applyLang() {
  document.documentElement.lang = LANG === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-i18n]").forEach((el) => {
    if (!el.dataset.zh) el.dataset.zh = el.textContent.trim();
    el.textContent = L(el.dataset.zh);
  });
  const b = document.getElementById("lang");
  if (b) b.textContent = LANG === "zh" ? "English" : "中文";
}
function installLang(onChange) {
  const b = document.getElementById("lang");
  if (b) b.addEventListener("click", () => {
    LANG = LANG === "zh" ? "en" : "zh"; localStorage.setItem("hpf-portal-lang", LANG); applyLang(); if (onChange) onChange();
  });
  applyLang();
}
async function centreInfo() {
  try { return await api("GET", "/v1/centre"); } catch (e) { return null; }
}
