"""Business rules as plain functions over a SQLModel session; shared by the UI and the API."""
