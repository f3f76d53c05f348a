"""The deployment files agree with the app (Docker does not run here, so they are parsed):
every POLYSCAN_* variable they set is a setting with a valid value, ports and probe paths match
the HTTP server's routes, Prometheus scrapes /metrics on the app port, the Grafana dashboard only
queries metrics polyscan defines, and CI runs `make test`."""

from __future__ import annotations

import json
import re
import shlex
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

import scanner_core.metrics as metrics_module
from bot.web import WebServer
from scanner_core.config import Settings, env_name
from scanner_core.health import HealthRegistry

ROOT = Path(__file__).resolve().parents[2]
FIELDS_BY_ENV = {env_name(name): name for name in Settings.model_fields}
SECRET_FIELDS = {
    env_name(name)
    for name, info in Settings.model_fields.items()
    if "SecretStr" in str(info.annotation) or name in ("database_url", "redis_url")
}
DEFAULT_PORT = Settings.model_fields["http_port"].default


def app_routes() -> set[str]:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    web = WebServer(HealthRegistry(lambda: now), host="127.0.0.1", port=0, started_at=now, clock=lambda: now)
    return {route.resource.canonical for route in web.app.router.routes() if route.resource is not None}


ROUTES = app_routes()


def check_settings(env: dict[str, Any], where: str) -> Settings:
    """Every POLYSCAN_* key is a setting and the values together make valid Settings."""
    values = {}
    for key, raw in env.items():
        if not key.startswith("POLYSCAN_"):
            continue
        assert key in FIELDS_BY_ENV, f"{where}: {key} is not a setting (scanner_core/config.py)"
        value = compose_default(str(raw))
        if value != "":
            values[FIELDS_BY_ENV[key]] = value
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def compose_default(value: str) -> str:
    """${VAR:-default} as docker compose fills it when VAR is unset."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def load_yaml(path: str) -> Any:
    return yaml.safe_load((ROOT / path).read_text())


def defined_series() -> set[str]:
    """Every series name polyscan's metrics produce (counter _total, histogram _bucket/_sum/_count)."""
    names: set[str] = set()
    for value in vars(metrics_module).values():
        if not isinstance(value, MetricWrapperBase):
            continue
        for family in value.describe():
            if family.type == "counter":
                names.add(family.name + "_total")
            elif family.type == "histogram":
                names.update(family.name + suffix for suffix in ("_bucket", "_sum", "_count"))
            else:
                names.add(family.name)
    return names


# ---------------------------------------------------------------- Dockerfile


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_dockerfile() -> None:
    instructions = dockerfile_instructions()
    froms = [rest for word, rest in instructions if word == "FROM"]
    assert froms and re.match(r"python:3\.11(\.\d+)?-slim", froms[-1]), froms
    users = [rest for word, rest in instructions if word == "USER"]
    assert users and users[-1] not in ("root", "0"), "the app must not run as root"
    assert any(word == "RUN" and re.search(r"pip install \"?\.", rest) for word, rest in instructions)

    env: dict[str, str] = {}
    for word, rest in instructions:
        if word == "ENV":
            for part in shlex.split(rest):
                key, _, value = part.partition("=")
                env[key] = value
    settings = check_settings(env, "Dockerfile")
    assert settings.http_host == "0.0.0.0"  # reachable from outside the container
    exposed = [int(rest.split("/")[0]) for word, rest in instructions if word == "EXPOSE"]
    assert exposed == [settings.http_port]

    [healthcheck] = [rest for word, rest in instructions if word == "HEALTHCHECK"]
    assert f"http://127.0.0.1:{settings.http_port}/health/live" in healthcheck and "/health/live" in ROUTES
    assert "curl" not in healthcheck and "urllib" in healthcheck  # slim images have no curl
    entry = [rest for word, rest in instructions if word == "ENTRYPOINT"]
    assert entry == ['["polyscan"]']


def test_dockerignore_keeps_secrets_and_local_state_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    for pattern in (".env", ".venv", ".git", "*.db", "tests"):
        assert pattern in ignored


# ---------------------------------------------------------------- docker compose, Prometheus, Grafana


def compose() -> dict[str, Any]:
    return load_yaml("docker-compose.yml")  # type: ignore[no-any-return]


def env_of(service: dict[str, Any]) -> dict[str, Any]:
    env = service.get("environment", {})
    if isinstance(env, list):
        return dict(item.split("=", 1) for item in env)
    return dict(env)


def container_ports(service: dict[str, Any]) -> list[int]:
    return [int(str(mapping).rsplit(":", 1)[-1].split("/")[0]) for mapping in service.get("ports", [])]


def host_mounts(service: dict[str, Any]) -> dict[str, str]:
    """container path -> host path, for ./relative bind mounts."""
    out = {}
    for volume in service.get("volumes", []):
        source, target = str(volume).split(":")[:2]
        if source.startswith("./"):
            out[target] = source
    return out


def test_compose_services_agree_with_the_settings() -> None:
    services = compose()["services"]
    assert {"polyscan", "postgres", "redis", "prometheus", "grafana"} <= set(services)
    for name, service in services.items():
        check_settings(env_of(service), f"docker-compose.yml service {name}")

    app = services["polyscan"]
    settings = check_settings(env_of(app), "polyscan")
    assert settings.is_postgres and "@postgres:5432/" in settings.database_url
    assert settings.redis_url.startswith("redis://redis:6379")
    assert settings.http_host == "0.0.0.0"
    assert container_ports(app) == [settings.http_port]
    check = " ".join(app["healthcheck"]["test"])
    assert f"http://127.0.0.1:{settings.http_port}/health/live" in check and "/health/live" in ROUTES
    assert app["depends_on"]["postgres"]["condition"] == "service_healthy"

    postgres = services["postgres"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(str(v).split(":")[0] in compose()["volumes"] for v in postgres["volumes"]), "postgres needs a volume"
    for service in services.values():
        for target, source in host_mounts(service).items():
            assert (ROOT / source).exists(), f"{source} (mounted at {target}) is missing"


def test_prometheus_scrapes_metrics_on_the_app_port() -> None:
    services = compose()["services"]
    app_port = check_settings(env_of(services["polyscan"]), "polyscan").http_port
    mounts = host_mounts(services["prometheus"])
    config = load_yaml(mounts["/etc/prometheus/prometheus.yml"])
    [job] = [j for j in config["scrape_configs"] if j["job_name"] == "polyscan"]
    path = job.get("metrics_path", "/metrics")
    assert path == "/metrics" and path in ROUTES
    targets = [t for group in job["static_configs"] for t in group["targets"]]
    assert targets == [f"polyscan:{app_port}"]


def test_grafana_datasource_and_dashboard() -> None:
    services = compose()["services"]
    mounts = host_mounts(services["grafana"])
    provisioning = ROOT / mounts["/etc/grafana/provisioning"]
    [datasource] = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())["datasources"]
    assert datasource["type"] == "prometheus" and datasource["url"] == "http://prometheus:9090"
    assert "9090:9090" in " ".join(services["prometheus"]["ports"])
    [provider] = yaml.safe_load((provisioning / "dashboards" / "polyscan.yml").read_text())["providers"]
    dashboards_dir = provider["options"]["path"]
    assert dashboards_dir in mounts, "the dashboards provider reads a folder compose does not mount"

    dashboard = json.loads((ROOT / mounts[dashboards_dir] / "polyscan.json").read_text())
    known = defined_series()
    titles = [panel["title"].lower() for panel in dashboard["panels"]]
    for topic in ("trades per second", "alerts by severity", "api latency", "feed state", "delivery backlog"):
        assert any(topic in title for title in titles), f"no panel for {topic}"
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == datasource["uid"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == datasource["uid"]
            used = set(re.findall(r"\bscanner_[a-z0-9_]+\b", target["expr"]))
            assert used, f"panel {panel['title']!r} queries no polyscan metric"
            assert used <= known, f"panel {panel['title']!r} queries unknown {sorted(used - known)}"


# ---------------------------------------------------------------- Kubernetes


def k8s_objects() -> dict[str, list[dict[str, Any]]]:
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for path in sorted((ROOT / "deploy" / "k8s").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                by_kind.setdefault(doc["kind"], []).append(doc)
    return by_kind


def test_kubernetes_manifests() -> None:
    objects = k8s_objects()
    [deployment] = objects["Deployment"]
    [configmap] = objects["ConfigMap"]
    [secret] = objects["Secret"]
    [service] = objects["Service"]
    kustomization = load_yaml("deploy/k8s/kustomization.yaml")
    for resource in kustomization["resources"]:
        assert (ROOT / "deploy" / "k8s" / resource).exists()
    assert "secret.example.yaml" not in kustomization["resources"], "real secrets are made by hand"

    config = configmap["data"]
    assert not set(config) & SECRET_FIELDS, "secrets belong in the Secret, not the ConfigMap"
    secret_values = secret["stringData"]
    settings = check_settings({**config, **secret_values}, "deploy/k8s")
    assert settings.http_host == "0.0.0.0"

    pod = deployment["spec"]["template"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    [container] = pod["spec"]["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": settings.http_port}
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True

    probes = {kind: container[kind]["httpGet"] for kind in ("livenessProbe", "readinessProbe", "startupProbe")}
    assert probes["livenessProbe"]["path"] == "/health/live"
    assert probes["startupProbe"]["path"] == "/health/live"
    assert probes["readinessProbe"]["path"] == "/health/ready"
    for probe in probes.values():
        assert probe["path"] in ROUTES and probe["port"] in ports

    [from_config] = [source["configMapRef"]["name"] for source in container["envFrom"]]
    assert from_config == configmap["metadata"]["name"]
    from_secret = {}
    for variable in container["env"]:
        assert variable["name"] in FIELDS_BY_ENV, f"{variable['name']} is not a setting"
        ref = variable["valueFrom"]["secretKeyRef"]
        assert ref["name"] == secret["metadata"]["name"] and ref["key"] in secret_values
        from_secret[variable["name"]] = ref.get("optional", False)
    for required in ("POLYSCAN_DATABASE_URL", "POLYSCAN_TELEGRAM_TOKEN", "POLYSCAN_DISCORD_TOKEN"):
        assert required in from_secret
    assert from_secret["POLYSCAN_DATABASE_URL"] is False  # no database, no start

    [service_port] = service["spec"]["ports"]
    assert service_port["targetPort"] in ports and service_port["port"] == settings.http_port
    annotations = pod["metadata"]["annotations"]
    assert annotations["prometheus.io/path"] in ROUTES and int(annotations["prometheus.io/port"]) == settings.http_port
    limit = container["resources"]["limits"]["memory"]
    assert limit == f"{settings.memory_limit_mb // 1024}Gi" or limit == f"{settings.memory_limit_mb}Mi"


def test_secrets_are_only_placeholders() -> None:
    [secret] = k8s_objects()["Secret"]
    for key, value in secret["stringData"].items():
        assert value in ("", "redis://redis:6379/0") or "change-me" in value, f"{key} looks like a real secret"


# ---------------------------------------------------------------- CI


def test_ci_workflow_runs_make_test_with_postgres_and_redis() -> None:
    workflow = load_yaml(".github/workflows/ci.yml")
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "push" in triggers and "pull_request" in triggers
    [job] = workflow["jobs"].values()
    commands = [step.get("run", "") for step in job["steps"]]
    assert "make test" in commands
    assert any(
        "setup-python" in step.get("uses", "") and step["with"]["python-version"] == "3.11" for step in job["steps"]
    )
    services = job["services"]
    assert "5432:5432" in services["postgres"]["ports"] and "6379:6379" in services["redis"]["ports"]
    assert services["postgres"]["env"]["POSTGRES_HOST_AUTH_METHOD"] == "trust"  # tests connect as postgres, no password
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test:.*test-sqlite.*test-pg", makefile, re.M), "make test must run both backends"


def test_readme_has_a_deploy_section() -> None:
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"^## Deploy\b", readme, re.M)
    section = readme.split("## Deploy", 1)[1].split("\n## ", 1)[0]
    for word in ("docker compose", "deploy/k8s", "/health/ready", "/health/live", "Grafana", "POLYSCAN_SENTRY_DSN"):
        assert word in section, f"the Deploy section does not mention {word}"


@pytest.mark.parametrize("path", ["Dockerfile", "docker-compose.yml", "deploy/k8s/deployment.yaml"])
def test_no_file_sets_an_unknown_polyscan_variable(path: str) -> None:
    """A typo in any POLYSCAN_ name (anywhere in the file, comments included) is caught."""
    used = set(re.findall(r"\bPOLYSCAN_[A-Z0-9_]+\b", (ROOT / path).read_text()))
    assert used and used <= set(FIELDS_BY_ENV), sorted(used - set(FIELDS_BY_ENV))
