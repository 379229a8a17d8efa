"""What the community tests share: generated rosters, and short ways to build a community."""

import csv
import io

from tests.conftest import ID_WEIGHTS

HEADER = ["compound", "building", "unit", "room", "name", "doc_type", "id_number", "phone", "flags"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


def resident_id(seed: int, birth: str = "19900101") -> str:
    """A valid resident ID, distinct for every seed below 10^6 (area code and sequence vary)."""
    area = f"{110000 + seed // 1000:06d}"
    body = f"{area}{birth}{seed % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def row(seed: int, compound="金域华府", building="1栋", unit="1单元", room="101", flags="", **extra) -> dict:
    return {"compound": compound, "building": building, "unit": unit, "room": room,
            "name": SURNAMES[seed % len(SURNAMES)] + "居民" + str(seed), "doc_type": "",
            "id_number": resident_id(seed), "phone": f"139{seed:08d}", "flags": flags, **extra}


def roster(compounds: int = 1, buildings: int = 2, units: int = 1, rooms: int = 2, per_room: int = 2,
           start: int = 0) -> list[dict]:
    """Compounds 小区1.., buildings 1栋.., units 1单元.., rooms 101.., ``per_room`` people each."""
    rows, seed = [], start
    for c in range(1, compounds + 1):
        for b in range(1, buildings + 1):
            for u in range(1, units + 1):
                for r in range(1, rooms + 1):
                    for _ in range(per_room):
                        rows.append(row(seed, compound=f"小区{c}", building=f"{b}栋", unit=f"{u}单元",
                                        room=f"{100 + r}"))
                        seed += 1
    return rows


def to_csv(rows: list[dict], bom: bool = False, header=HEADER) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for r in rows:
        writer.writerow([r.get(h, "") for h in HEADER])
    return (("\ufeff" if bom else "") + buf.getvalue()).encode()


def to_xlsx(rows: list[dict]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for r in rows:
        sheet.append([r.get(h, "") for h in HEADER])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def make_site(client, admin, site_id: str, stations: int = 2) -> dict:
    """A site that samples without tubes (``require_tube`` off): coverage, not tubes, is tested here."""
    response = client.post("/api/v1/sites", json={"id": site_id, "name": f"采样点{site_id}", "stations": stations,
                                                  "require_tube": False}, headers=admin)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def make_community(client, admin, sites: list[str], community_id: str = "balicha", rows=None) -> dict:
    response = client.post("/api/v1/communities", json={"id": community_id, "name": "八里岔社区", "sites": sites},
                           headers=admin)
    assert response.status_code == 201, response.get_json()
    if rows is not None:
        imported = client.put(f"/api/v1/communities/{community_id}/roster", data=to_csv(rows),
                              headers={**admin, "Content-Type": "text/csv"})
        assert imported.status_code == 200, imported.get_json()
    return response.get_json()


def staff_of(client, site: dict) -> dict:
    response = client.post("/api/v1/auth/staff", json={"site_id": site["id"], "code": site["staff_code"]})
    assert response.status_code == 200
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def sweep_team(client, admin, community_id: str = "balicha", team: str = "扫楼队1") -> dict:
    code = client.post(f"/api/v1/communities/{community_id}/sweep-code", headers=admin).get_json()["code"]
    response = client.post("/api/v1/auth/sweep", json={"community": community_id, "code": code, "team": team})
    assert response.status_code == 200, response.get_json()
    client.delete_cookie("natq_sweep")  # tests send the token as a header, like a script would
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def coverage(client, admin, community_id: str = "balicha", **query) -> dict:
    response = client.get(f"/api/v1/communities/{community_id}/coverage", query_string=query, headers=admin)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def building(found: dict, compound: str, name: str) -> dict:
    c = next(c for c in found["compounds"] if c["name"] == compound)
    return next(b for b in c["buildings"] if b["name"] == name)


def join_person(client, site_id: str, r: dict) -> dict:
    body = {"name": r["name"], "phone": r["phone"], "id_number": r["id_number"]}
    if r.get("doc_type"):
        body["doc_type"] = r["doc_type"]
    response = client.post(f"/api/v1/sites/{site_id}/tickets", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def sample_next(client, site_id: str, station: int, staff: dict) -> dict:
    called = client.post(f"/api/v1/sites/{site_id}/stations/{station}/call", headers=staff).get_json()["ticket"]
    response = client.post(f"/api/v1/tickets/{called['id']}/sampled", headers=staff)
    assert response.status_code == 200, response.get_json()
    return response.get_json()
