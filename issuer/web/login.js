"use strict";
api("GET", "/v1/me").then(() => { location.replace("/account"); }).catch(() => {});
let centreName = null;
function title() {
  const h = $("centre-name");
  if (centreName) { h.textContent = LANG === "zh" ? `${centreName} · 职工服务门户` : `${centreName} · ${L("职工服务门户")}`; }
}
centreInfo().then((c) => {
  if (!c) return;
  centreName = c.centre_name; title();
  document.title = `${L("职工登录")} · ${c.centre_name}`;
});
installLang(title);

const ID_FORMAT = /^\d{17}[\dXx]$/;
function checkId(strict) {
  const v = $("id-number").value.trim();
  const bad = v.length > 0 && (strict ? !ID_FORMAT.test(v) : (v.length >= 18 && !ID_FORMAT.test(v)) || /[^\dXx]/.test(v));
  $("id-hint").className = bad ? "hint bad" : "hint";
  $("id-number").setAttribute("aria-invalid", bad ? "true" : "false");
  return !bad;
}
$("id-number").addEventListener("input", () => checkId(false));
$("id-number").addEventListener("blur", () => checkId(true));

$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clear($("error"));
  if (!checkId(true) || !$("id-number").value.trim()) {
    show($("error"), L("身份证号为 18 位（最后一位可为 X）。"), "error"); $("id-number").focus(); return;
  }
  const btn = $("login"); btn.disabled = true;
  try {
    await api("POST", "/v1/login", { id_number: $("id-number").value.trim(), password: $("password").value });
    location.assign("/account");
  } catch (e) {
    showError($("error"), e);
    $("password").value = "";
  } finally { btn.disabled = false; }
});
