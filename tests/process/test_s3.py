"""``--out s3://bucket/prefix`` works like a folder: tested against moto's S3 server on
127.0.0.1, started by the test, with real `kumuh run` processes."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REFERENCE
from transforms.sample import generate
from transforms.spec import contract

pytestmark = pytest.mark.slow

s3fs = pytest.importorskip("s3fs")
KUMUH = Path(sys.executable).with_name("kumuh")


@pytest.fixture(scope="module")
def s3(tmp_path_factory, prefect_api):
    """A moto S3 server on loopback and the environment that points boto at it (and the
    ``kumuh`` processes at the session's Prefect server)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([str(Path(sys.executable).with_name("moto_server")), "-H",
                               "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                raise RuntimeError("moto server did not start") from None
            time.sleep(0.3)
    env = {"AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "kumuh", "AWS_SECRET_ACCESS_KEY":
           "kumuh", "AWS_DEFAULT_REGION": "us-east-1"}
    fs = s3fs.S3FileSystem(key="kumuh", secret="kumuh", endpoint_url=url)
    fs.mkdir("terbit")
    try:
        yield fs, {**prefect_api, **env}
    finally:
        server.terminate()
        server.wait(10)


def _run(inp: Path, out: str, wh: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([str(KUMUH), "run", "--input", str(inp), "--out", out,
                           "--warehouse", str(wh)], capture_output=True, text=True,
                          timeout=300, env=env)


def _rows(fs, table: str) -> int:
    import pyarrow.dataset as ds

    part = "hive" if table in contract.PARTITIONED else None
    return ds.dataset(f"terbit/kotaku/{table}", filesystem=fs, format="parquet",
                      partitioning=part).count_rows()


def test_publish_to_s3_like_a_folder(s3, tmp_path: Path) -> None:
    fs, env = s3
    made = generate.generate_sample(tmp_path / "in", REFERENCE, kabupaten=("33.75",),
                                  kelurahan_per_kabupaten=3, years=(2024,), seed=8)
    wh = tmp_path / "wh" / "kumuh.duckdb"
    done = _run(tmp_path / "in", "s3://terbit/kotaku", wh, env)
    assert done.returncode == 0, done.stderr
    assert "s3://terbit/kotaku/<tabel>/" in done.stdout
    keys = {k.removeprefix("terbit/kotaku/") for k in fs.find("terbit/kotaku")}
    assert "indikator_rt/tahun=2024/33.75.parquet" in keys
    assert "laporan/index.html" in keys and "temuan/index.html" in keys
    assert not any(k.startswith(".versions") for k in keys)
    valid = [w for w in made if w.expected_status == "diterima"]
    assert _rows(fs, "indikator_rt") == sum(len(w.rts) for w in valid)
    assert _rows(fs, "indikator_kelurahan") == len(valid)
    assert _rows(fs, "pengiriman") == len(made)

    before = {k: fs.info(k)["ETag"] for k in fs.find("terbit/kotaku/indikator_rt")}
    done = _run(tmp_path / "in", "s3://terbit/kotaku", wh, env)
    assert done.returncode == 0 and "Parquet tidak disentuh" in done.stdout
    assert {k: fs.info(k)["ETag"] for k in fs.find("terbit/kotaku/indikator_rt")} == before


def _deployment(api: str, name: str) -> dict | None:
    import json

    try:
        with urllib.request.urlopen(f"{api}/deployments/name/{name}", timeout=5) as r:
            return json.load(r)
    except OSError:
        return None


def test_serve_with_s3_out_runs_the_readme_rerun_command(s3, tmp_path: Path) -> None:
    """The README's `prefect deployment run 'nightly-consolidation/rerun' -p kabupaten=33.75
    -p tahun=2024`, against `kumuh serve --out s3://…` on a real Prefect server; then
    `kumuh status` of that S3 publish root."""
    fs, env = s3
    generate.generate_sample(tmp_path / "in", REFERENCE, kabupaten=("33.75", "35.08"),
                             kelurahan_per_kabupaten=1, years=(2023, 2024), seed=9,
                             with_errors=False)
    places = ["--input", str(tmp_path / "in"), "--out", "s3://terbit/dilayani",
              "--warehouse", str(tmp_path / "wh" / "kumuh.duckdb")]
    server = subprocess.Popen([str(KUMUH), "serve", *places], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              start_new_session=True)
    api = env["PREFECT_API_URL"]
    try:
        deadline = time.monotonic() + 120
        while (rerun := _deployment(api, "nightly-consolidation/rerun")) is None:
            assert server.poll() is None, server.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.5)
        shown = rerun["parameter_openapi_schema"]["properties"]
        assert set(shown) == {"kabupaten", "kecamatan", "kelurahan", "tahun", "force"}
        assert all(p.get("description") for p in shown.values())
        done = subprocess.run(
            [str(Path(sys.executable).with_name("prefect")), "deployment", "run",
             "nightly-consolidation/rerun", "-p", "kabupaten=33.75", "-p", "tahun=2024",
             "--watch", "--watch-timeout", "240"],
            env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Completed" in done.stdout
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=30)
    assert server.returncode == 143 and "Traceback" not in err, err
    assert "dilayani di http://127.0.0.1" in out
    keys = {k.removeprefix("terbit/dilayani/") for k in fs.find("terbit/dilayani")}
    assert "indikator_rt/tahun=2024/33.75.parquet" in keys
    assert not any(k.startswith(("indikator_rt/tahun=2023", "indikator_rt/tahun=2024/35.08"))
                   for k in keys)  # the scope, and only the scope
    status = subprocess.run([str(KUMUH), "status", *places], env=env, capture_output=True,
                            text=True, timeout=120)
    assert status.returncode == 0, status.stderr
    assert "wilayah 33.75, tahun 2024" in status.stdout and "selesai" in status.stdout
