// One load-generator process for bench/fanout.py --client node: COUNT socket.io clients in one Node
// event loop, driven by the Python coordinator over stdin/stdout (one JSON object a line).
//
//   node bench/fanout-client.mjs '<config JSON>'
//
// config: {worker, url, count, since, connect_concurrency, connect_timeout, connect_phase_timeout,
// hold_timeout, teardown_timeout, deflate} (times in seconds). The process connects COUNT clients with the
// project's own socket.io-client (node_modules/socket.io-client of the repository, websocket transport
// only, no reconnection, one Manager per client, auth {since, batch: true}), then writes
//   {"kind": "connected", "worker", "ok", "failed", "errors", "durations", "start", "end", ...}
// and waits (at most hold_timeout) for a line from the coordinator: {"kind": "collect", "seqs", "grace"}
// makes it wait until every connected client has every seq in seqs (at most grace seconds) and write
//   {"kind": "results", "worker", "seqs", "times", "synced", "synced_wrong", "still_connected",
//    "disconnects", "client_logs", "other_events"}
// in the same shape as the Python workers of fanout.py; {"kind": "abort"} or the end of stdin make it
// disconnect everything and exit at once. For bench/reconnect_storm.py, {"kind": "drop"} closes every
// client at once (answered {"kind": "dropped"}), and {"kind": "rejoin", "target", "timeout",
// "concurrency"} reconnects each with auth {since: the last seq it had} and answers
//   {"kind": "rejoined", "worker", "start", "current_at", "seqs", "times", "errors", "snapshots"}
// once every client has seq target (or got a snapshot), or after timeout seconds. Receive times are Date.now() / 1000 taken in the "change"/"changes"
// handler (seconds since the epoch, like Python's time.time(); one machine, so one clock). Every wait is
// bounded and a last timer ends the process in any case.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import readline from "node:readline";

const require = createRequire(new URL("../package.json", import.meta.url));
const { io } = require("socket.io-client");
const clientVersion = require("socket.io-client/package.json").version;

const cfg = JSON.parse(process.argv[2] || "{}");
const worker = cfg.worker ?? 0;
const count = cfg.count ?? 0;
const since = cfg.since ?? 0;

function send(message) {
  return new Promise((resolve) => {
    process.stdout.write(`${JSON.stringify(message)}\n`, () => resolve());
  });
}

function bump(counter, key, by = 1) {
  counter[key] = (counter[key] || 0) + by;
}

const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Bounded no matter what: connecting, holding, collecting and tearing down, plus a minute.
const lifetime =
  (cfg.connect_phase_timeout ?? 240) +
  (cfg.hold_timeout ?? 600) +
  (cfg.teardown_timeout ?? 30) +
  60;
setTimeout(() => {
  process.stderr.write(`fanout-client ${worker}: lifetime of ${lifetime} s reached, exiting\n`);
  process.exit(3);
}, lifetime * 1000);

let finishing = false;
async function fail(error) {
  if (finishing) return;
  finishing = true;
  const text = error && error.stack ? error.stack : String(error);
  process.stderr.write(`fanout-client ${worker}: ${text}\n`);
  await send({ kind: "error", worker, error: `${error?.name || "Error"}: ${error?.message || error}` });
  process.exit(1);
}
process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);

// --- messages from the coordinator ----------------------------------------------------------------
let waiter = null;
const inbox = [];
let stdinClosed = false;
const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on("line", (line) => {
  if (!line.trim()) return;
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    process.stderr.write(`fanout-client ${worker}: not JSON from the coordinator: ${line.slice(0, 200)}\n`);
    return;
  }
  if (message?.kind === "abort") abort();
  else if (waiter) waiter(message);
  else inbox.push(message);
});
lines.on("close", () => {
  stdinClosed = true;
  abort(); // the coordinator is gone or done with us
});

function nextMessage(timeoutMs) {
  if (inbox.length) return Promise.resolve(inbox.shift());
  if (stdinClosed) return Promise.resolve(null);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      waiter = null;
      resolve(null);
    }, timeoutMs);
    waiter = (message) => {
      clearTimeout(timer);
      waiter = null;
      resolve(message);
    };
  });
}

// --- the clients ------------------------------------------------------------------------------------
const seqs = Array.from({ length: count }, () => []);
const times = Array.from({ length: count }, () => []);
const synced = new Array(count).fill(null);
const sockets = new Array(count).fill(null);
const otherEvents = {};
const disconnects = {};
const clientLogs = {};
const errors = {};
const durations = [];
const snapshots = new Array(count).fill(null);
let phaseOver = false;

function teardown() {
  for (let i = 0; i < count; i++) {
    const socket = sockets[i];
    if (!socket) continue;
    try {
      socket.disconnect();
    } catch {
      // already gone
    }
  }
}

let aborting = false;
function abort() {
  if (aborting || finishing) return;
  aborting = true;
  teardown();
  // Let the close frames go out, then leave (bounded).
  setTimeout(() => process.exit(0), 500);
}

// At most connect_concurrency connects in flight, like the Python workers' semaphore.
let inFlight = 0;
const queue = [];
function acquire() {
  if (inFlight < (cfg.connect_concurrency ?? 16)) {
    inFlight += 1;
    return Promise.resolve();
  }
  return new Promise((resolve) => queue.push(resolve));
}
function release() {
  const next = queue.shift();
  if (next) next();
  else inFlight -= 1;
}

function makeClient(i, from = since) {
  const socket = io(cfg.url, {
    transports: ["websocket"],
    auth: { since: from, batch: true }, // as a page does: a catch-up comes as one "changes" message
    reconnection: false,
    forceNew: true, // one Manager and one engine.io connection per client
    timeout: (cfg.connect_timeout ?? 60) * 1000,
    perMessageDeflate: cfg.deflate ? { threshold: 1024 } : false,
  });
  const receive = (data) => {
    const now = Date.now() / 1000;
    seqs[i].push(isObject(data) ? (data.seq ?? null) : null);
    times[i].push(now);
  };
  socket.on("change", receive);
  socket.on("changes", (data) => (Array.isArray(data?.changes) ? data.changes : [null]).forEach(receive));
  socket.on("snapshot", () => {
    snapshots[i] = Date.now() / 1000;
  });
  socket.on("synced", (data) => {
    synced[i] = isObject(data) ? (data.seq ?? null) : -1;
  });
  socket.on("disconnect", (reason) => bump(disconnects, String(reason)));
  socket.onAny((event) => {
    if (event !== "change" && event !== "changes" && event !== "synced" && event !== "snapshot") bump(otherEvents, event);
  });
  socket.io.on("error", (error) => {
    if (socket.connected || sockets[i]) bump(clientLogs, `ERROR: ${String(error?.message || error).slice(0, 100)}`);
  });
  return socket;
}

async function connectOne(i) {
  await acquire();
  try {
    if (phaseOver || aborting) return;
    const start = performance.now();
    const socket = makeClient(i);
    const outcome = await new Promise((resolve) => {
      const timer = setTimeout(
        () => resolve("TimeoutError: no connect within connect_timeout + 5 s"),
        ((cfg.connect_timeout ?? 60) + 5) * 1000,
      );
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve(null);
      });
      socket.once("connect_error", (error) => {
        clearTimeout(timer);
        const name = error?.name || "Error";
        const detail = error?.description?.message || error?.description || "";
        resolve(`${name}: ${String(error?.message || error).slice(0, 80)}${detail ? ` (${String(detail).slice(0, 60)})` : ""}`);
      });
    });
    if (outcome !== null || phaseOver || aborting) {
      if (outcome !== null) bump(errors, outcome);
      socket.disconnect();
      return;
    }
    durations.push((performance.now() - start) / 1000);
    sockets[i] = socket;
  } finally {
    release();
  }
}

function nofileSoft() {
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((l) => l.startsWith("Max open files"));
    return line ? line.split(/\s+/)[3] : null;
  } catch {
    return null;
  }
}

async function collect(message) {
  const wanted = message.seqs ?? [];
  const live = [];
  for (let i = 0; i < count; i++) if (sockets[i]) live.push(i);
  const deadline = performance.now() + (message.grace ?? 15) * 1000;
  const complete = () =>
    live.every((i) => {
      const got = new Set(seqs[i]);
      return wanted.every((seq) => got.has(seq));
    });
  while (performance.now() < deadline && !aborting) {
    if (complete()) break;
    await sleep(200); // receive times are taken in the "change" handler, not here
  }
  if (aborting) return;
  await send({
    kind: "results",
    worker,
    seqs: live.map((i) => seqs[i]),
    times: live.map((i) => times[i]),
    synced: live.filter((i) => synced[i] !== null).length,
    synced_wrong: live.filter((i) => synced[i] !== null && synced[i] !== since).length,
    still_connected: live.filter((i) => sockets[i].connected).length,
    disconnects,
    client_logs: clientLogs,
    other_events: otherEvents,
  });
}

// --- the reconnect storm ------------------------------------------------------------------------------
const lastSeq = (i) => seqs[i].reduce((a, b) => (Number.isInteger(b) && b > a ? b : a), since);
let dropped = [];

function drop() {
  dropped = [];
  for (let i = 0; i < count; i++) {
    if (!sockets[i]) continue;
    sockets[i].disconnect();
    sockets[i] = null;
    dropped.push(i);
  }
  return dropped.length;
}

async function rejoin(message) {
  const target = message.target;
  const start = Date.now() / 1000;
  const currentAt = new Array(count).fill(null);
  const rejoinErrors = {};
  const isCurrent = (i) => snapshots[i] !== null || lastSeq(i) >= target;
  const gate = { free: message.concurrency || dropped.length, waiting: [] };
  const one = async (i) => {
    if (gate.free > 0) gate.free -= 1;
    else await new Promise((resolve) => gate.waiting.push(resolve));
    const socket = makeClient(i, lastSeq(i));
    sockets[i] = socket;
    const checkCurrent = () => {
      if (currentAt[i] === null && isCurrent(i)) currentAt[i] = Date.now() / 1000;
    };
    socket.on("change", checkCurrent);
    socket.on("changes", checkCurrent);
    await new Promise((resolve) => {
      socket.once("connect", resolve);
      socket.once("connect_error", (error) => {
        bump(rejoinErrors, String(error?.message || error).slice(0, 80));
        resolve();
      });
    });
    if (currentAt[i] === null && isCurrent(i)) currentAt[i] = Date.now() / 1000;
    const next = gate.waiting.shift();
    if (next) next();
    else gate.free += 1;
  };
  dropped.forEach((i) => one(i));
  const deadline = performance.now() + (message.timeout ?? 30) * 1000;
  while (performance.now() < deadline && !aborting && dropped.some((i) => currentAt[i] === null)) {
    await sleep(20);
  }
  if (aborting) return;
  await send({
    kind: "rejoined",
    worker,
    start,
    current_at: dropped.map((i) => currentAt[i]),
    seqs: dropped.map((i) => seqs[i]),
    times: dropped.map((i) => times[i]),
    errors: rejoinErrors,
    snapshots: dropped.filter((i) => snapshots[i] !== null).length,
  });
}

async function main() {
  const phaseStart = Date.now() / 1000;
  const tasks = Array.from({ length: count }, (_, i) => connectOne(i));
  let phaseTimer;
  const all = Promise.all(tasks).then(() => true);
  const timedOut = new Promise((resolve) => {
    phaseTimer = setTimeout(() => resolve(false), (cfg.connect_phase_timeout ?? 240) * 1000);
  });
  const finished = await Promise.race([all, timedOut]);
  clearTimeout(phaseTimer);
  if (!finished) {
    phaseOver = true; // connects still under way give up and close; sockets[i] stays null for them
    const pending = count - durations.length - Object.values(errors).reduce((a, b) => a + b, 0);
    if (pending > 0) bump(errors, "connect phase timed out", pending);
  }
  const phaseEnd = Date.now() / 1000;
  if (aborting) return;
  await send({
    kind: "connected",
    worker,
    ok: durations.length,
    failed: count - durations.length,
    errors,
    durations,
    start: phaseStart,
    end: phaseEnd,
    client: `socket.io-client ${clientVersion} on Node ${process.version}`,
    nofile_soft: nofileSoft(),
  });

  // Hold the connections until the coordinator has posted its changes (bounded).
  for (;;) {
    const message = await nextMessage((cfg.hold_timeout ?? 600) * 1000);
    if (aborting || !message) break;
    if (message.kind === "collect") {
      await collect(message);
      break;
    }
    if (message.kind === "drop") {
      await send({ kind: "dropped", worker, count: drop() });
    } else if (message.kind === "rejoin") {
      await rejoin(message);
      break;
    }
  }
  if (!aborting) {
    aborting = true;
    teardown();
    setTimeout(() => process.exit(0), 500);
  }
}

main().catch(fail);
