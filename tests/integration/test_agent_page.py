"""The agent page in a real browser: headless Chromium opens the signed link the API issues
(no API key in the browser), renders the page and takes a screenshot. Skips when chromium is
not installed (scripts/bootstrap.sh installs Debian's package). AGENT_PAGE_SCREENSHOT=PATH
keeps the screenshot there (docs/agent-page.png is made so)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.integration.conftest import Api
from tests.integration.test_handoff import CHAT, REF, earlier_email, open_chat

pytestmark = pytest.mark.integration
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def _chromium(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               f"--user-data-dir={tmp_path / 'profile'}", *args]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_the_agent_page_renders_in_headless_chromium(api: Api, service_url: str, tmp_path: Path) -> None:
    api.ingest(earlier_email())
    chat_id = open_chat(api, "chat-page").json()["interaction_id"]
    api.post(f"/v1/interactions/{chat_id}/utterances", json={"utterances": CHAT})
    link = api.post(f"/v1/customers/{REF}/page-link",
                    json={"interaction_id": chat_id, "reason": "customer asked for a person"}).json()  # fmt: skip
    url = service_url + link["url"]

    dom = _chromium("--dump-dom", url, tmp_path=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    for shown in ("Handoff brief", "Already provided", "88123", "ana.ruiz@example.com", "customer asked for a person",
                  "Timeline", "Open items"):  # fmt: skip
        assert shown in dom.stdout, shown

    shot = Path(os.environ.get("AGENT_PAGE_SCREENSHOT") or tmp_path / "agent-page.png").resolve()
    taken = _chromium(f"--screenshot={shot}", "--window-size=1280,1000", url, tmp_path=tmp_path)
    assert taken.returncode == 0, taken.stderr[-2000:]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000  # a rendered page, not a blank one
