"""The deployment files: the settings table in docs/deploy.md is the generated one, the
compose file describes the scale-out topology with settings Lowtato knows, and the image is
multi-stage and runs as an unprivileged user."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from lowtato.cli.main import app as cli
from lowtato.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_settings_table_in_the_docs_is_the_generated_one() -> None:
    generated = CliRunner().invoke(cli, ["settings-table"])
    assert generated.exit_code == 0, generated.output
    docs = (ROOT / "docs" / "deploy.md").read_text()
    documented = re.search(
        r"<!-- settings-table:start -->\n(.*?)<!-- settings-table:end -->", docs, re.S
    )
    assert documented, "docs/deploy.md lost its settings-table markers"
    assert documented.group(1) == generated.output, (
        "docs/deploy.md's settings table is stale: paste the output of `lowtato settings-table`"
    )
    rows = [line for line in generated.output.splitlines() if line.startswith("| `LOWTATO_")]
    assert len(rows) == len(Settings.model_fields)
    assert all(not row.endswith("|  |") for row in rows), "a setting has no description"


def _compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "compose.yaml").read_text()))


def test_compose_runs_two_apis_two_workers_and_the_services() -> None:
    services = _compose()["services"]
    assert {"api1", "api2", "worker", "migrate", "postgres", "redis", "minio"} <= set(services)
    lowtato = {name: s for name, s in services.items() if s.get("image") == "lowtato:local"}
    apis = [s for s in lowtato.values() if s["command"][:2] == ["lowtato", "serve"]]
    assert len(apis) == 2 and all("--no-worker" in s["command"] for s in apis)
    worker = services["worker"]
    assert worker["command"][:2] == ["lowtato", "worker"] and worker["deploy"]["replicas"] == 2
    assert services["migrate"]["command"] == ["lowtato", "db", "upgrade"]
    for name in ("api1", "api2", "postgres", "redis", "minio"):
        assert services[name]["healthcheck"]["test"], name
    known = {f"LOWTATO_{name.upper()}" for name in Settings.model_fields}
    for name, service in lowtato.items():
        env = service["environment"]
        assert env["LOWTATO_DATABASE_URL"].startswith("postgresql+asyncpg://"), name
        assert env["LOWTATO_REDIS_URL"].startswith("redis://"), name
        assert env["LOWTATO_STORAGE_BACKEND"] == "s3", name
        assert {k for k in env if k.startswith("LOWTATO_")} <= known, name
        # Every process must share the keys: they come from one place.
        assert env["LOWTATO_ENCRYPTION_KEYS"].startswith("${LOWTATO_ENCRYPTION_KEYS:?"), name
    for name in ("api1", "api2", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
        assert services[name]["environment"]["PROMETHEUS_MULTIPROC_DIR"]


def test_the_image_is_multi_stage_and_not_root() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+(\S+)", dockerfile, re.M)
    assert len(stages) >= 2 and all("slim" in stage for stage in stages)
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    assert users and users[-1] not in ("root", "0")
    assert "COPY --from=build" in dockerfile


def _has_compose() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = ["docker", "compose", "version"]
    return subprocess.run(probe, check=False, capture_output=True).returncode == 0  # noqa: S603


@pytest.mark.skipif(not _has_compose(), reason="docker compose is not installed")
def test_docker_compose_accepts_the_file() -> None:
    env = {"POSTGRES_PASSWORD": "x", "LOWTATO_SECRET_KEY": "x", "LOWTATO_ENCRYPTION_KEYS": "x",
           "MINIO_ROOT_PASSWORD": "x", "PATH": "/usr/bin:/bin:/usr/local/bin"}  # fmt: skip
    checked = subprocess.run(  # noqa: S603
        ["docker", "compose", "-f", str(ROOT / "compose.yaml"), "config", "-q"],  # noqa: S607
        check=False, capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
