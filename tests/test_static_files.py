"""A phone keeps the scripts and styles for a week, and still never runs an old script under
a new page.

nginx told browsers to keep /static/ for 7 days while our own scripts kept their names from one
deploy to the next: after a deploy a phone could run last week's ``nq.js`` under this week's
page, for up to a week. Without nginx, Flask told them nothing, and every open asked again for
each file, a round trip each on a weak network.
"""

import hashlib
import os
import re

from flask import url_for

from natqueue.web import ROOT


def _static_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/static/[^"]+)"', html)


def test_a_pages_scripts_and_styles_are_named_by_their_content_and_kept_a_week(client, site):
    urls = _static_urls(client.get(f"/s/{site['id']}").get_data(as_text=True))
    assert any("nq.js" in u for u in urls) and any(".css" in u for u in urls)
    for url in urls:
        path, _, version = url.partition("?v=")
        with open(os.path.join(ROOT, path.lstrip("/")), "rb") as fh:
            assert version == hashlib.sha256(fh.read()).hexdigest()[:12], url
    answer = client.get(urls[0])
    assert answer.status_code == 200
    assert answer.cache_control.max_age == 7 * 86400
    answer.close()


def test_a_changed_file_is_a_new_address(app, tmp_path):
    app.static_folder = str(tmp_path)
    script = tmp_path / "tool.js"
    script.write_text("var a = 1;")
    with app.test_request_context():
        before = url_for("static", filename="tool.js")
        assert url_for("static", filename="tool.js") == before
        mtime = os.stat(script).st_mtime_ns
        script.write_text("var a = 2;")  # as a deploy writes it: same size, a later time
        os.utime(script, ns=(mtime + 10**9, mtime + 10**9))
        after = url_for("static", filename="tool.js")
        assert after != before and after.startswith("/static/tool.js?v=")
        assert url_for("static", filename="missing.js") == "/static/missing.js"
