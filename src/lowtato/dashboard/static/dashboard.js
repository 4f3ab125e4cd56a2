// Progressive enhancement only: every form works without this file.
"use strict";

// "Copy" buttons: data-copy names the input whose value is copied.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
    button.textContent = "Copied";
  } catch {
    button.textContent = "Press Ctrl+C";
  }
});

// Counting as the platform counts (the rules come from GET /api/v1/platforms).
const segmenter = typeof Intl.Segmenter === "function" ? new Intl.Segmenter() : null;
const EMOJI = /\p{Extended_Pictographic}/u;
const URL_RE = /\bhttps?:\/\/\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|io|ai|co|dev|app|fr|de|uk|py)\b\S*/gi;
const clusters = (text) => (segmenter ? [...segmenter.segment(text)].map((s) => s.segment) : [...text]);
const bytes = (text) => new TextEncoder().encode(text).length;

function twitterWeight(text) {
  let urls = 0;
  const rest = text.normalize("NFC").replace(URL_RE, () => { urls += 1; return ""; });
  let total = urls * 23;
  for (const cluster of clusters(rest)) {
    if (EMOJI.test(cluster)) { total += 2; continue; }
    for (const ch of cluster) {
      const c = ch.codePointAt(0);
      const light = c <= 0x10ff || (c >= 0x2000 && c <= 0x200d) ||
        (c >= 0x2010 && c <= 0x201f) || (c >= 0x2032 && c <= 0x2037);
      total += light ? 1 : 2;
    }
  }
  return total;
}

const COUNTERS = {
  twitter_weighted: twitterWeight,
  graphemes: (t) => clusters(t).length,
  characters: (t) => [...t].length,
  characters_emoji_bytes: (t) => clusters(t).reduce((n, c) => n + (EMOJI.test(c) ? bytes(c) : [...c].length), 0),
  utf8_bytes: bytes,
};

async function setUpCounter() {
  const text = document.getElementById("text");
  const account = document.getElementById("account_id");
  const counter = document.getElementById("counter");
  if (!text || !account || !counter) return;
  let rules = {};
  try {
    const answer = await fetch("/api/v1/platforms");
    for (const p of (await answer.json()).platforms) rules[p.platform] = p.text;
  } catch {
    return; // the server still checks on save
  }
  const update = () => {
    const platform = account.selectedOptions[0]?.dataset.platform;
    const rule = rules[platform];
    if (!rule) { counter.textContent = ""; return; }
    const used = (COUNTERS[rule.counting] || COUNTERS.characters)(text.value);
    counter.textContent = `${used} / ${rule.max_length} (${platform} counting)`;
    counter.classList.toggle("over", used > rule.max_length);
  };
  text.addEventListener("input", update);
  account.addEventListener("change", update);
  update();
}

// Media: uploaded with the dashboard session (POST /api/upload), its URL added to the post.
function setUpUpload() {
  const input = document.getElementById("media-file");
  const urls = document.getElementById("media_urls");
  const status = document.getElementById("upload-status");
  if (!input || !urls) return;
  input.addEventListener("change", async () => {
    const file = input.files[0];
    if (!file) return;
    status.textContent = `Uploading ${file.name}…`;
    const body = new FormData();
    body.append("file", file);
    const answer = await fetch("/api/upload", {
      method: "POST", body, headers: { "X-CSRF-Token": input.dataset.csrf }, credentials: "same-origin",
    });
    const json = await answer.json();
    if (!answer.ok) { status.textContent = `Not uploaded: ${json.error?.message || answer.status}`; return; }
    urls.value = (urls.value.trim() ? urls.value.trim() + "\n" : "") + json.url;
    status.textContent = `Uploaded ${file.name}.`;
    input.value = "";
  });
}

setUpCounter();
setUpUpload();
