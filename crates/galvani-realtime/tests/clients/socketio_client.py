"""python-socketio against Galvani's Socket.IO endpoints, over each transport.

Run by `cargo test -p galvani-realtime --features socketio` (tests/socketio.rs), which
starts the server and sets SERVER (its URL) and COOKIE (a logged-in session). Exits
non-zero, with the reason, on the first failure.
"""

import os
import queue
import sys

import socketio

SERVER = os.environ["SERVER"]
COOKIE = os.environ["COOKIE"]
TRANSPORTS = {
    "long-polling": ["polling"],
    "websocket": ["websocket"],
    "polling upgraded to websocket": ["polling", "websocket"],
}


def client(transports, namespace="/", headers=None):
    sio = socketio.Client(reconnection=False)
    sio.connect(SERVER, namespaces=[namespace], transports=transports, headers=headers or {}, wait_timeout=5)
    return sio


def refused(transports, namespace, headers):
    """The reason the server gave (`connect_error`) for refusing to let us in."""
    sio = socketio.Client(reconnection=False)
    reasons = queue.Queue()
    sio.on("connect_error", reasons.put, namespace=namespace)
    try:
        sio.connect(SERVER, namespaces=[namespace], transports=transports, headers=headers, wait_timeout=2)
    except socketio.exceptions.ConnectionError:
        return str(reasons.get(timeout=5))
    finally:
        sio.disconnect()
    raise AssertionError(f"connected to {namespace} with {headers}, but should have been refused")


def check(name, transports):
    sio = client(transports)
    assert sio.call("echo", {"text": "hello"}, timeout=5) == {"text": "hello"}
    if transports == ["polling", "websocket"]:
        # python-socketio upgrades before `connect` returns when it can.
        assert sio.transport() == "websocket", sio.transport()
    else:
        assert sio.transport() == transports[0], sio.transport()

    bad = sio.call("echo", 42, timeout=5)
    assert "the data of `echo` is not valid" in bad["error"], bad
    assert "no handler for `nope`" in sio.call("nope", {}, timeout=5)["error"]

    reply = sio.call("upload", {"name": "f.bin", "data": b"\x01\x02\x03\xfa"}, timeout=5)
    assert reply["meta"] == {"name": "f.bin", "size": 4}, reply
    assert reply["reversed"] == b"\xfa\x03\x02\x01", reply

    @sio.on("question")
    def question(q):
        return f"yes to {q}"

    assert sio.call("ask", "tea?", timeout=5) == "the client said: yes to tea?"

    other = client(transports)
    said = queue.Queue()
    other.on("said", said.put)
    room = f"py-{name}"
    assert sio.call("join", room, timeout=5) == 1
    assert other.call("join", room, timeout=5) == 2
    assert sio.call("shout", {"room": room, "text": "hi"}, timeout=5) is True
    got = said.get(timeout=5)
    assert got == {"text": "hi", "from": sio.get_sid()}, got
    other.disconnect()
    sio.disconnect()

    message = refused(transports, "/private", {})
    assert "Authentication required" in message, message
    private = client(transports, "/private", {"Cookie": COOKIE})
    assert private.call("whoami", {}, namespace="/private", timeout=5) == "ada"
    private.disconnect()
    message = refused(transports, "/private", {"Cookie": COOKIE, "Origin": "http://evil.example"})
    assert "origin" in message.lower(), message


def main():
    for name, transports in TRANSPORTS.items():
        try:
            check(name, transports)
        except Exception as e:  # report which transport, then fail
            print(f"FAIL over {name}: {type(e).__name__}: {e}", file=sys.stderr)
            raise
        print(f"ok over {name}")


if __name__ == "__main__":
    main()
