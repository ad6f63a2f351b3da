"""http_hello_aiohttp.py PORT - a second peer for bench/http.sh: aiohttp on
uvloop answering "Hello, World!" (text/plain) on 127.0.0.1:PORT."""
import asyncio
import sys

import uvloop
from aiohttp import web


async def hello(request):
    return web.Response(text="Hello, World!")


def main():
    app = web.Application()
    app.router.add_get("/", hello)
    uvloop.install()
    print("listening on %s" % sys.argv[1], flush=True)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None,
                access_log=None)


if __name__ == "__main__":
    main()
