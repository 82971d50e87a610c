/* Replay: moving the slider shows the chosen team's screen at that moment (the page reloads at the
   new time; the clock label follows the thumb while dragging). */
(function () {
  "use strict";
  const form = document.getElementById("replay-form");
  if (!form) return;
  const slider = form.querySelector('input[name="at"]');
  const clock = document.getElementById("replay-clock");
  const pad = (n) => String(Math.floor(n)).padStart(2, "0");
  slider.addEventListener("input", () => {
    const s = Number(slider.value);
    clock.textContent = `${pad(s / 3600)}:${pad((s % 3600) / 60)}:${pad(s % 60)}`;
  });
  slider.addEventListener("change", () => form.submit());
  form.querySelector('select[name="team"]').addEventListener("change", () => form.submit());
})();
