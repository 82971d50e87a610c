// Load generator for the live benchmarks: holds many Socket.IO clients in one Node process.
//
// Started by bench/harness.py with one argument, a JSON file:
//   {"url": "http://127.0.0.1:5001", "namespace": "/team", "base": 0,
//    "clients": [{"cookie": "session=...", "auth": {"team": "team-1"}}, ...]}
// It connects every client (WebSocket only, like our screens once upgraded), then answers commands read
// from stdin, one JSON object per line, with one JSON line on stdout carrying the same "id":
//   {"cmd": "dump"}     deliveries seen since the last dump: [[broadcast, latency_ms], ...]
//   {"cmd": "replies", "inject_id", "rate", "duration_s", "prefix"}  every client posts replies at
//                       `rate` per second (open loop: it does not wait for acks) for `duration_s`
//   {"cmd": "burst", "inject_id", "at_ms", "prefix"}  every client posts one reply at the instant at_ms
//   {"cmd": "quit"}
// Latency = receive time minus the send time the emitter wrote in the inject text ("bench#<n>@<ms>");
// both clocks are this machine's wall clock (performance.timeOrigin + performance.now(), sub-ms).
"use strict";

const fs = require("fs");
const path = require("path");
const readline = require("readline");
const { io } = require(path.join(__dirname, "..", "node_modules", "socket.io-client"));

const config = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const MARK = /bench#(\d+)@([\d.]+)/;
const now = () => performance.timeOrigin + performance.now();
const base = config.base || 0; // this process's first client number: reply keys differ across processes

let deliveries = [];
let sample = null;
const sockets = [];

function onPush(message) {
  const received = now();
  for (const item of message.items || []) {
    const m = item.kind === "inject" && typeof item.text === "string" && MARK.exec(item.text);
    if (m) {
      deliveries.push([Number(m[1]), received - Number(m[2])]);
      if (sample === null) sample = message;
    }
  }
}

function connectOne(spec) {
  return new Promise((resolve) => {
    const socket = io(config.url + config.namespace, {
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      timeout: 20000,
      extraHeaders: spec.cookie ? { Cookie: spec.cookie } : {},
      auth: spec.auth || {},
    });
    socket.on("push", onPush);
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (err) => {
      socket.close();
      resolve(err);
    });
  });
}

async function connectAll() {
  const width = config.concurrency || 25;
  let next = 0;
  let failed = 0;
  const errors = new Set();
  async function worker() {
    while (next < config.clients.length) {
      const spec = config.clients[next++];
      const result = await connectOne(spec);
      if (result instanceof Error) {
        failed++;
        errors.add(String(result.message));
      } else {
        sockets.push(result);
      }
    }
  }
  await Promise.all(Array.from({ length: width }, worker));
  return { connected: sockets.length, failed, errors: [...errors].slice(0, 3) };
}

function post(socket, payload) {
  // Resolves with [ack latency ms, outcome]; outcome is "ok", "duplicate" or the error.
  const began = now();
  return socket
    .timeout(60000)
    .emitWithAck("post_reply", payload)
    .then(
      (ack) => [now() - began, ack && ack.ok ? (ack.duplicate ? "duplicate" : "ok") : String(ack && ack.error)],
      (err) => [now() - began, "timeout: " + err.message],
    );
}

function summarise(results, started) {
  const outcomes = {};
  for (const [, outcome] of results) outcomes[outcome] = (outcomes[outcome] || 0) + 1;
  return { acks: results.map((r) => r[0]), outcomes, elapsed_ms: now() - started };
}

async function replies(cmd) {
  const started = now();
  const pending = [];
  const interval = 1000 / cmd.rate;
  const count = Math.round(cmd.rate * cmd.duration_s);
  sockets.forEach((socket, i) => {
    const offset = (interval * i) / sockets.length; // spread the clients over one interval
    for (let n = 0; n < count; n++) {
      pending.push(
        new Promise((resolve) => setTimeout(resolve, offset + n * interval)).then(() =>
          post(socket, { key: `${cmd.prefix}-${base + i}-${n}`, text: "We are aware and we are on it.", inject_id: cmd.inject_id }),
        ),
      );
    }
  });
  return summarise(await Promise.all(pending), started);
}

async function burst(cmd) {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, cmd.at_ms - now())));
  const started = now();
  const results = await Promise.all(
    sockets.map((socket, i) =>
      post(socket, { key: `${cmd.prefix}-${base + i}`, text: "We are aware and we apologise.", inject_id: cmd.inject_id }),
    ),
  );
  return summarise(results, started);
}

function reply(id, body) {
  process.stdout.write(JSON.stringify({ id, ...body }) + "\n");
}

async function main() {
  reply("connect", await connectAll());
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const cmd = JSON.parse(line);
    if (cmd.cmd === "dump") {
      reply(cmd.id, { deliveries, sample });
      deliveries = [];
    } else if (cmd.cmd === "replies") {
      reply(cmd.id, await replies(cmd));
    } else if (cmd.cmd === "burst") {
      reply(cmd.id, await burst(cmd));
    } else if (cmd.cmd === "quit") {
      break;
    }
  }
  for (const socket of sockets) socket.close();
  process.exit(0);
}

process.stdin.on("end", () => process.exit(0)); // the driver died: do not linger
main().catch((err) => {
  reply("error", { error: String(err && err.stack) });
  process.exit(1);
});
