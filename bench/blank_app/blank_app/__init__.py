"""A blank Reflex app (one page, one text, a counter) for bench/bench_first_load.py."""
