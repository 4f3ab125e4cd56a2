"""The baseline: a bare FastAPI hello-world, served by the harness exactly like Lowtato
(same uvicorn, flags and interpreter), so the ratio isolates what Lowtato adds per request:
middleware, authentication, rate limiting, the database transaction and serialisation."""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/hello")
async def hello() -> dict[str, str]:
    return {"hello": "world"}
