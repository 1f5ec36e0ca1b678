"""The Kubernetes manifests (deploy/k8s) validate against the Kubernetes 1.37 API's JSON schemas in
strict mode (``kubernetes-validate``, which bundles them: no download at run time), and hang together:
every workload runs a real ``suqian`` command with resources, the API has its probes on the app's
health routes, the autoscalers, budgets and policies select workloads that exist, and every
ConfigMap variable is one the settings read."""

from __future__ import annotations

import base64
import copy
import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from backend.app import FEATURES
from backend.feature import feature_sections
from backend.settings import load_settings

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
KUBERNETES = "1.37.0"
SUBCOMMANDS = {"serve", "worker", "migrate"}
ROOT = Path(__file__).resolve().parents[2]


def manifests() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted(K8S.glob("*.yaml")):
        docs += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return docs


def _kind(kind: str) -> list[dict[str, Any]]:
    return [doc for doc in manifests() if doc["kind"] == kind]


def _pod_specs() -> list[tuple[str, dict[str, Any]]]:
    return [
        (doc["metadata"]["name"], doc["spec"]["template"]["spec"])
        for doc in _kind("Deployment") + _kind("Job")
    ]


@pytest.mark.parametrize("doc", manifests(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_each_manifest_is_valid_against_the_kubernetes_schema(doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(doc, KUBERNETES, strict=True)


def test_the_validator_rejects_a_broken_manifest() -> None:
    [api] = [d for d in _kind("Deployment") if d["metadata"]["name"] == "suqian-api"]
    broken = copy.deepcopy(api)
    broken["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["port"] = {"no": 1}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES, strict=True)
    typo = copy.deepcopy(api)
    typo["spec"]["replica"] = 3  # strict: an unknown field is an error, not ignored
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(typo, KUBERNETES, strict=True)


def test_the_api_migration_job_and_workers_are_all_there() -> None:
    kinds = {(doc["kind"], doc["metadata"]["name"]) for doc in manifests()}
    for needed in [
        ("Deployment", "suqian-api"),
        ("Deployment", "suqian-worker"),
        ("Job", "suqian-migrate"),
        ("Service", "suqian-api"),
        ("HorizontalPodAutoscaler", "suqian-api"),
        ("PodDisruptionBudget", "suqian-api"),
        ("NetworkPolicy", "default-deny"),
        ("ConfigMap", "suqian-config"),
    ]:
        assert needed in kinds


def test_every_container_runs_a_real_command_with_resources_as_no_root() -> None:
    commands = set()
    for name, spec in _pod_specs():
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        for container in spec["containers"]:
            assert container["command"][0] == "suqian", name
            commands.add(container["command"][1])
            assert {"cpu", "memory"} <= container["resources"]["requests"].keys(), name
            assert {"cpu", "memory"} <= container["resources"]["limits"].keys(), name
            refs = {next(iter(ref.values()))["name"] for ref in container["envFrom"]}
            assert refs == {"suqian-config", "suqian-secrets"}, name
    assert commands == SUBCOMMANDS
    # ``serve --no-migrate`` is an option the CLI has (the Job migrates, pods never race over it).
    cli = (ROOT / "miniprogram-api" / "src" / "miniprogram_api" / "__main__.py").read_text()
    assert '"--no-migrate"' in cli


def test_the_api_probes_the_apps_own_health_routes() -> None:
    [api] = [spec for name, spec in _pod_specs() if name == "suqian-api"]
    container = api["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    health = (ROOT / "backend" / "src" / "backend" / "health" / "controller.py").read_text()
    assert '"/health/ready"' in health
    assert '"/health/live"' in health


def test_autoscalers_budgets_and_policies_select_workloads_that_exist() -> None:
    deployments = {d["metadata"]["name"]: d for d in _kind("Deployment")}
    for hpa in _kind("HorizontalPodAutoscaler"):
        assert hpa["spec"]["scaleTargetRef"]["name"] in deployments
    labels = [d["spec"]["template"]["metadata"]["labels"] for d in deployments.values()]
    for selector in [p["spec"]["selector"]["matchLabels"] for p in _kind("PodDisruptionBudget")] + [
        p["spec"]["podSelector"].get("matchLabels", {}) for p in _kind("NetworkPolicy")
    ]:
        assert any(selector.items() <= pod.items() for pod in labels), selector
    for deployment in deployments.values():
        assert deployment["spec"]["selector"]["matchLabels"].items() <= (
            deployment["spec"]["template"]["metadata"]["labels"].items()
        )


def test_every_configmap_variable_is_one_the_settings_read() -> None:
    [config] = _kind("ConfigMap")
    sources = "\n".join(p.read_text() for p in (ROOT / "backend" / "src" / "backend").rglob("*.py"))
    sections = set(re.findall(r'section_from_env\(\s*\w+,\s*env,\s*"(\w+)"', sources))
    features = {p.name.upper() for p in (ROOT / "backend" / "src" / "backend").iterdir() if p.is_dir()}
    for name in config["data"]:
        short = name.removeprefix("SUQIAN_")
        read_directly = f'"{short}"' in sources
        in_a_section = any(short.startswith(f"{s}_") for s in sections | features)
        assert read_directly or in_a_section, f"{name} is read by nothing"


def test_the_configmap_with_the_secrets_is_a_production_configuration_the_app_accepts() -> None:
    [config] = _kind("ConfigMap")
    secrets = {
        "SUQIAN_DATABASE_URL": "postgresql://suqian@pg-primary.data:5432/suqian",
        "SUQIAN_REDIS_URL": "redis://redis.data:6379/0",
        "SUQIAN_DATA_KEY": base64.b64encode(b"d" * 32).decode(),
        "SUQIAN_INDEX_KEY": base64.b64encode(b"i" * 32).decode(),
    }
    settings = load_settings({**config["data"], **secrets}, sections=feature_sections(FEATURES))
    assert settings.mode == "production"
    assert settings.features["outbox"].in_process is False  # type: ignore[attr-defined]
    assert settings.tracing.exporter == "otlp"
    assert not settings.upstream.mount_sandbox
