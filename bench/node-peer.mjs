// A plain Node socket.io 4 server with Venue Live's change API shape, for bench/fanout.py --node-peer.
//
// GET /api/changes?since=N -> {"seq": head}; POST /api/changes with a JSON body -> the body with the
// next "seq" and "at" added, emitted as "change" to every connected socket, answered 201. A socket gets
// "synced" {seq} when it connects. No database, no auth: a yardstick for the fan-out alone. It listens
// on HOST (127.0.0.1) and PORT only, and stops on SIGTERM or SIGINT.
//
// socket.io is not one of the project's dependencies: it is loaded from SOCKETIO_PEER_DIR (default
// /tmp/vl-peer), where `npm install --prefix /tmp/vl-peer socket.io@4` puts it.

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
let seq = 0;

function reply(res, status, body) {
  const data = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) });
  res.end(data);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, `http://${host}`);
  if (url.pathname !== "/api/changes") return reply(res, 404, { error: "not_found" });
  if (req.method === "GET") return reply(res, 200, { seq, more: false, changes: [], announcements: [] });
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
    seq += 1;
    const change = { ...body, seq, at: new Date().toISOString() };
    io.emit("change", change);
    reply(res, 201, change);
  });
});

const io = new Server(server, { transports: ["websocket"], serveClient: false, cors: { origin: false } });
io.on("connection", (socket) => {
  socket.emit("synced", { seq });
});

function stop() {
  io.close();
  server.close();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

server.listen(port, host, () => {
  console.log(`node-peer: socket.io ${version} on http://${host}:${port}`);
});
