"""Machinery shared by the benchmarks (bench/) and the scale-out tests (tests/scale/).

A top-level package rather than a module in either folder: bench/ is run as `python -m bench.*`
and must not import tests/ (pytest's test folders are not a package), and the tests should not
depend on the benchmark harness. Like `fintech_ui`, it is importable from the repository root.
Nothing in the app imports it.

- `processes`: free ports, process groups started and killed as one, waiting for a port.
- `redis_server`: a private redis-server on a free port (never the shared one on 6379).
- `postgres`: a throw-away PostgreSQL database, created and dropped (connections and all).
- `invariants`: whole-database checks (every balance is its ledger's sum, every order paid)
  and a snapshot of every money-, stock- and cart-related row.
- `app`: the production app's command line, the copy directory it runs in, Chromium's path.
"""
