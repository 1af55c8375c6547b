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
function showError(el, e) { show(el, e.message || String(e), "error"); }
function clear(el) { el.textContent = ""; el.hidden = true; }

function beijing(iso) {
  if (!iso) return "";
  const d = typeof iso === "number" ? new Date(iso * 1000) : new Date(iso);
  return d.toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
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
