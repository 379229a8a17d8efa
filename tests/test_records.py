"""Rounds, positive-tube traces, lab exports, the audit log, and purging a round."""

import csv
import io

from openpyxl import load_workbook

from natqueue.store.backend import Backend
from tests.flow_helpers import call, join_as, open_tube, sample, young

APRIL_3 = 1775174400000  # 2026-04-03 08:00:00 in Shanghai
TUBE = "1000000001"
DAY_MS = 86400 * 1000


def _clock(app, start=APRIL_3):
    backend: Backend = app.extensions["natqueue"]
    now = [start]
    backend.clock = lambda: now[0]
    return now


def _sample_two(client, site, staff):
    client.post(f"/api/v1/sites/{site['id']}/stations/1/medic", json={"name": "李医生"}, headers=staff)
    open_tube(client, site["id"], 1, TUBE, staff)
    done = []
    for seed in (1, 2):
        join_as(client, site["id"], seed)
        done.append(sample(client, call(client, site["id"], 1, staff)["id"], staff))
    return done


def test_trace_lists_the_tubes_people_unmasked_for_the_organizer_only(app, client, site, staff, admin):
    _clock(app)
    _sample_two(client, site, staff)
    assert client.get(f"/api/v1/sites/{site['id']}/tubes/{TUBE}/trace", headers=staff).status_code == 403
    response = client.get(f"/api/v1/sites/{site['id']}/tubes/{TUBE}/trace",
                          headers={**admin, "X-Natq-User": "王主任"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["tube"]["code"], body["tube"]["count"], body["tube"]["mode"]) == (TUBE, 2, "pooled")
    assert [(p["position"], p["name"], p["doc_type"], p["id_number"], p["phone"], p["station"], p["medic"],
             p["sampled_at"], p["voided"]) for p in body["people"]] == [
        (1, "居民1", "id", young(1)["id_number"], "13800000001", "1", "李医生", "2026-04-03 08:00:00", False),
        (2, "居民2", "id", young(2)["id_number"], "13800000002", "1", "李医生", "2026-04-03 08:00:00", False),
    ]
    log = client.get(f"/api/v1/sites/{site['id']}/audit", headers=admin).get_json()["audit"]
    assert log[0]["action"] == "trace" and log[0]["tube"] == TUBE
    assert log[0]["who"].startswith("organizer 王主任") and log[0]["ts"] == APRIL_3


def test_export_csv_and_xlsx_carry_exactly_the_lab_fields(app, client, site, staff, admin):
    _clock(app)
    first, second = _sample_two(client, site, staff)
    client.post(f"/api/v1/tickets/{second['id']}/void", json={"reason": "样本污染"}, headers=staff)
    assert client.get(f"/api/v1/sites/{site['id']}/rounds/1/export.csv", headers=staff).status_code == 403
    response = client.get(f"/api/v1/sites/{site['id']}/rounds/1/export.csv", headers=admin)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    expected = [
        ["tube_code", "tube_position", "name", "doc_type", "id_number", "phone", "site", "station", "medic",
         "sampled_at", "mode", "void_reason"],
        [TUBE, "1", "居民1", "id", young(1)["id_number"], "13800000001", "金域华府", "1", "李医生",
         "2026-04-03 08:00:00", "pooled", ""],
        [TUBE, "2", "居民2", "id", young(2)["id_number"], "13800000002", "金域华府", "1", "李医生",
         "2026-04-03 08:00:00", "pooled", "样本污染"],
    ]
    assert rows == expected
    book = load_workbook(io.BytesIO(client.get(f"/api/v1/sites/{site['id']}/rounds/1/export.xlsx",
                                               headers=admin).get_data()))
    sheet = [[("" if c is None else str(c)) for c in row] for row in book.active.iter_rows(values_only=True)]
    assert sheet == expected
    actions = [(e["action"], e.get("format")) for e in
               client.get(f"/api/v1/sites/{site['id']}/audit", headers=admin).get_json()["audit"]]
    assert actions == [("export", "xlsx"), ("export", "csv")]


def test_rounds_keep_their_own_records(app, client, site, staff, admin):
    now = _clock(app)
    _sample_two(client, site, staff)
    created = client.post(f"/api/v1/sites/{site['id']}/rounds", json={"name": "第 4 轮全员核酸 2026-04-03"},
                          headers=admin)
    assert created.status_code == 201
    assert (created.get_json()["id"], created.get_json()["name"]) == ("2", "第 4 轮全员核酸 2026-04-03")
    now[0] += 60_000
    client.post(f"/api/v1/sites/{site['id']}/stations/1/tube", json={"code": "1000000002"}, headers=staff)
    join_as(client, site["id"], 1)  # sampled in round 1; a new round samples them again
    assert sample(client, call(client, site["id"], 1, staff)["id"], staff)["round"] == "2"
    rounds = client.get(f"/api/v1/sites/{site['id']}/rounds", headers=staff).get_json()["rounds"]
    assert [(r["id"], r["counts"]["sampled"], r["counts"]["tubes"]) for r in rounds] == [("1", 2, 1), ("2", 1, 1)]
    rows = client.get(f"/api/v1/sites/{site['id']}/rounds/2/export.csv", headers=admin).get_data().decode("utf-8-sig")
    assert rows.count("\r\n") == 2


def test_purge_removes_personal_data_after_retention_and_keeps_counts(app, client, site, staff, admin):
    now = _clock(app)
    done = _sample_two(client, site, staff)
    purge = f"/api/v1/sites/{site['id']}/rounds/1/purge"
    assert client.post(purge, headers=admin).get_json()["error"]["code"] == "round_current"
    client.post(f"/api/v1/sites/{site['id']}/rounds", json={"name": "第 5 轮"}, headers=admin)
    now[0] += 13 * DAY_MS
    assert client.post(purge, headers=admin).get_json()["error"]["code"] == "retention"
    assert client.post(purge, headers=staff).status_code == 403
    now[0] += DAY_MS
    purged = client.post(purge, headers=admin)
    assert purged.status_code == 200, purged.get_json()
    assert purged.get_json()["counts"]["sampled"] == 2 and purged.get_json()["purged_ms"] == now[0]
    backend: Backend = app.extensions["natqueue"]
    for ticket in done:
        raw = backend.redis.hgetall(f"nq:{{{site['id']}}}:t:{ticket['id']}")
        assert not {"name", "phone", "id_number", "person"} & set(raw)
        assert raw["tube"] == TUBE
    everything = " ".join(str(backend.redis.dump(k)) for k in backend.redis.keys("*"))
    for seed in (1, 2):
        assert young(seed)["id_number"] not in everything and young(seed)["phone"] not in everything
    trace = client.get(f"/api/v1/sites/{site['id']}/tubes/{TUBE}/trace", headers=admin).get_json()
    assert [(p["position"], p["name"], p["id_number"]) for p in trace["people"]] == [(1, "", ""), (2, "", "")]
    figures = client.get(f"/api/v1/sites/{site['id']}/rounds/1", headers=staff).get_json()
    assert figures["counts"]["sampled"] == 2 and figures["counts"]["joined"] == 2


def test_a_name_cannot_run_as_a_spreadsheet_formula(app, client, site, staff, admin):
    _clock(app)
    open_tube(client, site["id"], 1, TUBE, staff)
    join_as(client, site["id"], 1, name="=HYPERLINK(\"http://x\")")
    sample(client, call(client, site["id"], 1, staff)["id"], staff)
    text = client.get(f"/api/v1/sites/{site['id']}/rounds/1/export.csv?by=王主任", headers=admin).get_data()
    assert "'=HYPERLINK" in text.decode("utf-8-sig")
    book = load_workbook(io.BytesIO(client.get(f"/api/v1/sites/{site['id']}/rounds/1/export.xlsx",
                                               headers=admin).get_data()))
    cell = book.active["C2"]
    assert cell.data_type == "s" and cell.value.startswith("'=")
    log = client.get(f"/api/v1/sites/{site['id']}/audit", headers=admin).get_json()["audit"]
    assert log[1]["who"].startswith("organizer 王主任")
