"""The station console's camera scan, with Chromium's fake camera showing a resident's QR code.

Chromium can play a video file as its camera: the test writes one whose every frame is
the ticket's QR code, and the console's camera button (the vendored html5-qrcode) must
read it and check the resident in, as a phone held up to the camera would.
"""

import pytest
import qrcode

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, LAPTOP, sign_in_console, staff_headers
from tests.conftest import make_id_number, person

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None

WIDTH, HEIGHT, MODULE_PX = 640, 480, 5  # the code (about 37 modules) fits the scan box


def write_camera_video(path, text: str, frames: int = 10) -> None:
    """A Y4M video (what Chromium's fake camera plays) of ``text`` as a QR code on white."""
    qr = qrcode.QRCode(border=4)
    qr.add_data(text)
    matrix = qr.get_matrix()
    size = len(matrix) * MODULE_PX
    left, top = (WIDTH - size) // 2, (HEIGHT - size) // 2
    luma = bytearray(b"\xff" * (WIDTH * HEIGHT))
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                for y in range(top + r * MODULE_PX, top + (r + 1) * MODULE_PX):
                    start = y * WIDTH + left + c * MODULE_PX
                    luma[start:start + MODULE_PX] = b"\x00" * MODULE_PX
    chroma = b"\x80" * (WIDTH * HEIGHT // 4)  # no colour
    with open(path, "wb") as fh:
        fh.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            fh.write(b"FRAME\n" + bytes(luma) + chroma + chroma)


@pytest.mark.browser
def test_a_cadre_checks_a_resident_in_with_the_camera(browser, api, make_site, live_server, tmp_path):
    site = make_site()
    staff = staff_headers(api, site)
    resident = {**person(60), "id_number": make_id_number(60, birth="19900101")}
    ticket = api.ok("POST", f"/api/v1/sites/{site['id']}/tickets", resident, status=201)
    api.ok("POST", f"/api/v1/sites/{site['id']}/stations/1/call", headers=staff)
    video = tmp_path / "camera.y4m"
    write_camera_video(video, ticket["code"])

    camera_chromium = browser.browser_type.launch(executable_path=CHROMIUM, args=[
        *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    try:
        context = camera_chromium.new_context(base_url=live_server.url, **LAPTOP)
        context.set_default_timeout(15_000)
        context.grant_permissions(["camera"], origin=live_server.url)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"/station/{site['id']}/1")
        sign_in_console(page, site)
        expect(page.locator("#console")).to_be_visible()
        expect(page.locator("#current-number")).to_have_text(ticket["number"])

        page.locator("#camera-btn").click()
        result = page.locator("#scan-result")
        # The camera starts, focuses and decodes in its own time: more than a click's.
        expect(result).to_contain_text(ticket["number"], timeout=30_000)
        expect(result).to_contain_text(resident["name"])
        expect(result).not_to_contain_text(resident["id_number"])
        expect(page.locator("#camera-view")).to_be_hidden()  # the camera stops once it has read a code
        checked = api.ok("GET", f"/api/v1/tickets/{ticket['id']}", headers={"X-Ticket-Token": ticket["token"]})
        assert checked["checked_in_ms"] is not None
        assert not errors, errors
    finally:
        camera_chromium.close()
