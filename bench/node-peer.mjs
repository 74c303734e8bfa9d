// A plain Node socket.io 4 server with Venue Live's change API shape, for bench/fanout.py --node-peer.
//
// GET /api/changes?since=N -> {"seq": head}; POST /api/changes with a JSON body -> the body with the
// next "seq" and "at" added, emitted as "change" to every connected socket, answered 201. A socket gets
// "synced" {seq} when it connects, after the changes it missed when it sent auth {since}. No database, no auth: a yardstick for the fan-out alone. It listens
// on HOST (127.0.0.1) and PORT only, and stops on SIGTERM or SIGINT.
//
// socket.io is not one of the project's dependencies: it is loaded from SOCKETIO_PEER_DIR (default
// /tmp/vl-peer), where `npm install --prefix /tmp/vl-peer socket.io@4` puts it.
//
// With REDIS_URL set, several of these processes form one cluster (bench/fanout.py --node-cluster): the
// seq is a Redis counter (INCR), and socket.io's Redis adapter (@socket.io/redis-adapter with the redis
// client, the project's devDependencies) carries every emit to the sockets of every process.

import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";

const peerDir = process.env.SOCKETIO_PEER_DIR || "/tmp/vl-peer";
const require = createRequire(path.join(peerDir, "package.json"));
const { Server } = require("socket.io");
const version = require("socket.io/package.json").version;

const host = process.env.HOST || "127.0.0.1";
const port = Number(process.env.PORT || 5000);
const MAX_BODY = 64 * 1024;
const SEQ_KEY = "vl-peer:seq";
let seq = 0;
let redis = null;
const log = []; // every change of a single process, log[seq - 1], for catch-up from auth {since}

async function nextSeq() {
  if (redis) return Number(await redis.incr(SEQ_KEY));
  seq += 1;
  return seq;
}

async function headSeq() {
  if (redis) return Number((await redis.get(SEQ_KEY)) || 0);
  return seq;
}

function reply(res, status, body) {
  const data = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) });
  res.end(data);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, `http://${host}`);
  if (url.pathname !== "/api/changes") return reply(res, 404, { error: "not_found" });
  if (req.method === "GET") {
    headSeq().then((head) => reply(res, 200, { seq: head, more: false, changes: [], announcements: [] }));
    return;
  }
  if (req.method !== "POST") return reply(res, 405, { error: "method_not_allowed" });
  const chunks = [];
  let size = 0;
  req.on("data", (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY) req.destroy();
    else chunks.push(chunk);
  });
  req.on("end", () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      return reply(res, 400, { error: "invalid", message: "A change is a JSON object." });
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      return reply(res, 400, { error: "invalid", message: "A change is a JSON object." });
    }
    nextSeq().then((next) => {
      const change = { ...body, seq: next, at: new Date().toISOString() };
      if (!redis) log.push(change);
      io.emit("change", change);
      reply(res, 201, change);
    });
  });
});

const io = new Server(server, { transports: ["websocket"], serveClient: false, cors: { origin: false } });
io.on("connection", (socket) => {
  // Like Venue Live: a client that says what it has gets what it missed, in order, then "synced".
  const since = socket.handshake.auth?.since;
  if (!redis && Number.isInteger(since) && since >= 0) {
    for (const change of log.slice(since)) socket.emit("change", change);
  }
  headSeq().then((head) => socket.emit("synced", { seq: head }));
});

async function useRedis(url) {
  const project = createRequire(new URL("../package.json", import.meta.url));
  const { createClient } = project("redis");
  const { createAdapter } = project("@socket.io/redis-adapter");
  redis = createClient({ url });
  const sub = redis.duplicate();
  await Promise.all([redis.connect(), sub.connect()]);
  io.adapter(createAdapter(redis, sub, { key: "vl-peer" }));
}

function stop() {
  io.close();
  if (redis) redis.quit().catch(() => {});
  server.close();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

const ready = process.env.REDIS_URL ? useRedis(process.env.REDIS_URL) : Promise.resolve();
ready.then(() => {
  server.listen(port, host, () => {
    const mode = redis ? ` with the Redis adapter (${process.env.REDIS_URL})` : "";
    console.log(`node-peer: socket.io ${version} on http://${host}:${port}${mode}`);
  });
});
