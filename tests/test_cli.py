"""The `gandan` commands as an operator runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.platform.tables import Ward

GANDAN = str(Path(sys.executable).parent / "gandan")


COMMANDS = ["serve", "migrate", "import-units", "import-boundaries", "import-groups", "import-households",
            "sweep", "create-api-key", "seed-demo", "create-user", "backup"]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    done = subprocess.run([GANDAN, command, "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "usage: gandan " + command in done.stdout


async def test_import_boundaries_from_a_geojson_file(database, tmp_path):
    ward = await Ward.select(Ward.lat, Ward.lon).where(Ward.code == "03405").first()
    lat, lon = ward["lat"], ward["lon"]
    ring = [[lon - .05, lat - .05], [lon + .05, lat - .05], [lon + .05, lat + .05],
            [lon - .05, lat + .05], [lon - .05, lat - .05]]  # fmt: skip
    path = tmp_path / "lai-chau.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"ma_xa": "3405"},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}]}))  # fmt: skip
    done = subprocess.run([GANDAN, "import-boundaries", "--quiet", str(path)],
                          capture_output=True, text=True, env=os.environ)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Boundaries imported: 1 wards in 1 provinces; not matched: 0; overlapping pairs: 0" in done.stdout
    assert "Lai Châu: 1 wards" in done.stdout
    assert (await Ward.select(Ward.boundary).where(Ward.code == "03405").first())["boundary"]
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json")
    refused = subprocess.run([GANDAN, "import-boundaries", str(bad)], capture_output=True, text=True)
    assert refused.returncode == 2 and "not a readable GeoJSON file" in refused.stderr


async def test_create_user_gives_a_scoped_staff_account(database):
    env = {**os.environ, "GANDAN_PASSWORD": "mot-mat-khau-dai"}
    done = subprocess.run([GANDAN, "create-user", "canbo.talen", "--role", "officer",
                           "--ward", "03405", "--name", "Giàng A Páo"],
                          capture_output=True, text=True, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    again = subprocess.run([GANDAN, "create-user", "canbo.talen", "--role", "officer",
                            "--ward", "03405"], capture_output=True, text=True, env=env)  # fmt: skip
    assert again.returncode == 2 and "is taken" in again.stderr
    from app.accounts.passwords import verify_password
    from app.platform.tables import Person, StaffRole

    person = await Person.select().where(Person.username == "canbo.talen").first()
    assert verify_password(person["password_hash"], "mot-mat-khau-dai")
    assert person["password_hash"].startswith("$argon2id$")
    role = await StaffRole.select(StaffRole.role, StaffRole.ward.code).first()
    assert role == {"role": "officer", "ward.code": "03405"}


async def test_backup_writes_a_usable_copy(database, tmp_path, settings):
    target = tmp_path / ("copy.sqlite3" if settings.is_sqlite else "copy.pgdump")
    done = subprocess.run([GANDAN, "backup", "--output", str(target)], capture_output=True,
                          text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    if settings.is_sqlite:
        import sqlite3

        with sqlite3.connect(target) as copy:
            assert copy.execute("SELECT COUNT(*) FROM wards").fetchone()[0] == 3321
    else:
        assert target.read_bytes()[:5] == b"PGDMP"


async def test_import_groups_from_a_csv_file(database, tmp_path):
    from app.platform.tables import ResidentialGroup

    path = tmp_path / "to-dan-pho.csv"
    path.write_text("ward_code,name,kind,households\n11446,Tổ dân phố số 1,to_dan_pho,212\n"
                    "11446,Tổ dân phố số 2,to_dan_pho,\n03405,Thôn Nà Tăm,thon,130\n",
                    encoding="utf-8")  # fmt: skip
    command = [GANDAN, "import-groups", str(path)]
    for _ in range(2):  # importing again updates, it does not duplicate
        done = subprocess.run(command, capture_output=True, text=True, env=os.environ)
        assert done.returncode == 0, done.stderr
        assert "Residential groups imported: 3 in 2 wards." in done.stdout
    rows = await ResidentialGroup.select(ResidentialGroup.name, ResidentialGroup.households).order_by(
        ResidentialGroup.id)
    assert rows == [{"name": "Tổ dân phố số 1", "households": 212},
                    {"name": "Tổ dân phố số 2", "households": None},
                    {"name": "Thôn Nà Tăm", "households": 130}]  # fmt: skip
    path.write_text("ward_code,name\n99999,Tổ 1\n", encoding="utf-8")
    refused = subprocess.run(command, capture_output=True, text=True, env=os.environ)
    assert refused.returncode == 2 and "99999" in refused.stderr


async def test_import_households_from_a_csv_file(database, tmp_path):
    from app.platform.tables import Household, ResidentialGroup

    groups = tmp_path / "to-dan-pho.csv"
    groups.write_text("ward_code,name,kind,households\n11446,Tổ dân phố số 5,to_dan_pho,176\n",
                      encoding="utf-8")  # fmt: skip
    assert subprocess.run([GANDAN, "import-groups", str(groups)], env=os.environ).returncode == 0
    path = tmp_path / "ho.csv"
    lines = "".join(f"11446,Tổ dân phố số 5,Hộ số {n}\n" for n in range(1, 4))
    path.write_text("ward_code,group,household\n" + lines, encoding="utf-8")
    command = [GANDAN, "import-households", str(path)]
    for _ in range(2):  # importing again adds nothing twice
        done = subprocess.run(command, capture_output=True, text=True, env=os.environ)
        assert done.returncode == 0, done.stderr
        assert "Households imported: 3 in 1 residential groups." in done.stdout
    labels = sorted(h["label"] for h in await Household.select(Household.label))
    assert labels == ["Hộ số 1", "Hộ số 2", "Hộ số 3"]
    # The group's household figure follows its register.
    assert (await ResidentialGroup.select(ResidentialGroup.households).first())["households"] == 3
    # Importing the groups file again does not overwrite the figure the register keeps, and says so.
    again = subprocess.run([GANDAN, "import-groups", str(groups)], capture_output=True, text=True,
                           env=os.environ)  # fmt: skip
    assert again.returncode == 0 and "1 of them have a household register" in again.stdout
    assert (await ResidentialGroup.select(ResidentialGroup.households).first())["households"] == 3
    path.write_text("ward_code,group,household\n11446,Tổ không có,Hộ 1\n", encoding="utf-8")
    refused = subprocess.run(command, capture_output=True, text=True, env=os.environ)
    assert refused.returncode == 2 and "Tổ không có" in refused.stderr


async def test_sweep_stores_every_wards_index_and_shows_its_progress(database):
    from app.platform import clock
    from app.transparency import index_snapshots

    done = subprocess.run([GANDAN, "sweep"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    wards = [w["id"] for w in await Ward.select(Ward.id)]
    assert f"Ward service indexes recomputed: {len(wards)}." in done.stdout
    assert "Ward service indexes: 100%" in done.stderr  # the progress bar, at its end
    assert set(await index_snapshots.servable(wards, clock.now())) == set(wards)
    again = subprocess.run([GANDAN, "sweep"], capture_output=True, text=True)
    assert "Ward service indexes recomputed: 0." in again.stdout  # nothing changed, nothing aged
