"""service_fastapi.py - users_service.ac's peer: FastAPI + asyncpg.

The same routes, SQL and JSON as samples/users_service.ac (users_db.h),
on an asyncpg pool of the same size (ASYNCC_POOL, default 20) at
DATABASE_URL.  bench/service.sh runs it under uvicorn:

    uvicorn --app-dir bench service_fastapi:app --port P --workers N
"""
import os

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

SQL_GET = "SELECT id, name, email FROM users WHERE id = $1"
SQL_LIST = "SELECT id, name, email FROM users ORDER BY id LIMIT $1"
SQL_CREATE = ("INSERT INTO users (name, email) VALUES ($1, $2)"
              " ON CONFLICT (email) DO NOTHING RETURNING id, name, email")
SQL_REPORT = ("SELECT count(*), count(DISTINCT split_part(email, '@', 2)),"
              " coalesce(max(id), 0) FROM (SELECT id, email FROM users"
              " ORDER BY id DESC LIMIT 100) AS recent, pg_sleep(0.02)")

app = FastAPI()
pool = None


@app.on_event("startup")
async def startup():
    global pool
    pool = await asyncpg.create_pool(os.environ["DATABASE_URL"],
                                     min_size=1,
                                     max_size=int(os.environ.get("ASYNCC_POOL", "20")))


@app.on_event("shutdown")
async def shutdown():
    await pool.close()


def user(row):
    return {"id": row[0], "name": row[1], "email": row[2]}


def error(status, message):
    return JSONResponse({"error": message}, status_code=status)


@app.get("/users/{uid}")
async def get_user(uid: str):
    if not uid.isdigit() or len(uid) > 9 or int(uid) == 0:
        return error(404, "not found")
    row = await pool.fetchrow(SQL_GET, int(uid))
    if row is None:
        return error(404, "no such user")
    return user(row)


@app.get("/users")
async def list_users(limit: str = "10"):
    if not limit.isdigit() or len(limit) > 9 or not 0 < int(limit) <= 1000:
        return error(400, "bad id or limit")
    rows = await pool.fetch(SQL_LIST, int(limit))
    return [user(r) for r in rows]


@app.post("/users")
async def create_user(request: Request):
    try:
        doc = await request.json()
        name, email = doc["name"], doc["email"]
        if not (isinstance(name, str) and isinstance(email, str)
                and name and email):
            raise ValueError
    except Exception:
        return error(400, "expected {\"name\": \"...\", \"email\": \"...\"}")
    row = await pool.fetchrow(SQL_CREATE, name, email)
    if row is None:
        return error(409, "that email is taken")
    return JSONResponse(user(row), status_code=201)


@app.get("/report")
async def report():
    row = await pool.fetchrow(SQL_REPORT)
    return {"recent": row[0], "domains": row[1], "max_id": row[2]}
