// The shop's live pages: stock on a product page (Server-Sent Events) and the
// support chat (a WebSocket). Text goes in with textContent, never as HTML.
"use strict";

const product = document.querySelector("[data-events]");
if (product) {
  const stock = document.getElementById("stock");
  const events = new EventSource(product.dataset.events);
  events.addEventListener("stock", (e) => {
    const { stock: units } = JSON.parse(e.data);
    stock.textContent = units > 0 ? `${units} in stock` : "Out of stock";
    stock.classList.toggle("out", units === 0);
  });
}

const chat = document.querySelector("[data-socket]");
if (chat) {
  const present = document.getElementById("present");
  const said = document.getElementById("said");
  const status = document.getElementById("status");
  const form = document.getElementById("say");
  const input = document.getElementById("text");
  const people = new Map(); // name -> how many of their connections are here

  const showPresent = () => {
    present.replaceChildren(...[...people.keys()].sort().map((name) => {
      const li = document.createElement("li");
      li.textContent = name;
      return li;
    }));
  };
  const line = (text, className) => {
    const li = document.createElement("li");
    li.textContent = text;
    if (className) li.className = className;
    said.append(li);
  };
  const count = (name, by) => {
    const n = (people.get(name) || 0) + by;
    if (n > 0) people.set(name, n); else people.delete(name);
    showPresent();
  };

  const url = new URL(chat.dataset.socket, location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(url);
  socket.addEventListener("open", () => { status.textContent = "Connected."; });
  socket.addEventListener("close", () => { status.textContent = "Disconnected: reload the page to reconnect."; });
  socket.addEventListener("message", (m) => {
    const frame = JSON.parse(m.data);
    if (frame.type === "welcome") {
      status.textContent = `Connected as ${frame.name}.`;
      frame.present.forEach((p) => count(p.name, 1));
    } else if (frame.type === "error") {
      line(frame.error, "error");
    } else if (frame.type === "event" && frame.event === "said") {
      line(`${frame.data.name}: ${frame.data.text}`);
    } else if (frame.type === "event" && frame.event === "presence.join") {
      count(frame.data.name, 1);
    } else if (frame.type === "event" && frame.event === "presence.leave") {
      count(frame.data.name, -1);
    }
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    socket.send(JSON.stringify({ type: "say", text: input.value }));
    input.value = "";
  });
}
