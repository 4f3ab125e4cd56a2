"""Upload file names are shown back sanitised: only the last path part, no control or
bidirectional-override characters, at most 255 characters with the extension kept."""

from __future__ import annotations

import httpx
import pytest
from tests.conftest import Owner
from tests.media.files import FILES, UPLOAD, upload_json

PNG = FILES["pic.png"][1]
CASES = {
    "../../etc/passwd.png": "passwd.png",
    "C:\\Users\\me\\Desktop\\launch.png": "launch.png",
    "/var/www/../x/../shot.png": "shot.png",
    "photo\x00\x07\x1b[31m\x7f.png": "photo[31m.png",
    "line\r\nbreak\t.png": "linebreak.png",
    "invoice\u202egnp.exe\u202c.png": "invoicegnp.exe.png",  # RTL override shows "exe.png"
    "zero\u200b\u200d\u2066width\u2069\ufeff.png": "zerowidth.png",
    "  ..hidden.png  ": "hidden.png",
    "a" * 300 + ".png": "a" * 251 + ".png",
    "é" * 200 + ".png": "é" * 200 + ".png",  # letters of any script stay
}
EMPTY = ["../", "..", "\u202e", "/", "\x00\x01"]


def _multipart(name: str) -> tuple[bytes, str]:
    """The form as a client writes it with the name's bytes as they are (httpx would
    percent-encode some): RFC 7578 leaves the file name to the sender."""
    body = (
        b'--bound\r\nContent-Disposition: form-data; name="file"; filename="'
        + name.encode()
        + b'"\r\nContent-Type: image/png\r\n\r\n'
        + PNG
        + b"\r\n--bound--\r\n"
    )
    return body, "multipart/form-data; boundary=bound"


@pytest.mark.parametrize("form", ["multipart", "json"])
async def test_upload_file_names_are_sanitised(
    client: httpx.AsyncClient, owner: Owner, form: str
) -> None:
    checked = 0
    for sent, shown in [*CASES.items(), *((e, None) for e in EMPTY)]:
        if form == "json":
            response = await upload_json(client, owner, PNG, "image/png", filename=sent)
        elif any(c in sent for c in '\r\n"'):
            continue  # a header cannot carry these raw
        else:
            body, content_type = _multipart(sent)
            response = await client.post(
                UPLOAD, headers={**owner.headers, "content-type": content_type}, content=body
            )
        assert response.status_code == 201, (sent, response.text)
        created = response.json()
        assert created.get("filename") == shown, (sent, created.get("filename"))
        again = await client.get(f"/api/v1/media/{created['id']}", headers=owner.headers)
        assert again.json().get("filename") == shown
        checked += 1
    assert checked >= len(CASES)
