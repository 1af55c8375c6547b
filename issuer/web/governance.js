// The staff page's 联盟治理 section and the blacklist appeal: list, propose, approve, execute,
// cancel. Each change is said in words and confirmed first; the server refuses what cannot pass.
"use strict";
const STATE_ZH = { open: "待批准", executed: "已执行", cancelled: "已撤销", expired: "已过期" };
const MEMBER_ZH = { active: "正常", suspended: "暂停" };

function tbody(id) { const b = $(id).querySelector("tbody"); b.innerHTML = ""; return b; }
function button(text, onClick, cls) {
  const b = document.createElement("button"); b.type = "button"; b.textContent = text; b.className = cls || "small";
  b.addEventListener("click", onClick); return b;
}

async function loadGovernance() {
  clear($("gov-error"));
  try {
    const [members, institutions, proposals] = await Promise.all([
      staff("GET", "/v1/staff/consortium/members"), staff("GET", "/v1/staff/consortium/institutions"),
      staff("GET", "/v1/staff/consortium/proposals")]);
    let body = tbody("gov-members");
    for (const m of members) {
      const tr = document.createElement("tr");
      cell(tr, m.code); cell(tr, m.name); cell(tr, MEMBER_ZH[m.status] || m.status);
      cell(tr, m.keys.map((k) => `${k.key_id}${k.valid_until ? "（已停用）" : ""}`).join("，") || "无");
      body.appendChild(tr);
    }
    body = tbody("gov-institutions");
    for (const i of institutions) {
      const tr = document.createElement("tr");
      cell(tr, i.id); cell(tr, i.name); cell(tr, i.sponsor); cell(tr, MEMBER_ZH[i.status] || i.status);
      body.appendChild(tr);
    }
    body = tbody("gov-proposals");
    for (const p of proposals) {
      const tr = document.createElement("tr");
      cell(tr, p.id); cell(tr, p.does_zh); cell(tr, STATE_ZH[p.state] || p.state);
      cell(tr, `${p.active_approvals}/${p.threshold}（${p.approvers.join("、")}）`); cell(tr, beijing(p.expires_at));
      const actions = document.createElement("span");
      if (p.state === "open") {
        actions.appendChild(button("批准", () => step(p, "approve", "批准")));
        actions.appendChild(button("执行", () => step(p, "execute", "执行")));
        actions.appendChild(button("撤销", () => step(p, "cancel", "撤销"), "small secondary"));
      }
      cell(tr, actions); body.appendChild(tr);
    }
    loadAudit(); loadOpenAppeals();
  } catch (e) { failed($("gov-error"), e); }
}

async function loadAudit() {
  try {
    const body = tbody("gov-audit");
    for (const e of await staff("GET", "/v1/staff/audit?limit=50")) {
      const tr = document.createElement("tr");
      cell(tr, beijing(e.at)); cell(tr, e.actor); cell(tr, e.action); cell(tr, e.target); cell(tr, e.detail);
      body.appendChild(tr);
    }
  } catch (e) { failed($("gov-error"), e); }
}

async function loadOpenAppeals() {
  try {
    const s = await staff("GET", "/v1/staff/blacklist/stats");
    const open = s.open_appeals || [];
    $("open-appeals").textContent = open.length === 0 ? "目前没有未结申诉。" : "未结申诉：" + open.map(
      (a) => `条目 ${a.id}（中心 ${a.centre}，${a.age_days == null ? "时长未知" : `已 ${a.age_days} 天`}）`).join("；");
  } catch (e) { /* the stats box above shows the error */ }
}

async function step(p, name, zh) {
  const out = $("gov-result"); clear(out);
  if (!window.confirm(`${zh}提案 ${p.id}：${p.does_zh}。确认提交到区块链？`)) return;
  try {
    const r = await staff("POST", `/v1/staff/consortium/proposals/${p.id}/${name}`);
    show(out, `已${zh}提案 ${p.id}（现有成员批准 ${r.active_approvals}/${r.threshold}${r.executed ? "，已执行" : ""}）。`, "ok");
  } catch (e) { failed(out, e); }
  loadGovernance();
}

function proposalBody() {
  const num = (id) => ($(id).value.trim() ? Number($(id).value.trim()) : null);
  const text = (id) => $(id).value.trim() || null;
  return { action: $("gov-action").value, code: num("gov-code"), id: num("gov-id"), name: text("gov-name"),
    account: text("gov-account"), admin: text("gov-admin"), operator: text("gov-operator"),
    threshold: num("gov-threshold") };
}

$("gov-request").addEventListener("change", async () => {
  const file = $("gov-request").files[0];
  if (!file) return;
  try {
    const req = JSON.parse(await file.text());
    if (req.kind === "institution") {
      $("gov-action").value = "register-institution";
      $("gov-id").value = req.id; $("gov-name").value = req.name; $("gov-account").value = req.account;
    } else if (req.kind === "centre") {
      $("gov-action").value = "admit-centre";
      $("gov-code").value = req.code; $("gov-name").value = req.name;
      $("gov-admin").value = req.admin; $("gov-operator").value = req.operator;
    } else { throw new Error("不是加入申请文件。"); }
  } catch (e) { showError($("gov-result"), e); }
});

$("gov-propose").addEventListener("click", async () => {
  const out = $("gov-result"); clear(out); busy($("gov-propose"), true);
  try {
    const body = proposalBody();
    const preview = await staff("POST", "/v1/staff/consortium/proposals/preview", body);
    if (window.confirm(`提议：${preview.does_zh}。确认提交到区块链？`)) {
      const r = await staff("POST", "/v1/staff/consortium/proposals", body);
      show(out, `已提出提案 ${r.proposal}：${r.does_zh}。请其他成员中心批准。`, "ok");
      loadGovernance();
    }
  } catch (e) { failed(out, e); } finally { busy($("gov-propose"), false); }
});

async function appealStep(path, body, done) {
  const out = $("lift-result"); clear(out);
  const id = $("lift-id").value.trim();
  try {
    if (!/^\d+$/.test(id)) throw new Error("请输入条目编号（数字）。");
    await staff("POST", `/v1/staff/blacklist/${id}/${path}`, body);
    show(out, `条目 ${id}${done}。`, "ok");
    loadStats(); loadAudit(); loadOpenAppeals();
  } catch (e) { failed(out, e); }
}
$("appeal-btn").addEventListener("click", () => appealStep("appeal", { note: $("appeal-note").value }, "已标记为申诉中"));
$("confirm-btn").addEventListener("click", () => appealStep("confirm", { note: $("appeal-note").value }, "申诉不成立，已维持"));
$("gov-refresh").addEventListener("click", loadGovernance);
$("audit-refresh").addEventListener("click", loadAudit);
if (staffKey()) loadGovernance();
$("save-key").addEventListener("click", () => setTimeout(loadGovernance, 0));
