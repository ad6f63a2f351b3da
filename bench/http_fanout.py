#!/usr/bin/env python3
"""http_fanout.py CLIENT URL REQUESTS CONCURRENCY - the GETs of
http_fanout.ac with a Python asyncio client, for comparison.

CLIENT is aiohttp, aiohttp-uvloop (the same on uvloop's loop) or httpx.
CONCURRENCY workers each take the next request until none is left, on one
shared session (connections kept alive), as http_fanout.ac does.

Prints one line:  CLIENT REQUESTS CONCURRENCY MS CPU_MS FAILED
"""
import asyncio
import sys
import time


async def run(client, url, total, concurrency):
    state = {"next": 0, "failed": 0}

    async def worker(get):
        while state["next"] < total:
            state["next"] += 1
            try:
                status = await get(url)
            except Exception:  # any failure counts, like a < 0 in asyncc
                status = None
            if status != 200:
                state["failed"] += 1

    if client.startswith("aiohttp"):
        import aiohttp
        conn = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=conn) as s:
            async def get(u):
                async with s.get(u) as r:
                    await r.read()
                    return r.status
            await asyncio.gather(*(worker(get) for _ in range(concurrency)))
    else:
        import httpx
        limits = httpx.Limits(max_connections=concurrency)
        async with httpx.AsyncClient(limits=limits) as s:
            async def get(u):
                r = await s.get(u)
                return r.status_code
            await asyncio.gather(*(worker(get) for _ in range(concurrency)))
    return state["failed"]


def main():
    client, url = sys.argv[1], sys.argv[2]
    total, concurrency = int(sys.argv[3]), int(sys.argv[4])
    if client == "aiohttp-uvloop":
        import uvloop
        uvloop.install()
    t0, c0 = time.monotonic(), time.process_time()
    failed = asyncio.run(run(client, url, total, concurrency))
    print("%s %d %d %.0f %.0f %d" % (client, total, concurrency,
                                      (time.monotonic() - t0) * 1e3,
                                      (time.process_time() - c0) * 1e3, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
