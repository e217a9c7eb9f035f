"""Runs SQL against a Worker's local D1 (its SQLite file under `wrangler dev --persist-to`) for the end-to-end
harness (`harness.mjs`, `queryAll`) and prints one JSON array of rows per statement, each row an object keyed by
column name, as `wrangler d1 execute --json` gives its `results`.

Why not wrangler: `wrangler d1 execute --local` starts a workerd of its own for each call, 2-3 s on the CI
machine, and the suites make several hundred queries. SQLite's own locking (the same the Worker's workerd takes)
keeps this safe beside the running Worker; a busy database is waited on for up to 30 s.

Usage: d1query.py <database.sqlite> <sql>
"""

import json
import sqlite3
import sys


def statements(sql):
    """The statements of `sql`, each complete as SQLite reads it (a `;` inside a string does not split)."""
    found, current = [], ""
    for piece in sql.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \t\r\n;"):
                found.append(current)
            current = ""
    if current.strip(" \t\r\n;"):
        found.append(current)
    return found


def main():
    database, sql = sys.argv[1], sys.argv[2]
    connection = sqlite3.connect(database, timeout=30, isolation_level=None)
    connection.row_factory = sqlite3.Row
    # As D1 does: foreign keys enforced.
    connection.execute("PRAGMA foreign_keys = ON")
    results = []
    # One transaction for all the statements, as one `wrangler d1 execute --command` call is one batch. A read
    # alone takes no write lock, so that it never holds up the Worker's own writes.
    parts = statements(sql)
    reads_only = all(part.lstrip().split(None, 1)[0].upper() in ("SELECT", "WITH") for part in parts)
    connection.execute("BEGIN" if reads_only else "BEGIN IMMEDIATE")
    try:
        for statement in parts:
            rows = connection.execute(statement).fetchall()
            results.append([dict(row) for row in rows])
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
