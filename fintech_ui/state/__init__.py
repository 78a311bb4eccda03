"""Reflex State classes, one per area: validate input, call services, set vars."""
