// aiven-local Console: the few things a page does better with a script.
// Every page works without it.
"use strict";

// Live states: poll the project's states and update each badge.
function keepStatesLive() {
  const badges = document.querySelectorAll(".state[data-service]");
  const source = document.querySelector("[data-states]");
  if (!badges.length || !source) return;
  const url = source.getAttribute("data-states");
  const refresh = async () => {
    try {
      const reply = await fetch(url, { credentials: "same-origin" });
      if (!reply.ok) return;
      const states = await reply.json();
      badges.forEach((badge) => {
        const state = states[badge.getAttribute("data-service")];
        if (state && badge.textContent !== state) badge.textContent = state;
        badge.setAttribute("data-state", badge.textContent);
      });
    } catch (_) { /* the next round tries again */ }
  };
  badges.forEach((b) => b.setAttribute("data-state", b.textContent));
  setInterval(refresh, 1500);
}

// The session's key: handed over once by the login's answer, kept in this
// origin's storage (which, unlike a cookie, no other port of the host
// reads), and sent with every request for a secret.
const KEY_ITEM = "aiven-local-console-key";

// On the login's answer: keep the key and go on to the Console.
function keepSessionKey() {
  const holder = document.getElementById("console-key");
  if (!holder) return false;
  localStorage.setItem(KEY_ITEM, holder.getAttribute("data-key"));
  location.replace(holder.getAttribute("data-next") || "/console");
  return true;
}

// A service's password and URI, asked for with the session's key.
async function fetchSecrets(url) {
  const reply = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-Console-Key": localStorage.getItem(KEY_ITEM) || "" },
  });
  if (!reply.ok) throw new Error("refused");
  return reply.json();
}

// Reveal buttons: show the password and the whole URI in place.
function enableRevealing() {
  document.querySelectorAll("button.reveal[data-secrets]").forEach((button) => {
    button.addEventListener("click", async () => {
      try {
        const secrets = await fetchSecrets(button.getAttribute("data-secrets"));
        document.getElementById("password").textContent = secrets.password;
        document.getElementById("uri").textContent = secrets.uri;
        button.hidden = true;
      } catch (_) {
        button.textContent = "Refused: log out and in again in this browser";
      }
    });
  });
}

// Copy buttons: a plain value, or a secret fetched when clicked.
function enableCopying() {
  document.querySelectorAll("button.copy").forEach((button) => {
    button.addEventListener("click", async () => {
      try {
        const secret = button.getAttribute("data-secret");
        const text = secret
          ? (await fetchSecrets(button.getAttribute("data-secrets")))[secret]
          : button.getAttribute("data-copy");
        await navigator.clipboard.writeText(text);
        button.textContent = "Copied";
      } catch (_) {
        button.textContent = "Copy failed";
      }
      setTimeout(() => { button.textContent = "Copy"; }, 1500);
    });
  });
}

// Forms that change something carry the session's key too.
function signForms() {
  document.querySelectorAll("form[data-signed]").forEach((form) => {
    form.addEventListener("submit", () => {
      let input = form.querySelector('input[name="key"]');
      if (!input) {
        input = document.createElement("input");
        input.type = "hidden";
        input.name = "key";
        form.appendChild(input);
      }
      input.value = localStorage.getItem(KEY_ITEM) || "";
    });
  });
}

// Logging out forgets the key.
function forgetKeyOnLogout() {
  document.querySelectorAll("form.logout").forEach((form) => {
    form.addEventListener("submit", () => localStorage.removeItem(KEY_ITEM));
  });
}

// The point-in-time input is UTC; show the local time beside it, and pick
// "point in time" when it is changed.
function showLocalTime() {
  document.querySelectorAll(".local-time[data-for]").forEach((out) => {
    const input = document.getElementById(out.getAttribute("data-for"));
    if (!input) return;
    const show = () => {
      if (!input.value) { out.textContent = ""; return; }
      const when = new Date(input.value + (input.value.length === 16 ? ":00Z" : "Z"));
      out.textContent = isNaN(when) ? "" : "(your time: " + when.toLocaleString() + ")";
    };
    input.addEventListener("input", () => {
      const radio = document.querySelector('input[name="restore"][value="time"]');
      if (radio) radio.checked = true;
      show();
    });
    show();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  if (keepSessionKey()) return;
  keepStatesLive();
  enableRevealing();
  enableCopying();
  signForms();
  forgetKeyOnLogout();
  showLocalTime();
});
