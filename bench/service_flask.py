"""service_flask.py - users_service.ac's synchronous peer: Flask + psycopg2.

The same routes, SQL and JSON as samples/users_service.ac; one database
connection per worker process (psycopg2 blocks), at DATABASE_URL.
bench/service.sh runs it under gunicorn's sync workers:

    gunicorn --chdir bench -w N -b 127.0.0.1:P service_flask:app
"""
import os

import psycopg2
from flask import Flask, jsonify, request

SQL_GET = "SELECT id, name, email FROM users WHERE id = %s"
SQL_LIST = "SELECT id, name, email FROM users ORDER BY id LIMIT %s"
SQL_CREATE = ("INSERT INTO users (name, email) VALUES (%s, %s)"
              " ON CONFLICT (email) DO NOTHING RETURNING id, name, email")
SQL_REPORT = ("SELECT count(*), count(DISTINCT split_part(email, '@', 2)),"
              " coalesce(max(id), 0) FROM (SELECT id, email FROM users"
              " ORDER BY id DESC LIMIT 100) AS recent, pg_sleep(0.02)")

app = Flask(__name__)
_conn = None


def db():
    """This worker's connection, made on first use (after gunicorn forks)."""
    global _conn
    if _conn is None or _conn.closed:
        _conn = psycopg2.connect(os.environ["DATABASE_URL"])
        _conn.autocommit = True
    return _conn


def query(sql, args=()):
    with db().cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def user(row):
    return {"id": row[0], "name": row[1], "email": row[2]}


def error(status, message):
    return jsonify(error=message), status


@app.get("/users/<uid>")
def get_user(uid):
    if not uid.isdigit() or len(uid) > 9 or int(uid) == 0:
        return error(404, "not found")
    rows = query(SQL_GET, (int(uid),))
    if not rows:
        return error(404, "no such user")
    return jsonify(user(rows[0]))


@app.get("/users")
def list_users():
    limit = request.args.get("limit", "10")
    if not limit.isdigit() or len(limit) > 9 or not 0 < int(limit) <= 1000:
        return error(400, "bad id or limit")
    return jsonify([user(r) for r in query(SQL_LIST, (int(limit),))])


@app.post("/users")
def create_user():
    doc = request.get_json(silent=True, force=True)
    name = doc.get("name") if isinstance(doc, dict) else None
    email = doc.get("email") if isinstance(doc, dict) else None
    if not (isinstance(name, str) and isinstance(email, str) and name and email):
        return error(400, "expected {\"name\": \"...\", \"email\": \"...\"}")
    rows = query(SQL_CREATE, (name, email))
    if not rows:
        return error(409, "that email is taken")
    return jsonify(user(rows[0])), 201


@app.get("/report")
def report():
    row = query(SQL_REPORT)[0]
    return jsonify(recent=row[0], domains=row[1], max_id=row[2])
