"use strict";
api("GET", "/v1/me").then(() => { location.replace("/account"); }).catch(() => {});
$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clear($("error"));
  const btn = $("login"); btn.disabled = true;
  try {
    await api("POST", "/v1/login", { id_number: $("id-number").value.trim(), password: $("password").value });
    location.assign("/account");
  } catch (e) {
    showError($("error"), e);
    $("password").value = "";
  } finally { btn.disabled = false; }
});
