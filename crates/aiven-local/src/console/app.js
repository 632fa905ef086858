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

// Copy buttons.
function enableCopying() {
  document.querySelectorAll("button.copy[data-copy]").forEach((button) => {
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(button.getAttribute("data-copy"));
        button.textContent = "Copied";
      } catch (_) {
        button.textContent = "Copy failed";
      }
      setTimeout(() => { button.textContent = "Copy"; }, 1500);
    });
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
  keepStatesLive();
  enableCopying();
  showLocalTime();
});
