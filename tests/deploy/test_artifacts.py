"""The deployment files: the Dockerfile passes hadolint, compose.yaml the Compose specification,
the systemd units `systemd-analyze verify`, and the example settings match `Settings`."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from bot.config import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / "atou.env.example"
UNITS = {"atou.service": "run", "atou-web.service": "serve"}


def tool(name: str) -> str:
    """A command-line tool installed beside this Python (the venv's bin) or on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install '.[test]' brings it)")
    return found


def hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("hadolint"), "--no-color", str(path)], capture_output=True, text=True, timeout=60)


def check_compose(path: Path) -> subprocess.CompletedProcess[str]:
    # The Compose specification's schema ships inside check-jsonschema: no download.
    command = [tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(path)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def stages(dockerfile: str) -> list[list[str]]:
    """Instructions (continuation lines joined) grouped by build stage."""
    joined = re.sub(r"\\\n\s*", " ", dockerfile)
    lines = [line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    found: list[list[str]] = []
    for line in lines:
        if line.startswith("FROM "):
            found.append([])
        if found:
            found[-1].append(line)
    return found


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = YAML(typ="safe").load(COMPOSE.read_text())
    return loaded


# Dockerfile
def test_the_dockerfile_passes_hadolint() -> None:
    result = hadolint(DOCKERFILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_does_flag_a_careless_dockerfile(tmp_path: Path) -> None:
    careless = tmp_path / "Dockerfile"
    careless.write_text("FROM python\nRUN apt-get update && apt-get install -y gcc\nCMD atou run\n")
    result = hadolint(careless)
    assert result.returncode != 0
    assert "DL3008" in result.stdout and "DL3006" in result.stdout


def test_the_image_builds_wheels_apart_and_runs_atou_as_a_non_root_user() -> None:
    builder, final = stages(DOCKERFILE.read_text())
    assert any(line.startswith("RUN pip wheel") for line in builder)
    install = " ".join(line for line in final if line.startswith("RUN "))
    assert "--no-index" in install and "from=builder" in install
    assert not re.search(r"apt-get|gcc|build-essential", " ".join(final)), "no build tools in the final image"
    [user] = [line.split()[1] for line in final if line.startswith("USER ")]
    assert user.split(":")[0] not in ("0", "root")
    [health] = [line for line in final if line.startswith("HEALTHCHECK ")]
    assert '["atou", "health", "--probe"]' in health
    assert final[-1] == 'CMD ["atou", "run"]'


# compose.yaml
def test_compose_yaml_follows_the_compose_specification() -> None:
    result = check_compose(COMPOSE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_compose_file(tmp_path: Path) -> None:
    broken = tmp_path / "compose.yaml"
    broken.write_text(COMPOSE.read_text().replace("condition: service_completed_successfully", "condition: when_ready"))
    result = check_compose(broken)
    assert result.returncode != 0 and "when_ready" in result.stdout


def test_compose_migrates_first_then_starts_the_bot_and_the_web_server_with_health_checks() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "migrate", "bot", "web"}
    assert services["migrate"]["command"] == ["atou", "db", "upgrade"]
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert services["bot"]["command"] == ["atou", "run"]
    assert services["web"]["command"] == ["atou", "serve"]
    for name in ("bot", "web"):
        assert services[name]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
        assert services[name]["healthcheck"]["test"][:3] == ["CMD", "atou", "health"]
        assert services[name]["env_file"] == "atou.env"
        assert services[name]["environment"]["ATOU_DATABASE_URL"].endswith("@postgres:5432/atou")
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"][1]
    assert services["postgres"]["volumes"] == ["pgdata:/var/lib/postgresql/data"]


# atou.env.example
def test_the_example_settings_name_every_setting_and_load() -> None:
    text = ENV_EXAMPLE.read_text()
    named = set(re.findall(r"^(?:# )?(ATOU_[A-Z0-9_]+)=", text, flags=re.M))
    assert named == {f"ATOU_{name.upper()}" for name in Settings.model_fields}
    settings = Settings(_env_file=ENV_EXAMPLE)  # type: ignore[call-arg]
    assert settings.database_url.startswith("postgresql+psycopg://")


# systemd
@pytest.mark.parametrize("unit", sorted(UNITS))
def test_the_systemd_units_are_hardened_and_run_atou(unit: str) -> None:
    text = (DEPLOY / unit).read_text()
    settings = dict(re.findall(r"^(\w+)=(.*)$", text, flags=re.M))
    assert settings["ExecStart"] == f"/opt/atou/venv/bin/atou {UNITS[unit]}"
    assert settings["User"] == "atou" and settings["StateDirectory"] == "atou"
    assert settings["EnvironmentFile"] == "/etc/atou/atou.env"
    assert settings["ProtectSystem"] == "strict" and settings["NoNewPrivileges"] == "yes"
    assert settings["Restart"] == "on-failure"


@pytest.mark.parametrize("unit", sorted(UNITS))
def test_systemd_accepts_the_units(unit: str, tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    # verify wants the ExecStart program to exist: point it at this environment's atou.
    atou = Path(sys.executable).parent / "atou"
    if not atou.exists():
        pytest.skip("the atou command is not installed beside this Python")
    copy = tmp_path / unit
    copy.write_text((DEPLOY / unit).read_text().replace("/opt/atou/venv/bin/atou", str(atou)))
    result = subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr == "", result.stderr
