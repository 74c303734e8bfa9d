// "Notify me of changes": subscribe this browser (Web Push, no account) for the starred sessions,
// keep the server's list in step when stars change, and "Stop notifications" removes it. Permission
// is asked only when the button is pressed. The server URL, key and words come from
// templates/_push.html; stars come from star.js.

import { setStarred, starKey, starredIds } from "./star.js";

const box = document.getElementById("push");
const words = JSON.parse(document.getElementById("push-words").textContent);
const on = document.getElementById("push-on");
const off = document.getElementById("push-off");
const status = document.getElementById("push-status");
const flag = `${starKey}:push`; // "on" while this browser wants notices
const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

function say(text) {
  status.textContent = text;
}

function showState(active) {
  on.hidden = active;
  off.hidden = !active;
  const count = starredIds().length;
  if (!active) return;
  say(count === 0 ? words.on_none : count === 1 ? words.on_one : words.on.replace("{count}", count));
}

function keyBytes(b64url) {
  const text = atob(b64url.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

async function call(method, body) {
  const response = await fetch(box.dataset.url, {
    method,
    headers: { "Content-Type": "application/json" }, // the server checks the Origin the browser adds
    credentials: "same-origin",
    body: JSON.stringify(body),
  });
  if (!response.ok && response.status !== 404) {
    const problem = await response.json().catch(() => ({}));
    throw new Error(problem.message || `HTTP ${response.status}`);
  }
}

async function registration() {
  await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  return navigator.serviceWorker.ready;
}

/** Return this browser's subscription made with the server's current key, or a new one. */
async function subscription(reg, create) {
  const key = keyBytes(box.dataset.key);
  let sub = await reg.pushManager.getSubscription();
  const same = sub?.options?.applicationServerKey && new Uint8Array(sub.options.applicationServerKey).every((b, i) => b === key[i]);
  if (sub && !same) {
    await sub.unsubscribe(); // made with an older key: the server could not sign for it
    sub = null;
  }
  if (!sub && create) sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  return sub;
}

async function sync(create = false) {
  const sub = await subscription(await registration(), create);
  if (!sub) return false;
  await call("POST", { subscription: sub.toJSON(), sessions: starredIds(), lang: box.dataset.lang });
  return true;
}

async function turnOn() {
  if (box.dataset.session && !starredIds().includes(box.dataset.session)) setStarred(box.dataset.session, true);
  const permission = await Notification.requestPermission();
  if (permission !== "granted") {
    say(words.blocked);
    return;
  }
  say(words.working);
  await sync(true);
  localStorage.setItem(flag, "on");
  showState(true);
}

async function turnOff() {
  localStorage.removeItem(flag);
  const sub = await (await registration()).pushManager.getSubscription();
  if (sub) {
    await call("DELETE", { endpoint: sub.endpoint });
    await sub.unsubscribe();
  }
  showState(false);
  say(words.off);
}

function guard(action) {
  return () =>
    action().catch((error) => {
      say(`${words.failed} (${error.message})`);
    });
}

let pending;
function starsChanged() {
  if (localStorage.getItem(flag) !== "on") return;
  clearTimeout(pending);
  pending = setTimeout(guard(async () => {
    await sync();
    showState(true);
  }), 400); // a burst of star clicks is one update
}

if (!supported) {
  box.hidden = false;
  on.hidden = true;
  say(words.unsupported);
} else {
  box.hidden = false;
  on.addEventListener("click", guard(turnOn));
  off.addEventListener("click", guard(turnOff));
  document.addEventListener("venue-live:starred", starsChanged);
  const active = localStorage.getItem(flag) === "on" && Notification.permission === "granted";
  showState(active);
  if (active) starsChanged(); // the server learns stars starred on other pages while offline
}
