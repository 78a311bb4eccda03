"""SQLite writers of one process take turns on a lock of the process, not in SQLite's busy
handler (which sleeps whole milliseconds between tries, however soon the lock is free)."""

from __future__ import annotations

import threading

from sqlalchemy import event, text

from fintech_ui.db import make_engine, session_scope


def _engine_that_never_waits_inside_sqlite(tmp_path):
    # busy_timeout=0: a second writer that reached SQLite while the first holds the write
    # lock fails at once ("database is locked"), so only the process's own queue can save it.
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")

    @event.listens_for(engine, "connect")
    def _no_busy_wait(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    with session_scope(engine) as db:
        db.connection().execute(text("CREATE TABLE t (n INTEGER)"))
    return engine


def _writer_in_thread(
    engine, value: int, *, after: threading.Event | None = None
) -> tuple[threading.Thread, threading.Event, list[BaseException]]:
    """A thread that inserts `value` in a writing scope (once `after` is set); started."""
    done, errors = threading.Event(), []

    def write() -> None:
        if after is not None:
            after.wait(5)
        try:
            with session_scope(engine) as db:
                db.connection().execute(text("INSERT INTO t VALUES (:n)"), {"n": value})
        except BaseException as exc:  # recorded, asserted by the test
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=write)
    thread.start()
    return thread, done, errors


def test_a_second_writer_waits_its_turn_instead_of_failing(tmp_path):
    engine = _engine_that_never_waits_inside_sqlite(tmp_path)
    first_inside = threading.Event()
    thread, second_done, errors = _writer_in_thread(engine, 2, after=first_inside)
    try:
        with session_scope(engine) as db:
            db.connection().execute(text("INSERT INTO t VALUES (1)"))
            first_inside.set()
            # The second writer is queued behind this transaction, not finished or failed.
            assert not second_done.wait(0.3)
        thread.join(5)
        assert errors == []
        with session_scope(engine, read_only=True) as db:
            rows = db.connection().execute(text("SELECT n FROM t ORDER BY n")).scalars().all()
        assert rows == [1, 2]  # in the order they came
    finally:
        first_inside.set()
        thread.join(5)
        engine.dispose()


def test_readers_do_not_wait_for_a_writer(tmp_path):
    engine = _engine_that_never_waits_inside_sqlite(tmp_path)
    try:
        with session_scope(engine) as writer:
            writer.connection().execute(text("INSERT INTO t VALUES (1)"))
            seen: list[int] = []

            def reader() -> None:
                with session_scope(engine, read_only=True) as db:
                    seen.extend(db.connection().execute(text("SELECT n FROM t")).scalars())

            thread = threading.Thread(target=reader)
            thread.start()
            thread.join(5)
            assert not thread.is_alive() and seen == []  # WAL: the committed past, at once
    finally:
        engine.dispose()


def test_a_failed_writer_gives_its_turn_back(tmp_path):
    engine = _engine_that_never_waits_inside_sqlite(tmp_path)
    try:
        try:
            with session_scope(engine) as db:
                db.connection().execute(text("INSERT INTO t VALUES (1)"))
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        done = threading.Event()

        def writer() -> None:
            with session_scope(engine) as db:
                db.connection().execute(text("INSERT INTO t VALUES (2)"))
            done.set()

        thread = threading.Thread(target=writer)
        thread.start()
        assert done.wait(5)
        thread.join(5)
        with session_scope(engine, read_only=True) as db:
            assert db.connection().execute(text("SELECT n FROM t")).scalars().all() == [2]
    finally:
        engine.dispose()


def test_a_commit_in_the_middle_gives_the_turn_back_before_the_scope_ends(tmp_path):
    # A login commits its attempt, then spends ~0.25 s in bcrypt before writing again: other
    # writers must not wait for the hash.
    engine = _engine_that_never_waits_inside_sqlite(tmp_path)
    try:
        with session_scope(engine) as db:
            db.connection().execute(text("INSERT INTO t VALUES (1)"))
            db.commit()  # the slow, lock-free part of the use case starts here
            thread, other_done, errors = _writer_in_thread(engine, 2)
            assert other_done.wait(5), "the other writer waited for the whole scope"
            db.connection().execute(text("INSERT INTO t VALUES (3)"))  # its turn again
        thread.join(5)
        assert errors == []
        with session_scope(engine, read_only=True) as db:
            rows = db.connection().execute(text("SELECT n FROM t ORDER BY n")).scalars().all()
        assert rows == [1, 2, 3]
    finally:
        engine.dispose()
