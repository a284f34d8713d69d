// The official socket.io-client against Galvani's Socket.IO endpoints, over each
// transport. Run by `cargo test -p galvani-realtime --features socketio` (tests/socketio.rs),
// which starts the server and sets SERVER (its URL) and COOKIE (a logged-in session).
import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import WebSocket from "ws";

const SERVER = process.env.SERVER;
const COOKIE = process.env.COOKIE;
assert.ok(SERVER && COOKIE, "SERVER and COOKIE must be set (run through cargo test)");

const TRANSPORTS = {
  "long-polling": { transports: ["polling"], upgrade: false },
  websocket: { transports: ["websocket"] },
  "polling upgraded to websocket": { transports: ["polling", "websocket"] },
};

const opened = [];
after(() => opened.forEach((s) => s.close()));

function connect(path, options) {
  const socket = io(SERVER + path, { forceNew: true, reconnection: false, ...options });
  opened.push(socket);
  return socket;
}

function connected(socket) {
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", reject);
  });
}

function refused(socket) {
  return new Promise((resolve, reject) => {
    socket.once("connect", () => reject(new Error("connected, but should have been refused")));
    socket.once("connect_error", resolve);
  });
}

function next(socket, event) {
  return new Promise((resolve) => socket.once(event, (...args) => resolve(args)));
}

for (const [name, options] of Object.entries(TRANSPORTS)) {
  describe(`over ${name}`, () => {
    test("connects, and an emit gets its ack", async () => {
      const socket = await connected(connect("/", options));
      assert.equal(typeof socket.id, "string");
      const reply = await socket.timeout(5000).emitWithAck("echo", { text: "hello" });
      assert.deepEqual(reply, { text: "hello" });
      if (name === "polling upgraded to websocket") {
        // The client upgrades by itself once the probe succeeds.
        for (let i = 0; i < 50 && socket.io.engine.transport.name !== "websocket"; i++) {
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(socket.io.engine.transport.name, "websocket");
      } else {
        assert.equal(socket.io.engine.transport.name, options.transports[0]);
      }
      socket.close();
    });

    test("data that does not parse is answered with an error, and so is an unknown event", async () => {
      const socket = await connected(connect("/", options));
      const bad = await socket.timeout(5000).emitWithAck("echo", 42);
      assert.match(bad.error, /the data of `echo` is not valid/);
      const unknown = await socket.timeout(5000).emitWithAck("nope", {});
      assert.match(unknown.error, /no handler for `nope`/);
      // Without an ack, the error comes as an `error` event.
      const event = next(socket, "error");
      socket.emit("echo", "not an object");
      const [error] = await event;
      assert.equal(error.event, "echo");
      assert.match(error.error, /not valid/);
      // A handler's error about the client is told; the connection stays.
      const failed = await socket.timeout(5000).emitWithAck("fail", {});
      assert.deepEqual(failed, { error: "this always fails" });
      assert.deepEqual(await socket.timeout(5000).emitWithAck("echo", { text: "still here" }), { text: "still here" });
      socket.close();
    });

    test("binary goes both ways", async () => {
      const socket = await connected(connect("/", options));
      const data = Buffer.from([1, 2, 3, 250]);
      const { meta, reversed } = await socket.timeout(5000).emitWithAck("upload", { name: "f.bin", data });
      assert.deepEqual(meta, { name: "f.bin", size: 4 });
      assert.ok(Buffer.isBuffer(reversed), "binary comes back as binary, not numbers");
      assert.deepEqual([...reversed], [250, 3, 2, 1]);
      socket.close();
    });

    test("the server's emit gets the client's ack", async () => {
      const socket = await connected(connect("/", options));
      socket.on("question", (question, answer) => answer(`yes to ${question}`));
      const reply = await socket.timeout(5000).emitWithAck("ask", "tea?");
      assert.equal(reply, "the client said: yes to tea?");
      socket.close();
    });

    test("rooms are groups: a broadcast reaches the room's sockets, a plain WebSocket and an SSE stream", async () => {
      const room = "lobby";
      const a = await connected(connect("/", options));
      const b = await connected(connect("/", options));
      assert.ok((await a.timeout(5000).emitWithAck("join", room)) >= 1);
      assert.ok((await b.timeout(5000).emitWithAck("join", room)) >= 2);
      const plain = new WebSocket(SERVER.replace("http", "ws") + "/ws/lobby");
      await new Promise((resolve, reject) => { plain.once("open", resolve); plain.once("error", reject); });
      const plainGot = new Promise((resolve) => plain.on("message", (m) => {
        const frame = JSON.parse(m.toString());
        if (frame.type === "event") resolve(frame);
      }));
      const stream = await fetch(`${SERVER}/events/${room}`, { headers: { accept: "text/event-stream" } });
      const reader = stream.body.getReader();
      const sseGot = (async () => {
        let text = "";
        while (!text.includes("event: said")) {
          const { value } = await reader.read();
          text += new TextDecoder().decode(value);
        }
        return text;
      })();
      // Let the WebSocket and SSE joins land before the broadcast.
      await new Promise((r) => setTimeout(r, 200));
      const [aGot, bGot] = [next(a, "said"), next(b, "said")];
      assert.equal(await a.timeout(5000).emitWithAck("shout", { room, text: "hi all" }), true);
      for (const [said] of [await aGot, await bGot]) {
        assert.deepEqual(said, { text: "hi all", from: a.id });
      }
      const frame = await plainGot;
      assert.deepEqual([frame.group, frame.event, frame.data.text], [room, "said", "hi all"]);
      assert.match(await sseGot, /data: \{.*"text":"hi all".*\}/);
      await reader.cancel();
      plain.close();
      a.close();
      b.close();
    });

    test("a namespace that requires login refuses a client without the session cookie", async () => {
      const error = await refused(connect("/private", options));
      assert.match(error.message, /Authentication required/);
    });

    test("with the session cookie, the user is on the socket", async () => {
      const socket = await connected(connect("/private", { ...options, extraHeaders: { cookie: COOKIE } }));
      assert.equal(await socket.timeout(5000).emitWithAck("whoami", {}), "ada");
      socket.close();
    });

    test("a foreign origin is refused, even with the cookie", async () => {
      const headers = { cookie: COOKIE, origin: "http://evil.example" };
      const error = await refused(connect("/private", { ...options, extraHeaders: headers }));
      assert.match(error.message, /origin/i);
    });
  });
}
