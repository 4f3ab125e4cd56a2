"""From bytes to title and text: web pages (trafilatura), PDFs (pypdf), plain text. Pure
functions, no I/O; the PDF parse is CPU-bound and run in a thread by the caller."""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from lowtato.sources.failures import ExtractionFailed

TITLE_CHARS = 100
MAX_PDF_PAGES = 200

# pypdf reports recoverable damage in a file through logging warnings; the text still comes.
logging.getLogger("pypdf").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Extracted:
    title: str
    content: str


def short_title(text: str) -> str:
    """The first line (or sentence, when the line is long), trimmed to 100 characters."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if len(first) > TITLE_CHARS:
        sentence = re.split(r"(?<=[.!?])\s", first, maxsplit=1)[0]
        first = sentence if len(sentence) <= TITLE_CHARS else first
    if len(first) > TITLE_CHARS:
        cut = first[: TITLE_CHARS - 1].rsplit(" ", 1)[0] or first[: TITLE_CHARS - 1]
        first = cut.rstrip(" ,;:") + "…"
    return first


def article(html: str | bytes, url: str) -> Extracted:
    """The main text of a web page without its navigation, footer and comments."""
    # Imported here, as pypdf below: a server that never extracts a source never pays the
    # memory of these libraries and theirs (docs/performance.md).
    import trafilatura  # noqa: PLC0415

    document = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True
    )
    text = getattr(document, "text", None) or ""
    if not text.strip():
        raise ExtractionFailed(
            "no article text found on the page (it may be built by JavaScript, or be mostly "
            "images); try the article's print or AMP version, or send its text as sourceType "
            "'text'"
        )
    title = getattr(document, "title", None) or short_title(text)
    return Extracted(title=title.strip()[:300], content=text.strip())


def pdf(data: bytes) -> Extracted:
    """The text of a PDF's first ``MAX_PDF_PAGES`` pages; title from its metadata or its
    first line."""
    from pypdf import PasswordType, PdfReader  # noqa: PLC0415 - see article()
    from pypdf.errors import FileNotDecryptedError, PyPdfError  # noqa: PLC0415

    if not data.startswith(b"%PDF-"):
        raise ExtractionFailed(
            "not a PDF: the file does not start with '%PDF-'; check that the URL points at "
            "the PDF itself, not a page that shows it"
        )
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise FileNotDecryptedError("password required")
        pages = [page.extract_text() or "" for page in reader.pages[:MAX_PDF_PAGES]]
        total = len(reader.pages)
        info = reader.metadata
        meta_title = info.title if info is not None else None
    except FileNotDecryptedError as exc:
        raise ExtractionFailed(
            "the PDF is password-protected; send an unprotected copy or its text as sourceType "
            "'text'"
        ) from exc
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:
        raise ExtractionFailed(f"the PDF could not be read ({exc}); it may be damaged") from exc
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise ExtractionFailed(
            "the PDF has no extractable text (it may be scanned images); send its text as "
            "sourceType 'text'"
        )
    if total > MAX_PDF_PAGES:
        text += f"\n\n[Only the first {MAX_PDF_PAGES} of {total} pages were read.]"
    title = meta_title.strip() if isinstance(meta_title, str) and meta_title.strip() else ""
    return Extracted(title=title[:300] or short_title(text), content=text)


def plain(text: str) -> Extracted:
    return Extracted(title=short_title(text), content=text.strip())


class _EmbedText(HTMLParser):
    """The text inside an embed's <p> elements (a tweet's blockquote holds the post in a <p>,
    followed by the author line and the date link)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.paragraphs: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "p":
            self.depth += 1
            self.paragraphs.append([])
        elif tag == "br" and self.depth:
            self.paragraphs[-1].append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "p" and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.paragraphs[-1].append(data)


def embed_text(html: str) -> str:
    parser = _EmbedText()
    parser.feed(html)
    parser.close()
    return "\n\n".join("".join(p).strip() for p in parser.paragraphs if "".join(p).strip())
