"""A small web served on loopback for the source tests: an article among boilerplate, error
pages, PDFs, an oversize page and a gzip bomb, audio, the YouTube pages youtube-transcript-api
reads (watch page, innertube player, timedtext, oEmbed) and the TikTok / X oEmbed endpoints."""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass, field

from pypdf import PdfWriter
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

VIDEO_WITH_CAPTIONS = "dQw4w9WgXcQ"
VIDEO_WITHOUT_CAPTIONS = "aaaaaaaaaaa"
ARTICLE_BODY = (
    "Sourdough starters need feeding twice a day when kept at room temperature. "
    "A healthy starter doubles in size within six hours of a feed."
)
NAV = "Home Shop Subscribe Log in"
FOOTER = "Copyright 2026 Bakery Weekly. All rights reserved. Privacy policy."
BIG_BYTES = 6 * 1024 * 1024  # over the 5 MB article cap
BOMB_BYTES = 64 * 1024 * 1024  # decompressed; about 64 KB on the wire


def article_html() -> str:
    paragraphs = "".join(
        f"<p>{ARTICLE_BODY} Paragraph {i} adds more detail about flour, water and time, "
        "so the page reads like a real article with enough text to extract.</p>"
        for i in range(1, 7)
    )
    return (
        "<!DOCTYPE html><html><head><title>How to keep a sourdough starter alive | Bakery "
        'Weekly</title><meta property="og:title" content="How to keep a sourdough starter '
        'alive"></head><body>'
        f'<header><nav><ul><li><a href="/">{NAV}</a></li></ul></nav></header>'
        "<main><article><h1>How to keep a sourdough starter alive</h1>"
        f"{paragraphs}</article></main>"
        f"<footer><p>{FOOTER}</p></footer></body></html>"
    )


def make_pdf(lines: list[str], title: str | None = None) -> bytes:
    """A minimal valid one-page PDF with a text object (written by hand: pypdf does not
    write text), its xref offsets computed."""
    ops = " ".join(f"({line}) Tj 0 -18 Td" for line in lines)
    stream = f"BT /F1 12 Tf 72 720 Td {ops} ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Title ({title}) >>" if title else "<< >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@dataclass
class SiteState:
    base_url: str = ""
    flaky_failures: int = 0  # /flaky answers 503 this many times, then the article
    requests: list[str] = field(default_factory=list)


def build(state: SiteState) -> Starlette:
    bomb = gzip.compress(b" " * BOMB_BYTES, compresslevel=9)

    async def article(request: Request) -> Response:
        state.requests.append("article")
        return HTMLResponse(article_html())

    async def latin1(request: Request) -> Response:
        page = article_html().replace("<head>", '<head><meta charset="windows-1252">')
        page = page.replace("Sourdough starters", "Crème brûlée starters")
        return Response(page.encode("cp1252"), headers={"Content-Type": "text/html"})

    async def flaky(request: Request) -> Response:
        if state.flaky_failures > 0:
            state.flaky_failures -= 1
            return Response("busy", status_code=503)
        return HTMLResponse(article_html())

    async def empty_page(request: Request) -> Response:
        return HTMLResponse("<html><body><script>app()</script></body></html>")

    async def missing(request: Request) -> Response:
        return HTMLResponse("<h1>Not found</h1>", status_code=404)

    async def json_data(request: Request) -> Response:
        return JSONResponse({"not": "html"})

    async def big(request: Request) -> Response:
        return HTMLResponse("<p>" + "x" * BIG_BYTES + "</p>")

    async def gzip_bomb(request: Request) -> Response:
        return Response(bomb, media_type="text/html", headers={"Content-Encoding": "gzip"})

    async def pdf(request: Request) -> Response:
        lines = ["Quarterly bakery report", "Sales of rye bread grew by 12 percent."]
        return Response(make_pdf(lines, title="Bakery Report Q3"), media_type="application/pdf")

    async def not_pdf(request: Request) -> Response:
        return Response(b"<html>this is not a pdf</html>", media_type="application/pdf")

    async def locked_pdf(request: Request) -> Response:
        return Response(encrypted_pdf(), media_type="application/pdf")

    async def audio(request: Request) -> Response:
        return Response(b"ID3" + b"\x00" * 2048, media_type="audio/mpeg")

    # YouTube, as youtube-transcript-api reads it.
    async def watch(request: Request) -> Response:
        state.requests.append(f"watch:{request.query_params.get('v')}")
        return HTMLResponse('<html><script>ytcfg.set({"INNERTUBE_API_KEY": "fake-key"})</script>'
                            "</html>")  # fmt: skip

    async def player(request: Request) -> Response:
        body = await request.json()
        video_id = body.get("videoId")
        data: dict[str, object] = {"playabilityStatus": {"status": "OK"}}
        if video_id == VIDEO_WITH_CAPTIONS:
            data["captions"] = {"playerCaptionsTracklistRenderer": {"captionTracks": [{
                # YouTube's own origin: the session's adapter sends it to this server.
                "baseUrl": f"https://www.youtube.com/api/timedtext?v={video_id}&lang=en",
                "name": {"runs": [{"text": "English"}]}, "languageCode": "en",
            }]}}  # fmt: skip
        return JSONResponse(data)

    async def timedtext(request: Request) -> Response:
        xml = (
            '<?xml version="1.0" encoding="utf-8" ?><transcript>'
            '<text start="0.0" dur="2.5">Welcome back to the bakery.</text>'
            '<text start="2.5" dur="3.0">Today we bake rye &amp;amp; spelt bread.</text>'
            "</transcript>"
        )
        return Response(xml, media_type="text/xml")

    async def youtube_oembed(request: Request) -> Response:
        return JSONResponse({"title": "Baking rye bread at home", "author_name": "Bakery TV"})

    async def tiktok_oembed(request: Request) -> Response:
        state.requests.append(f"tiktok:{request.query_params.get('url')}")
        if "missing" in request.query_params.get("url", ""):
            return JSONResponse({"code": 400, "message": "Something went wrong"}, status_code=404)
        return JSONResponse({"title": "Three tips for a crisp crust #baking",
                             "author_name": "crustqueen", "html": "<blockquote></blockquote>"})  # fmt: skip

    async def twitter_oembed(request: Request) -> Response:
        url = request.query_params.get("url", "")
        state.requests.append(f"twitter:{url}")
        if "missing" in url:
            return Response(status_code=404)
        html = (
            '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">Fresh rye is out of the '
            'oven &amp; ready at 8am.<br>Come early! <a href="https://t.co/x">pic.twitter.com/x'
            '</a></p>&mdash; Bakery (@bakery) <a href="https://twitter.com/bakery/status/1">'
            'June 1, 2026</a></blockquote>\n<script async src="https://platform.twitter.com/'
            'widgets.js"></script>'
        )
        return JSONResponse({"author_name": "Bakery", "html": html})

    return Starlette(
        routes=[
            Route("/article", article),
            Route("/flaky", flaky),
            Route("/latin1", latin1),
            Route("/empty", empty_page),
            Route("/missing", missing),
            Route("/data.json", json_data),
            Route("/big", big),
            Route("/bomb", gzip_bomb),
            Route("/report.pdf", pdf),
            Route("/fake.pdf", not_pdf),
            Route("/locked.pdf", locked_pdf),
            Route("/talk.mp3", audio),
            Route("/watch", watch),
            Route("/youtubei/v1/player", player, methods=["POST"]),
            Route("/api/timedtext", timedtext),
            Route("/oembed", youtube_oembed),
            Route("/tiktok/oembed", tiktok_oembed),
            Route("/twitter/oembed", twitter_oembed),
        ]
    )
