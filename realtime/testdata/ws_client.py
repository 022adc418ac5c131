# A WebSocket client nobody here wrote: the python3 "websockets" library (the
# asyncio client, present in every release from Debian's 10.x on). It prints one
# line per check; interop_python_test.go compares them.
import asyncio
import json
import sys

import websockets

base = sys.argv[1]  # ws://127.0.0.1:PORT


def closed(ws, exc=None):
    code = getattr(ws, "close_code", None)
    reason = getattr(ws, "close_reason", None)
    rcvd = getattr(exc, "rcvd", None)
    if rcvd is not None:
        code, reason = rcvd.code, rcvd.reason
    return "%s %r" % (code, reason)


async def main():
    async with websockets.connect(base + "/echo") as ws:
        await ws.send("héllo text")
        got = await ws.recv()
        print("text", type(got).__name__, got)
        await ws.send(bytes([0, 1, 2, 255]))
        got = await ws.recv()
        print("binary", type(got).__name__, got.hex())
        await ws.send("bye")
        try:
            await ws.recv()
            print("close none")
        except websockets.exceptions.ConnectionClosed as e:
            print("server close", closed(ws, e))

    async with websockets.connect(base + "/chat") as ws:
        await ws.send(json.dumps({"text": "from python"}))
        print("json", json.loads(await ws.recv()))
        await ws.close(code=4002, reason="python done")
        print("client close", closed(ws))

    async with websockets.connect(base + "/echo") as ws:
        await ws.send("x" * 2000)
        try:
            await ws.recv()
            print("too big none")
        except websockets.exceptions.ConnectionClosed as e:
            print("too big", closed(ws, e).split()[0])  # the reason is the Go library's wording

    try:
        async with websockets.connect(base + "/echo", origin="https://evil.example") as ws:
            print("origin accepted")
    except websockets.exceptions.InvalidHandshake as e:
        status = getattr(e, "status_code", None)
        if status is None and getattr(e, "response", None) is not None:
            status = e.response.status_code
        print("origin refused", status)


asyncio.run(asyncio.wait_for(main(), 10))
