"""The dashboard in a real headless Chromium (Debian's chromium + chromedriver, driven by
Selenium; nothing is downloaded): a real ``lowtato serve`` with its embedded worker, an owner
made with the CLI, and everything a person does — sign in, make a key and use it, connect a
sandbox account through the OAuth pages, compose and schedule a post and watch it publish,
revoke the key and see the API refuse it.

Without a browser the test skips and says why; with ``LOWTATO_REQUIRE_BROWSER=1`` (CI) a
missing browser fails it instead. ``LOWTATO_SCREENSHOTS=<dir>`` saves the pages as PNGs.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from tests.cli.test_serve import _env, _free_port, _serving

CHROMIUM = Path(os.environ.get("LOWTATO_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("LOWTATO_CHROMEDRIVER", "/usr/bin/chromedriver"))
EMAIL = "owner@example.com"
PASSWORD = "a long dashboard password"


def _missing() -> str | None:
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        return f"no browser: {CHROMIUM} and {CHROMEDRIVER} are needed (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401, PLC0415 - only this test needs it
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = _missing()
    if reason:
        if os.environ.get("LOWTATO_REQUIRE_BROWSER") == "1":
            pytest.fail(f"LOWTATO_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(f"dashboard browser test skipped: {reason}")
    from selenium import webdriver  # noqa: PLC0415 - optional at import time
    from selenium.webdriver.chrome.service import Service  # noqa: PLC0415

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                 "--window-size=1280,1000", "--disable-gpu"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(5)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("dashboard")
    env = _env(data)
    made = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [sys.executable, "-m", "lowtato.cli.main", "users", "create", "--email", EMAIL,
         "--password-stdin"],
        input=PASSWORD + "\n", capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    if made.returncode != 0:  # the database is created by `db upgrade` first
        subprocess.run([sys.executable, "-m", "lowtato.cli.main", "db", "upgrade"],
                       env=env, check=True, capture_output=True)  # fmt: skip
        made = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "lowtato.cli.main", "users", "create", "--email", EMAIL,
             "--password-stdin"],
            input=PASSWORD + "\n", capture_output=True, text=True, env=env, check=False,
        )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    with _serving(env, _free_port(), data / "serve.log", worker=True) as base:
        yield base


def _until(check: Callable[[], bool], what: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.25)
    raise AssertionError(f"gave up waiting: {what}")


def _shot(driver: Any, name: str) -> None:
    """The whole page as a PNG, when LOWTATO_SCREENSHOTS names a directory."""
    target = os.environ.get("LOWTATO_SCREENSHOTS")
    if not target:
        return
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
    )
    Path(target).mkdir(parents=True, exist_ok=True)
    (Path(target) / f"{name}.png").write_bytes(base64.b64decode(shot["data"]))


def _wait_for_url(driver: Any, part: str, seconds: float = 10.0) -> None:
    from selenium.webdriver.support import expected_conditions  # noqa: PLC0415
    from selenium.webdriver.support.wait import WebDriverWait  # noqa: PLC0415

    WebDriverWait(driver, seconds).until(expected_conditions.url_contains(part))


def test_an_owner_runs_lowtato_from_the_dashboard(
    browser: Any, server: str, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By  # noqa: PLC0415

    driver = browser
    find = driver.find_element

    # Sign in.
    driver.get(f"{server}/settings")
    assert driver.current_url == f"{server}/signin"
    find(By.ID, "email").send_keys(EMAIL)
    find(By.ID, "password").send_keys(PASSWORD)
    find(By.ID, "sign-in").click()
    assert find(By.ID, "mode-banner").text.startswith("Test mode")

    # A key, shown once, that works against the API.
    driver.get(f"{server}/settings")
    find(By.ID, "key-name").send_keys("browser agent")
    find(By.ID, "create-key").click()
    key = find(By.ID, "new-key").get_attribute("value")
    assert key.startswith("lt_test_")
    _shot(driver, "settings")
    profile = httpx.get(f"{server}/api/v1/profile", headers={"x-api-key": key})
    assert profile.status_code == 200 and profile.json()["email"] == EMAIL

    # Connect a sandbox LinkedIn account through the OAuth pages.
    driver.get(f"{server}/accounts")
    find(By.ID, "connect-linkedin").click()
    # A click does not wait for the navigation it starts (the implicit wait covers finding
    # elements, not the address): wait for the consent page's address, then check it.
    _wait_for_url(driver, "/sandbox/oauth/linkedin/authorize")
    assert "/sandbox/oauth/linkedin/authorize" in driver.current_url
    find(By.LINK_TEXT, "Approve").click()
    assert "Connected linkedin account" in find(By.ID, "connected").text
    accounts = httpx.get(f"{server}/api/v1/accounts", headers={"x-api-key": key}).json()
    linkedin = next(a for a in accounts["accounts"] if a["platform"] == "linkedin")
    assert find(By.ID, f"account-{linkedin['id']}").is_displayed()
    _shot(driver, "accounts")

    # Compose: the counter counts as LinkedIn does, an image goes up with the session.
    driver.get(f"{server}/posts/new")
    find(By.ID, "text").send_keys("Hello from the dashboard, café ☕")
    _until(lambda: "/ 3000" in find(By.ID, "counter").text, "the character counter")
    picture = tmp_path / "square.png"
    Image.new("RGB", (64, 64), (30, 120, 200)).save(picture)
    find(By.ID, "media-file").send_keys(str(picture))
    _until(lambda: "Uploaded" in find(By.ID, "upload-status").text, "the upload")
    assert "/media/" in find(By.ID, "media_urls").get_attribute("value")
    _shot(driver, "compose")
    find(By.ID, "when-time").click()
    soon = (datetime.now(UTC) + timedelta(seconds=4)).strftime("%Y-%m-%dT%H:%M:%S")
    driver.execute_script("document.getElementById('scheduled_time').value = arguments[0]", soon)
    find(By.ID, "schedule").click()
    assert not driver.find_elements(By.ID, "problem"), find(By.ID, "problem").text
    assert driver.find_elements(By.ID, "notice"), driver.page_source[:3000]
    notice = find(By.ID, "notice").text
    assert "is scheduled" in notice, notice
    post_id = notice.split()[1]

    # Watch it turn published (the page reloaded, as a person would).
    def published() -> bool:
        driver.get(f"{server}/posts")
        return find(By.ID, f"post-{post_id}").get_attribute("data-status") == "published"

    _until(published, "the post to publish", seconds=60)
    assert find(By.CSS_SELECTOR, f"#post-{post_id} .public-link").get_attribute("href")
    _shot(driver, "calendar")

    # Usable on a phone: no page scrolls sideways at 390 px.
    driver.set_window_size(390, 844)
    for page in ("/posts", "/posts/new", "/accounts", "/settings"):
        driver.get(f"{server}{page}")
        wide = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert wide <= 0, f"{page} is {wide}px wider than a phone screen"
    driver.set_window_size(1280, 1000)

    # Revoke the key: the API refuses it.
    driver.get(f"{server}/settings")
    display = key[:17]  # the prefix the list shows
    button = find(By.CSS_SELECTOR, f"button[aria-label^='Revoke {display}']")
    button.click()
    assert "revoked" in find(By.ID, "notice").text
    _until(
        lambda: (
            httpx.get(f"{server}/api/v1/profile", headers={"x-api-key": key}).status_code == 401
        ),
        "the API to refuse the revoked key",
        seconds=10,
    )

    # Sign out: the pages ask to sign in again.
    find(By.ID, "sign-out").click()
    _wait_for_url(driver, "/signin")  # signed out (before the next page is asked for)
    driver.get(f"{server}/settings")
    assert driver.current_url == f"{server}/signin"
