"""Peak memory of publishing a big video to X (the contract fake's chunked upload) against a
small one, measured in the same run.

    .venv/bin/python bench/publish_memory.py [--mib 200]

The X fake (tests/fakes, which counts and hashes big uploads instead of keeping them) runs in
this process; the publishing runs in a child process whose memory is the figure: the publish
path of a worker (``prefetch`` → X adapter ``publish`` → ``discard_downloads``) with the
process's media fetcher, for a video

- **stored**: in local storage, as an upload leaves it (read from disk in pieces), and
- **url**: at a URL on the fake's media host (downloaded to a temporary file, then read).

For each, the child publishes a 1 MiB video once to warm up (imports, connections), then
resets its peak RSS (``/proc/self/clear_refs``) before publishing a 1 MiB video and again
before the ``--mib`` one, reading ``VmHWM`` after each. Printed: the peak RSS growth of both
and their ratio; a ratio near 1 means memory does not grow with the file. Linux only. Figures
are printed, never asserted; exit 1 if a publish failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from tests.fakes.media_files import padded_mp4  # noqa: E402
from tests.fakes.server import serve  # noqa: E402
from tests.fakes.state import FakeState  # noqa: E402
from tests.fakes.x import seed_account  # noqa: E402

from lowtato.media.fetch import GuardedMediaFetcher, discard_downloads, prefetch  # noqa: E402
from lowtato.media.storage import LocalStorage  # noqa: E402
from lowtato.media.upload import Limits  # noqa: E402
from lowtato.platforms.base import AdapterContext, Credentials, Media, PublishRequest  # noqa: E402
from lowtato.platforms.twitter.adapter import Adapter as TwitterAdapter  # noqa: E402

MIB = 1024 * 1024
PUBLIC = "http://lowtato.invalid"  # the stored files' URLs: never dialled, read from storage
TOKEN = "b" * 32


def _vm(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := current RSS


def _store(storage: LocalStorage, number: int, size: int) -> str:
    media_id = f"med_{number:026d}"
    path = storage.path(f"{TOKEN}/{media_id}.mp4")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        for piece in padded_mp4(size):
            out.write(piece)
    return f"{PUBLIC}/media/{TOKEN}/{media_id}.mp4"


async def _child(base: str, token: str, big: int) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    with tempfile.TemporaryDirectory(prefix="lowtato-bench-") as tmp:
        storage = LocalStorage(Path(tmp) / "media")
        fetcher = GuardedMediaFetcher(
            allow_private=True,
            storage=storage,
            public_url=PUBLIC,
            limits=Limits(20 * MIB, 512 * MIB),
        )
        adapter = TwitterAdapter(sleep=lambda _s: asyncio.sleep(0))
        creds = Credentials("1001", "bench", token)
        count = 0
        async with httpx.AsyncClient(timeout=httpx.Timeout(60.0)) as http:
            ctx = AdapterContext(http, f"{base}/x", f"{base}/x", fetcher)

            async def publish(url: str) -> int:
                nonlocal count
                count += 1
                _reset_peak()
                before = _vm("VmRSS")
                media, fetch = await prefetch(fetcher, [Media(url=url)])
                try:
                    request = PublishRequest(f"post_{count}", f"bench video {count}", media, {})
                    await adapter.publish(replace(ctx, fetch=fetch), creds, request)
                finally:
                    await discard_downloads(fetch)
                return _vm("VmHWM") - before

            for source in ("stored", "url"):

                def url_of(size: int, source: str = source) -> str:
                    if source == "url":
                        return f"{base}/media/padded-{size}.mp4"
                    return _store(storage, count + 1000 * size // MIB, size)

                await publish(url_of(MIB))  # warm-up
                small = await publish(url_of(MIB))
                large = await publish(url_of(big))
                out[source] = {"small": small, "big": large}
    return out


async def _parent(mib: int) -> int:
    state = FakeState()
    token, _ = seed_account(state, "1001", "bench")
    async with serve(state) as base:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--child", base, token, str(mib * MIB),
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        stdout, _ = await proc.communicate()
    if proc.returncode != 0:
        print(f"the publishing process failed (exit {proc.returncode})", file=sys.stderr)
        return 1
    results = json.loads(stdout)
    print("peak RSS growth of the publishing process, video to the X fake (chunked upload)")
    for source, got in results.items():
        small, big = got["small"], got["big"]
        ratio = big / small if small > 0 else float("inf")
        print(
            f"{source:7} 1 MiB: {small / MIB:7.1f} MiB   {mib} MiB: {big / MIB:7.1f} MiB   "
            f"ratio {ratio:.2f}x   (file size ratio {mib}x)"
        )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=200, help="size of the big video in MiB")
    parser.add_argument(
        "--child", nargs=3, metavar=("BASE", "TOKEN", "BYTES"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        base, token, size = args.child
        print(json.dumps(asyncio.run(_child(base, token, int(size)))))
        return 0
    return asyncio.run(_parent(args.mib))


if __name__ == "__main__":
    sys.exit(main())
