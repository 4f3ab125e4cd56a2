"""CPU cost of extracting a source, against a baseline measured in the same run.

    .venv/bin/python bench/sources.py [--paragraphs 60] [--pages 50] [--rounds 5]

- **article**: ``lowtato.sources.documents.article`` (trafilatura: main text without the
  boilerplate, plus metadata) on a generated page of ``--paragraphs`` paragraphs between a
  navigation bar and a footer; baseline **parse**: ``lxml.html.document_fromstring`` of the
  same page (what any HTML extraction pays before it starts judging).
- **pdf**: ``documents.pdf`` (pypdf) on a generated ``--pages``-page PDF; baseline **read**:
  ``PdfReader`` opening it and counting its pages without extracting text.

Medians over ``--rounds``; figures are printed, never asserted. Exit 1 if an extraction did
not find the text it should.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from io import BytesIO
from typing import Any

from lxml import html as lxml_html
from pypdf import PdfReader

from lowtato.sources import documents

BODY = "Sourdough starters need feeding twice a day when kept at room temperature. "


def _page(paragraphs: int) -> str:
    body = "".join(f"<p>{BODY * 3} ({i})</p>" for i in range(paragraphs))
    nav = "".join(f'<li><a href="/s/{i}">Section {i}</a></li>' for i in range(40))
    return (f"<html><head><title>Bench article</title></head><body><nav><ul>{nav}</ul></nav>"
            f"<main><article><h1>Bench article</h1>{body}</article></main>"
            "<footer><p>Copyright. Privacy. Terms.</p></footer></body></html>")  # fmt: skip


def _pdf(pages: int) -> bytes:
    """A ``pages``-page PDF, each page one text object (written by hand)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({BODY}) Tj 0 -18 Td ({BODY}) Tj ET"
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(pages))
    objects = ["<< /Type /Catalog /Pages 2 0 R >>",
               f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>"]  # fmt: skip
    font = 3 + 2 * pages
    for i in range(pages):
        resources = f"/Resources << /Font << /F1 {font} 0 R >> >>"
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents "
                       f"{4 + 2 * i} 0 R {resources} >>")  # fmt: skip
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def _median_ms(fn: Callable[[], Any], rounds: int) -> float:
    fn()  # warm-up (imports, caches)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=60)
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    page = _page(args.paragraphs)
    pdf = _pdf(args.pages)
    article = documents.article(page, "https://example.com/a")
    extracted = documents.pdf(pdf)
    if BODY.strip() not in article.content or "Section 3" in article.content:
        print("article extraction did not find the body or kept the navigation", file=sys.stderr)
        return 1
    if extracted.content.count("Sourdough") != 2 * args.pages:
        print("pdf extraction did not find every page's text", file=sys.stderr)
        return 1

    parse = _median_ms(lambda: lxml_html.document_fromstring(page), args.rounds)
    extract = _median_ms(lambda: documents.article(page, "https://example.com/a"), args.rounds)
    read = _median_ms(lambda: len(PdfReader(BytesIO(pdf)).pages), args.rounds)
    text = _median_ms(lambda: documents.pdf(pdf), args.rounds)
    print(f"article {len(page) / 1024:7.1f} KiB  parse {parse:8.2f} ms  extract {extract:8.2f} ms"
          f"  ratio {extract / parse:6.1f}x")  # fmt: skip
    print(f"pdf     {args.pages:4d} pages    read  {read:8.2f} ms  extract {text:8.2f} ms"
          f"  ratio {text / read:6.1f}x  ({text / args.pages:.2f} ms/page)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
