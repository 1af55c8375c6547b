"use strict";
const REASON_ZH = { "forged-materials": "伪造材料", "fraudulent-withdrawal": "骗提公积金", "loan-default": "贷款逾期6期以上",
  "fraudulent-loan": "骗取贷款", other: "其他" };
const CERT_ZH = { signed: "已签发（待上链）", anchored: "已上链", revoked: "已撤销", expired: "已过期" };
const BATCH_ZH = { open: "收集中", sealed: "已封批", anchoring: "上链中", anchored: "已上链", failed: "失败" };
const staffKey = () => sessionStorage.getItem("hpf-staff-key") || "";
const staff = (method, path, body) => api(method, path, body, { "X-Staff-Key": staffKey() });

function failed(el, e) {
  if (e.status === 401) { $("auth").hidden = false; showError($("auth-error"), e); }
  showError(el, e);
}
const dict = (o, names) => Object.entries(o || {}).map(([k, v]) => `${names[k] || k}：${v}`).join("；") || "无";

async function loadStatus() {
  clear($("status-error"));
  try {
    const s = await staff("GET", "/v1/staff/status");
    const last = s.last_anchored || {};
    kvTable($("status"), [
      ["中心", String(s.centre)], ["证明", dict(s.certificates, CERT_ZH)], ["批次", dict(s.batches, BATCH_ZH)],
      ["待上链", String(s.waiting_for_anchor)],
      ["最近上链", last.block ? `区块 ${last.block}，${last.leaf_count} 张，${beijing(last.anchored_at)}` : "无"],
      ["批次参数", `每批最多 ${s.batch_size} 张，最长等待 ${s.batch_timeout} 秒`],
      ["最近错误", s.last_error || "无"],
    ]);
    $("auth").hidden = true; clear($("auth-error"));
  } catch (e) { failed($("status-error"), e); }
}

async function loadStats() {
  clear($("stats-error"));
  try {
    const s = await staff("GET", "/v1/staff/blacklist/stats");
    kvTable($("stats"), [
      ["按中心（有效条目）", dict(s.by_centre, {})], ["按原因", dict(s.by_reason, REASON_ZH)],
      ["申诉中", String(s.under_appeal)], ["已解除", String(s.lifted)],
      ["90 天内到期", String((s.expiring_soon || []).length)],
    ]);
  } catch (e) { failed($("stats-error"), e); }
}

function busy(btn, on) { btn.disabled = on; }

$("save-key").addEventListener("click", () => {
  sessionStorage.setItem("hpf-staff-key", $("staff-key").value.trim()); $("staff-key").value = "";
  loadStatus(); loadStats();
});
$("forget-key").addEventListener("click", () => { sessionStorage.removeItem("hpf-staff-key"); $("auth").hidden = false; });
$("status-refresh").addEventListener("click", loadStatus);
$("stats-btn").addEventListener("click", loadStats);

$("revoke-btn").addEventListener("click", async () => {
  const out = $("revoke-result"); clear(out); busy($("revoke-btn"), true);
  try {
    const c = await staff("POST", `/v1/staff/certificates/${encodeURIComponent($("revoke-number").value.trim())}/revoke`,
      { reason: $("revoke-reason").value, code: $("revoke-code").value });
    show(out, `证明 ${c.number} 已撤销（${beijing(c.revoked_at)}），核验时将显示“已撤销”。`, "ok");
    loadStatus();
  } catch (e) { failed(out, e); } finally { busy($("revoke-btn"), false); }
});

$("bl-add").addEventListener("click", async () => {
  const out = $("bl-add-result"); clear(out); busy($("bl-add"), true);
  try {
    const r = await staff("POST", "/v1/staff/blacklist", { id_number: $("bl-id").value.trim(), reason: $("bl-reason").value,
      years: Number($("bl-years").value), note: $("bl-note").value });
    show(out, `已列入：条目 ${r.entry_id}（${r.id_masked}），到期 ${beijing(r.expires_at)}。`, "ok");
    loadStats();
  } catch (e) { failed(out, e); } finally { busy($("bl-add"), false); }
});

$("lift-btn").addEventListener("click", async () => {
  const out = $("lift-result"); clear(out); busy($("lift-btn"), true);
  try {
    const id = $("lift-id").value.trim();
    if (!/^\d+$/.test(id)) throw new Error("请输入条目编号（数字）。");
    await staff("POST", `/v1/staff/blacklist/${id}/lift`, { reason: $("lift-reason").value });
    show(out, `条目 ${id} 已解除。`, "ok");
    loadStats();
  } catch (e) { failed(out, e); } finally { busy($("lift-btn"), false); }
});

$("check-btn").addEventListener("click", async () => {
  clear($("check-error")); $("check-result").hidden = true; busy($("check-btn"), true);
  try {
    const q = new URLSearchParams({ id_number: $("check-id").value.trim(), direct: $("check-direct").checked ? "true" : "false" });
    const r = await staff("GET", `/v1/staff/blacklist/check?${q}`);
    const s = $("check-summary");
    if (r.listed) { s.textContent = `${r.id_masked}：已被列入失信黑名单（${r.entries.length} 条）`; s.className = "listed"; }
    else { s.textContent = `${r.id_masked}：未被列入失信黑名单`; s.className = "ok"; }
    const body = $("check-entries").querySelector("tbody"); body.innerHTML = "";
    for (const e of r.entries) {
      const tr = document.createElement("tr");
      cell(tr, e.id); cell(tr, e.centre); cell(tr, e.reason_zh); cell(tr, beijing(e.listed_at)); cell(tr, beijing(e.expires_at));
      cell(tr, e.under_appeal ? "是" : "否");
      body.appendChild(tr);
    }
    $("check-entries").hidden = r.entries.length === 0;
    $("check-result").hidden = false;
  } catch (e) { failed($("check-error"), e); } finally { busy($("check-btn"), false); }
});

if (staffKey()) { $("auth").hidden = true; loadStatus(); loadStats(); }
