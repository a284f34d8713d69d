// Node's socket.io 4.8 as the peer of Galvani in bench/realtime.py, doing what
// bench/realtime/src/bin/rt-server.rs does: every client joins the room `bench`;
// `POST /broadcast?count=N` emits N `tick` events to it, each stamped with the wall
// clock in microseconds (`t`); `GET /count` says how many sockets the room holds.
// Usage: node server.mjs PORT
import { createServer } from "node:http";
import { performance } from "node:perf_hooks";
import { Server } from "socket.io";

const port = Number(process.argv[2] ?? 8000);
const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);

const http = createServer((req, res) => {
  const url = new URL(req.url, "http://localhost");
  const room = io.sockets.adapter.rooms.get("bench");
  if (req.method === "POST" && url.pathname === "/broadcast") {
    const count = Number(url.searchParams.get("count") ?? 1);
    for (let seq = 0; seq < count; seq++) {
      io.to("bench").emit("tick", { t: nowUs(), seq });
    }
    res.end(String(room?.size ?? 0));
  } else if (url.pathname === "/count") {
    res.end(String(room?.size ?? 0));
  } else if (!req.url.startsWith("/socket.io/")) {
    res.statusCode = 404;
    res.end();
  }
});
const io = new Server(http);
io.on("connection", (socket) => socket.join("bench"));
http.listen(port, "127.0.0.1", () => console.log(`listening on ${port}`));
