"""Threads of their own for bcrypt work (login, registration).

asyncio.to_thread shares the default executor with every database call of every user; a storm
of logins (each ~0.25 s of bcrypt) would fill it and stall everyone's cart clicks. A separate
pool, one thread short of the core count, leaves a core and the default executor to others.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from fintech_ui.db import PASSWORD_POOL

T = TypeVar("T")


async def run_password_work(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """fn(*args, **kwargs) on the password pool, awaited without blocking the event loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(PASSWORD_POOL, functools.partial(fn, *args, **kwargs))
