-- users_schema.sql - the table of users_service.ac and its peers
-- (users_service_sync.c, bench/service_fastapi.py, bench/service_flask.py),
-- with :users rows of seed data.  psql -v users=10000 -f users_schema.sql
DROP TABLE IF EXISTS users;
CREATE TABLE users (
    id    serial PRIMARY KEY,
    name  text NOT NULL,
    email text NOT NULL UNIQUE
);
INSERT INTO users (name, email)
SELECT 'user' || g, 'user' || g || '@' || (ARRAY['example.org', 'example.com',
       'example.net'])[1 + g % 3]
FROM generate_series(1, :users) AS g;
ANALYZE users;
