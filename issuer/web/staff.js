"use strict";
const REASON_ZH = { "forged-materials": "伪造材料", "fraudulent-withdrawal": "骗提公积金", "loan-default": "贷款逾期6期以上",
  "fraudulent-loan": "骗取贷款", other: "其他" };
const CERT_ZH = { signed: "已签发（待上链）", anchored: "已上链", revoked: "已撤销", expired: "已过期" };
const BATCH_ZH = { open: "收集中", sealed: "已封批", anchoring: "上链中", anchored: "已上链", failed: "失败" };
const staffKey = () => sessionStorage.getItem("hpf-staff-key") || "";
const CENTRES = {};
let ownCentre = null;
const centreLabel = (code) => CENTRES[code] ? `${CENTRES[code]}（${code}）` : String(code);

(async () => {
  const c = await centreInfo();
  if (c) {
    ownCentre = c.centre; CENTRES[c.centre] = c.centre_name;
    $("centre-name").textContent = `${c.centre_name} · 中心工作台`;
    document.title = `中心工作台 · ${c.centre_name}`;
    $("revoke-number").placeholder = `${c.centre}-${new Date().getFullYear()}-00000123`;
  }
  try { for (const it of (await api("GET", "/v1/centres")).centres) CENTRES[it.code] = it.name; } catch (e) { /* codes remain */ }
})();
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
      ["中心", centreLabel(s.centre)], ["证明", dict(s.certificates, CERT_ZH)], ["批次", dict(s.batches, BATCH_ZH)],
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
      ["按中心（有效条目）", dict(s.by_centre, CENTRES)], ["按原因", dict(s.by_reason, REASON_ZH)],
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
  const out = $("revoke-result"); clear(out);
  const number = $("revoke-number").value.trim();
  if (!number) { show(out, "请输入证明编号。", "error"); return; }
  const code = $("revoke-code").selectedOptions[0].textContent;
  if (!confirm(`确定撤销证明 ${number}（${code}）？撤销写入联盟链，不可恢复；之后核验将显示“已撤销”。`)) return;
  busy($("revoke-btn"), true);
  try {
    const c = await staff("POST", `/v1/staff/certificates/${encodeURIComponent($("revoke-number").value.trim())}/revoke`,
      { reason: $("revoke-reason").value, code: $("revoke-code").value });
    show(out, `证明 ${c.number} 已撤销（${beijing(c.revoked_at)}），核验时将显示“已撤销”。`, "ok");
    loadStatus();
  } catch (e) { failed(out, e); } finally { busy($("revoke-btn"), false); }
});

async function duplicateOf(idNumber, reason) {
  // The same person listed by this centre for the same reason already? Ask before listing again.
  try {
    const q = new URLSearchParams({ id_number: idNumber, direct: "false" });
    const r = await staff("GET", `/v1/staff/blacklist/check?${q}`);
    return r.entries.find((e) => e.centre === ownCentre && e.reason === reason) || null;
  } catch (e) { return null; } // the add itself reports a bad ID number
}

$("bl-add").addEventListener("click", async () => {
  const out = $("bl-add-result"); clear(out); clear($("bl-add-warning")); busy($("bl-add"), true);
  try {
    const dup = await duplicateOf($("bl-id").value.trim(), $("bl-reason").value);
    if (dup) {
      show($("bl-add-warning"), `该人员已被本中心以“${REASON_ZH[dup.reason] || dup.reason}”列入（条目 ${dup.id}，到期 ${beijing(dup.expires_at)}）。`, "warn");
      if (!confirm(`该人员已被本中心以同一原因列入（条目 ${dup.id}）。仍要再次列入吗？`)) return;
    }
    if (!confirm(`确定将 ${$("bl-id").value.trim()} 以“${REASON_ZH[$("bl-reason").value]}”列入失信黑名单 ${$("bl-years").value} 年？`)) return;
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
    if (!$("lift-reason").value) throw new Error("请选择解除原因。");
    if (!confirm(`确定解除黑名单条目 ${id}？解除写入联盟链，所有成员中心将不再看到该条目。`)) return;
    await staff("POST", `/v1/staff/blacklist/${id}/lift`, { reason: $("lift-reason").value, note: $("appeal-note").value });
    show(out, `条目 ${id} 已解除。`, "ok");
    loadStats(); loadAudit(); loadOpenAppeals();
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
      lcell(tr, "条目", e.id); lcell(tr, "列入中心", centreLabel(e.centre)); lcell(tr, "原因", e.reason_zh);
      lcell(tr, "列入时间", beijing(e.listed_at)); lcell(tr, "到期时间", beijing(e.expires_at));
      lcell(tr, "申诉中", e.under_appeal ? "是" : "否");
      const act = document.createElement("span"); act.className = "entry-actions";
      if (e.centre === ownCentre) {
        const b = document.createElement("button"); b.type = "button"; b.className = "secondary small lift-from-check";
        b.textContent = "解除此条目"; b.dataset.entry = String(e.id);
        b.addEventListener("click", () => { $("lift-id").value = String(e.id); $("lift-reason").focus(); $("bl-lift-box").scrollIntoView({ block: "center" }); });
        act.appendChild(b);
      } else act.textContent = "由列入中心解除";
      cell(tr, act);
      body.appendChild(tr);
    }
    $("check-entries").hidden = r.entries.length === 0;
    $("check-result").hidden = false;
  } catch (e) { failed($("check-error"), e); } finally { busy($("check-btn"), false); }
});

if (staffKey()) { $("auth").hidden = true; loadStatus(); loadStats(); }
