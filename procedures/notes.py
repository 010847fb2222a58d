"""A local notes and to-do store (SQLite in the sandbox directory)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from typing import Any

from tokmem_agents.errors import ProcedureError
from tokmem_agents.registry import ProcedureRegistry

from .sandbox import connect_store

procedures = ProcedureRegistry()

STORE = ".notes.sqlite3"
MAX_RESULTS = 50

_SCHEMA = """
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY, text TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS todos (
    id INTEGER PRIMARY KEY, task TEXT NOT NULL, priority TEXT NOT NULL DEFAULT 'medium',
    done INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL, completed TEXT);
"""


def _open() -> sqlite3.Connection:
    conn = connect_store(STORE)
    conn.executescript(_SCHEMA)
    return conn


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def _like(keyword: str) -> str:
    """A LIKE pattern matching ``keyword`` literally anywhere (``\\`` is the escape character)."""
    escaped = keyword.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@procedures.register("add_note", mutates=True)
def add_note(text: str) -> dict[str, Any]:
    """Save a note."""
    if not text.strip():
        raise ProcedureError("text: a note must not be empty")
    with closing(_open()) as conn, conn:
        cur = conn.execute("INSERT INTO notes (text, created) VALUES (?, ?)", (text, _now()))
        return {"id": cur.lastrowid, "text": text}


@procedures.register("search_notes")
def search_notes(keyword: str) -> dict[str, Any]:
    """Notes containing ``keyword`` (case-insensitive), newest first."""
    with closing(_open()) as conn:
        rows = conn.execute(
            "SELECT id, text, created FROM notes WHERE text LIKE ? ESCAPE '\\' ORDER BY id DESC LIMIT ?",
            (_like(keyword), MAX_RESULTS),
        ).fetchall()
    return {"keyword": keyword, "notes": [dict(r) for r in rows]}


@procedures.register("add_todo", mutates=True)
def add_todo(task: str, priority: str = "medium") -> dict[str, Any]:
    """Add an open task to the to-do list."""
    if not task.strip():
        raise ProcedureError("task: a to-do must not be empty")
    if priority not in ("low", "medium", "high"):
        raise ProcedureError(f"priority must be low, medium or high, got {priority!r}")
    with closing(_open()) as conn, conn:
        cur = conn.execute(
            "INSERT INTO todos (task, priority, created) VALUES (?, ?, ?)", (task, priority, _now())
        )
        return {"id": cur.lastrowid, "task": task, "priority": priority}


@procedures.register("list_todos")
def list_todos(status: str) -> dict[str, Any]:
    """To-dos that are open, done, or all of them; high priority first."""
    where = {"open": "WHERE done = 0", "done": "WHERE done = 1", "all": ""}
    if status not in where:
        raise ProcedureError(f"status must be open, done or all, got {status!r}")
    order = "CASE priority WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, id"
    with closing(_open()) as conn:
        rows = conn.execute(
            f"SELECT id, task, priority, done FROM todos {where[status]} ORDER BY {order} LIMIT ?",
            (MAX_RESULTS,),
        ).fetchall()
    todos = [{"id": r["id"], "task": r["task"], "priority": r["priority"], "done": bool(r["done"])} for r in rows]
    return {"status": status, "todos": todos}


@procedures.register("complete_todo", mutates=True)
def complete_todo(task: str) -> dict[str, Any]:
    """Mark the open to-do matching ``task`` as done (exact match first, else a unique partial match)."""
    with closing(_open()) as conn, conn:
        rows = conn.execute(
            "SELECT id, task FROM todos WHERE done = 0 AND lower(task) = lower(?)", (task,)
        ).fetchall()
        if not rows:
            rows = conn.execute(
                "SELECT id, task FROM todos WHERE done = 0 AND task LIKE ? ESCAPE '\\'", (_like(task),)
            ).fetchall()
        if not rows:
            raise ProcedureError(f"no open to-do matches {task!r}")
        if len(rows) > 1:
            names = "; ".join(r["task"] for r in rows[:5])
            raise ProcedureError(f"{len(rows)} open to-dos match {task!r} ({names}); be more specific")
        conn.execute("UPDATE todos SET done = 1, completed = ? WHERE id = ?", (_now(), rows[0]["id"]))
        return {"id": rows[0]["id"], "task": rows[0]["task"], "done": True}
