"""The household roster: CSV or XLSX, each person checked as a join checks them, merged on re-import."""

from tests.community_support import (
    building,
    coverage,
    make_community,
    make_site,
    resident_id,
    roster,
    row,
    to_csv,
    to_xlsx,
)

CSV = {"Content-Type": "text/csv"}


def _put(client, admin, data, community_id="balicha", **headers):
    return client.put(f"/api/v1/communities/{community_id}/roster", data=data, headers={**admin, **CSV, **headers})


def test_bad_rows_of_every_kind_are_rejected_by_line_and_the_good_ones_imported(client, admin):
    make_site(client, admin, "s1")
    make_community(client, admin, ["s1"])
    good = [row(1), row(2, room="102"), row(3, doc_type="passport", id_number="E12345678", room="102")]
    bad = [
        row(10, compound=""),                                  # line 5
        row(11, building=""),                                  # 6
        row(12, room=""),                                      # 7
        row(13, name=""),                                      # 8
        row(14, doc_type="driving_licence"),                   # 9
        row(15, id_number=resident_id(15)[:-1] + ("0" if resident_id(15)[-1] != "0" else "1")),  # 10
        row(16, id_number="12345"),                            # 11
        row(17, id_number=resident_id(17, birth="19901340")),  # 12
        row(18, phone="12345678"),                             # 13
        row(19, flags="elderly_alone;vip"),                    # 14
        row(2, room="201"),                                    # 15: the same person as line 3
        row(20, doc_type="passport", id_number="E1234"),       # 16
    ]
    response = _put(client, admin, to_csv(good + bad))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    rejected = {(r["row"], r["field"], r["code"]) for r in body["rejected"]}
    assert rejected == {
        (5, "compound", "required"), (6, "building", "required"), (7, "room", "required"),
        (8, "name", "required"), (9, "doc_type", "unknown"), (10, "id_number", "checksum"),
        (11, "id_number", "format"), (12, "id_number", "birth_date"), (13, "phone", "format"),
        (14, "flags", "unknown"), (15, "id_number", "duplicate"), (16, "id_number", "format"),
    }
    assert (body["people"], body["households"], body["added"], body["updated"], body["unchanged"]) == (3, 2, 3, 0, 0)
    assert coverage(client, admin)["totals"]["people"] == 3


def test_a_reimport_updates_one_phone_and_one_room_and_adds_nobody_twice(client, admin):
    make_site(client, admin, "s1")
    people = roster(buildings=2, rooms=2, per_room=2)  # 8 people, 4 households
    make_community(client, admin, ["s1"], rows=people)
    changed = [dict(r) for r in people]
    changed[0]["phone"] = "13700000000"
    changed[5]["room"] = "909"  # moves to a household of its own
    body = _put(client, admin, to_csv(changed)).get_json()
    assert (body["added"], body["updated"], body["unchanged"], body["people"], body["households"]) == (0, 2, 6, 8, 5)
    found = coverage(client, admin)
    assert found["totals"]["people"] == 8 and found["totals"]["households"] == 5
    b2 = building(found, "小区1", "2栋")
    assert b2["totals"]["people"] == 4 and b2["totals"]["households"] == 3
    sweep = client.get("/api/v1/communities/balicha/sweep", query_string={"compound": "小区1", "building": "2栋"},
                       headers=admin).get_json()
    rooms = {h["room"]: len(h["people"]) for h in sweep["households"]}
    assert rooms == {"101": 1, "102": 2, "909": 1}
    again = _put(client, admin, to_csv(changed)).get_json()
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 8)


def test_xlsx_and_csv_with_a_bom_and_chinese_headings_read_the_same(client, admin):
    make_site(client, admin, "s1")
    make_site(client, admin, "s2")
    make_community(client, admin, ["s1"], community_id="c1")
    make_community(client, admin, ["s2"], community_id="c2")
    people = roster(buildings=1, rooms=3, per_room=1)
    xlsx = _put(client, admin, to_xlsx(people), "c1",
                **{"Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    chinese = ["小区", "楼栋", "单元", "房号", "姓名", "证件类型", "证件号码", "手机号", "标记"]
    bom = _put(client, admin, to_csv(people, bom=True, header=chinese), "c2")
    for response in (xlsx, bom):
        assert response.status_code == 200, response.get_json()
        assert (response.get_json()["added"], response.get_json()["rejected"]) == (3, [])


def test_a_file_that_is_not_a_roster_is_refused_and_changes_nothing(client, admin):
    make_site(client, admin, "s1")
    make_community(client, admin, ["s1"])
    for data in (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b'{"people": []}', "姓名,电话\n张三,13800000000\n".encode(),
                 b"", "名字".encode("gbk") + b",x\n", b"PK\x03\x04 not really a workbook"):
        response = _put(client, admin, data)
        assert response.status_code == 400, data
        assert response.get_json()["error"]["code"] == "not_a_roster"
    assert coverage(client, admin)["totals"]["people"] == 0


def test_the_roster_is_the_organizers_alone(app, client, admin, site, staff):
    make_community(client, admin, [site["id"]])
    data = to_csv(roster())
    assert _put(app.test_client(), {}, data).status_code == 401
    assert _put(client, staff, data).status_code == 403
    assert coverage(client, admin)["totals"]["people"] == 0


def test_a_roster_may_be_larger_than_a_json_body(client, admin, app):
    make_site(client, admin, "s1")
    make_community(client, admin, ["s1"])
    assert app.config["MAX_CONTENT_LENGTH"] < 1_500_000
    big = to_csv([row(1)] + [row(i, name="长" * 100) for i in range(2, 5000)])  # 1.6 MB
    assert len(big) > 1_500_000
    response = _put(client, admin, big)
    assert response.status_code == 200, response.status_code
    body = response.get_json()
    assert body["added"] == 1 and len(body["rejected"]) == 4998
    assert body["rejected"][0] == {"row": 3, "field": "name", "code": "too_long"}
