-- The benchmark's tables (../shared/bench/api/schema.sql in the workspace), loaded by
-- the PostgreSQL benchmarks: 100 authors and 10,000 articles, ids 1..N.
DROP TABLE IF EXISTS article; DROP TABLE IF EXISTS author;
CREATE TABLE author (id serial PRIMARY KEY, name varchar(100) NOT NULL);
INSERT INTO author (id, name) SELECT x, 'Author ' || x FROM generate_series(1, 100) AS x;
SELECT setval('author_id_seq', 100);
CREATE TABLE article (
  id serial PRIMARY KEY,
  title varchar(200) NOT NULL,
  body text NOT NULL,
  author_id integer NOT NULL REFERENCES author (id),
  created timestamptz NOT NULL
);
CREATE INDEX article_author_id ON article (author_id);
INSERT INTO article (id, title, body, author_id, created)
SELECT x, 'Article number ' || x,
       'Body of article ' || x || '. ' || repeat('Lorem ipsum dolor sit amet, consectetur adipiscing elit. ', 1 + x % 4),
       1 + (x * 37) % 100,
       timestamptz '2024-01-01 00:00:00+00' + x * interval '17 minutes'
FROM generate_series(1, 10000) AS x;
SELECT setval('article_id_seq', 10000);
ANALYZE author; ANALYZE article;
