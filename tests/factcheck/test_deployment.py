"""The deployment files keep their promises, checked without a Docker engine."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management.utils import get_random_secret_key

from factcheck.settings.base import secret_key_weakness

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_a_postgres_service_with_named_volume_and_healthcheck(compose):
    db = compose["services"]["db"]
    dockerfile = (ROOT / db["build"] / "Dockerfile").read_text()
    assert re.search(r"^FROM postgres:\d+$", dockerfile, re.MULTILINE)
    volume_name, mount = db["volumes"][0].split(":", 1)
    assert mount == "/var/lib/postgresql/data"
    assert volume_name in compose["volumes"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])


def test_compose_has_a_redis_cache_that_web_and_worker_use(compose):
    redis = compose["services"]["redis"]
    assert redis["image"] == "redis:7"
    assert "redis-cli" in redis["healthcheck"]["test"]
    assert "allkeys-lru" in redis["command"]  # a full cache evicts, never refuses
    for name in ("web", "worker"):
        service = compose["services"][name]
        assert service["environment"]["CACHE_URL"] == "redis://redis:6379/0"
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"


def test_cache_url_chooses_redis_or_locmem_and_refuses_anything_else():
    def backend(url: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); from django.conf import settings; "
                "print(settings.CACHES['default']['BACKEND'])",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "factcheck.settings.test",
                "CACHE_URL": url,
            },
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert backend("redis://127.0.0.1:6379/3").stdout.strip().endswith("RedisCache")
    assert backend("").stdout.strip().endswith("LocMemCache")
    refused = backend("memcached://127.0.0.1:11211")
    assert refused.returncode != 0
    assert "CACHE_URL must name a Redis server" in refused.stderr


def test_compose_postgres_image_carries_the_rum_extension(compose):
    db = compose["services"]["db"]
    dockerfile = (ROOT / db["build"] / "Dockerfile").read_text()
    version = re.search(r"^FROM postgres:(\d+)$", dockerfile, re.MULTILINE)[1]
    assert f"postgresql-{version}-rum" in dockerfile


def test_compose_web_service_is_built_here_waits_for_db_and_publishes_8000(compose):
    web = compose["services"]["web"]
    assert web["build"] == "."
    assert web["depends_on"]["db"]["condition"] == "service_healthy"
    assert "8000:8000" in web["ports"]


def test_compose_web_service_is_configured_through_the_environment(compose):
    environment = compose["services"]["web"]["environment"]
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert "@db:5432/" in environment["DATABASE_URL"]
    assert environment["DJANGO_SETTINGS_MODULE"] == "factcheck.settings.production"
    # The secret is required from the caller, never defaulted in the file.
    assert environment["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?")
    assert "DJANGO_ALLOWED_HOSTS" in environment


def test_dockerfile_migrates_then_serves_with_gunicorn():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "-r requirements/base.txt" in dockerfile
    command = next(line for line in dockerfile.splitlines() if line.startswith("CMD"))
    assert command.index("migrate") < command.index("gunicorn factcheck.wsgi")


def test_image_requirements_hold_no_test_or_lint_tools():
    base = (ROOT / "requirements" / "base.txt").read_text().lower()
    pinned = {
        line.split("==")[0].strip()
        for line in base.splitlines()
        if line and not line.startswith(("#", "-r"))
    }
    assert "django" in pinned
    assert pinned.isdisjoint(
        {
            "pytest",
            "pytest-django",
            "schemathesis",
            "playwright",
            "hypothesis",
            "ruff",
            "mypy",
            "factory_boy",
            "django-stubs",
        }
    )
    dev = (ROOT / "requirements" / "dev.txt").read_text()
    assert all(
        line.count("==") == 1
        for line in (base + dev.lower()).splitlines()
        if line and not line.lstrip().startswith(("#", "-r", "-c"))
    )


def _names(text: str) -> dict[str, str]:
    """Return the package names of a requirements text, normalised, with their pins."""
    names = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        name, _, version = line.partition("==")
        name = re.sub(r"\[.*\]", "", name)
        names[re.sub(r"[-_.]+", "-", name).lower()] = version
    return names


@pytest.mark.parametrize("stem", ["base", "dev"])
def test_every_direct_dependency_is_pinned_in_the_compiled_file(stem):
    # Without the network: what pip-compile would have to add is at least a name
    # of the .in file missing from its .txt (run `make requirements`).
    direct = _names((ROOT / "requirements" / f"{stem}.in").read_text())
    pinned = _names((ROOT / "requirements" / f"{stem}.txt").read_text())
    assert direct, f"requirements/{stem}.in names no package"
    missing = sorted(name for name in direct if not pinned.get(name))
    assert missing == [], f"not pinned in requirements/{stem}.txt: {missing}"


def test_dev_requirements_run_the_service_at_the_image_versions():
    assert "-c base.txt" in (ROOT / "requirements" / "dev.in").read_text()
    base = _names((ROOT / "requirements" / "base.txt").read_text())
    dev = _names((ROOT / "requirements" / "dev.txt").read_text())
    moved = {name: (base[name], dev[name]) for name in base.keys() & dev.keys()}
    assert {name: pins for name, pins in moved.items() if len(set(pins)) > 1} == {}
    # The development environment is both files, as `make venv` installs them.
    makefile = (ROOT / "Makefile").read_text()
    assert "-r requirements/base.txt -r requirements/dev.txt" in makefile


def test_dockerfile_writes_no_secret_key_production_would_refuse():
    # collectstatic runs under production settings at build time: a key written
    # into the file would be refused (and would be the same in every image).
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.findall(r"DJANGO_SECRET_KEY=(?!\"\$\()\S+", dockerfile) == []


def test_every_environment_variable_read_by_settings_is_in_env_example():
    example = (ROOT / ".env.example").read_text()
    settings_source = "\n".join(
        path.read_text() for path in (ROOT / "factcheck" / "settings").glob("*.py")
    )
    read = set(re.findall(r'env(?:_bool|_list)?\(\s*"([A-Z_]+)"', settings_source))
    read |= set(re.findall(r'os\.environ\.get\(\s*"([A-Z_]+)"', settings_source))
    read |= set(re.findall(r'env="([A-Z_]+)"', settings_source))
    assert read, "found no environment variables in settings"
    missing = sorted(name for name in read if f"{name}=" not in example)
    assert missing == []


def test_every_variable_in_env_example_is_in_the_operations_configuration_table():
    example = (ROOT / ".env.example").read_text()
    operations = (ROOT / "docs" / "operations.md").read_text()
    table = operations.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([A-Z][A-Z_]+)`", table))
    variables = set(re.findall(r"^([A-Z][A-Z_]+)=", example, re.MULTILINE))
    assert variables, "found no variables in .env.example"
    assert sorted(variables - documented) == []


# os.environ.get("X"), os.environ["X"], os.getenv("X"), and settings' env*("X").
ENVIRONMENT_READ = (
    r"(?:environ(?:\.get)?\(|environ\[|getenv\(|\benv(?:_bool|_list)?\()"
    r'\s*"([A-Z][A-Z0-9_]+)"'
)


def environment_reads() -> dict[str, str]:
    """Return each environment variable the repository's code reads, with a file."""
    reads = {}
    python = [
        path
        for folder in ("claims", "sources", "factcheck", "bench", "tests")
        for path in (ROOT / folder).rglob("*.py")
    ]
    for path in [*python, ROOT / "manage.py"]:
        text = path.read_text()
        for name in re.findall(ENVIRONMENT_READ, text):
            reads.setdefault(name, str(path.relative_to(ROOT)))
    scripts = [ROOT / "Dockerfile", ROOT / "docker-compose.yml"]
    scripts += [*(ROOT / "bin").iterdir(), *(ROOT / "docker").rglob("*")]
    for path in scripts:
        if path.is_file():
            # ${NAME:-default}, ${NAME:?message}, ${NAME:=default}: read from outside.
            for name in re.findall(r"\$\{([A-Z][A-Z0-9_]+):[-?=]", path.read_text()):
                reads.setdefault(name, str(path.relative_to(ROOT)))
    return reads


def test_every_environment_variable_the_code_reads_is_in_the_operations_doc():
    reads = environment_reads()
    assert {"DATABASE_URL", "JOBS_MODE", "REDIS_TEST_URL", "GUNICORN_WORKERS"} <= set(
        reads
    )
    operations = (ROOT / "docs" / "operations.md").read_text()
    missing = {
        name: path
        for name, path in reads.items()
        if not re.search(rf"\b{name}\b", operations)
    }
    assert missing == {}, f"read but not in docs/operations.md: {missing}"


def run_settings_check(settings_module: str, **env):
    """Run `manage.py shell` under the given settings and print DEBUG."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(env, DJANGO_SETTINGS_MODULE=settings_module)
    return subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings; print('DEBUG', settings.DEBUG)",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = run_settings_check("factcheck.settings.production")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("x" * 60, "5 different characters"),
        ("abcdefghij" * 4, "50 characters"),
        ("django-insecure-" + "k3v9x2m7p4q8w1z6r5t0y2u8i4o6a1s3d5f7g9h2", "insecure"),
        # This repository's own throwaway keys, and the usual placeholders, however
        # long they are made.
        ("local-development-only-not-secret", "50 characters"),
        ("test-only-not-secret" * 3, "placeholder"),
        ("change-me-" * 6, "placeholder"),
        ("my-super-secret-production-key-nobody-will-ever-guess", "placeholder"),
        ("benchmark-only-not-secret" * 2, "placeholder"),
        ("collectstatic-only", "50 characters"),
        # Long enough and 7 different characters, but one of them 49 times over:
        # about 43 bits, guessable (made for this test).
        ("x" * 49 + "yz1234", "bits"),
        # A word repeated up to the length (made for this test).
        ("Tr0ub4dor&3" * 5, "repeats"),
        ("abcdefghijklmnopqrstuvwxyz" * 2, "repeats"),
    ],
)
def test_production_settings_refuse_a_weak_secret_key(key, reason):
    result = run_settings_check("factcheck.settings.production", DJANGO_SECRET_KEY=key)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert reason in result.stderr
    assert key not in result.stderr  # a refused key is still never logged


@pytest.mark.parametrize(
    "generate",
    [
        get_random_secret_key,
        lambda: secrets.token_urlsafe(50),
        lambda: secrets.token_hex(32),
    ],
    ids=["django", "token_urlsafe", "token_hex"],
)
def test_generated_secret_keys_are_never_refused(generate):
    assert [
        key for key in (generate() for _ in range(5000)) if secret_key_weakness(key)
    ] == []


def test_a_refused_secret_key_is_answered_with_the_command_that_generates_one():
    result = run_settings_check(
        "factcheck.settings.production", DJANGO_SECRET_KEY="x" * 49 + "yz1234"
    )
    assert "secrets.token_urlsafe(50)" in result.stderr


def test_production_settings_start_with_a_secret_key_and_debug_off():
    result = run_settings_check(
        "factcheck.settings.production", DJANGO_SECRET_KEY=secrets.token_urlsafe(50)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "DEBUG False"


def test_production_debug_is_on_only_when_asked_for():
    result = run_settings_check(
        "factcheck.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_DEBUG="1",
    )
    assert result.stdout.strip().splitlines()[-1] == "DEBUG True"


def test_compose_worker_runs_the_job_queue_with_the_web_settings(compose):
    worker = compose["services"]["worker"]
    assert worker["build"] == compose["services"]["web"]["build"] == "."
    assert worker["command"] == "python manage.py procrastinate worker"
    assert worker["depends_on"]["db"]["condition"] == "service_healthy"
    # The same database and settings as the web service, and nothing published.
    assert worker["environment"] == compose["services"]["web"]["environment"]
    assert "ports" not in worker
    # Until web's migrations have made the queue's tables, it fails and restarts.
    assert worker["restart"] == "unless-stopped"


def test_make_worker_runs_a_procrastinate_worker_and_refuses_sqlite():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nworker:", 1)[1].split("\n\n", 1)[0]
    assert "manage.py procrastinate worker" in recipe
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    # -o: take the virtualenv as installed; only the recipe is under test.
    result = subprocess.run(
        ["make", "-o", ".venv/bin/.installed", "worker"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "make worker needs PostgreSQL" in result.stderr


def test_compose_up_starts_the_simple_setup_and_the_replica_only_when_scaled(compose):
    services = compose["services"]
    unprofiled = {
        name for name, service in services.items() if "profiles" not in service
    }
    assert unprofiled == {"db", "redis", "web", "worker"}
    replica = services["db-replica"]
    assert replica["profiles"] == ["scaled"]
    # The primary's own image (PostgreSQL 15 with rum): a replica replays its indexes.
    assert replica["image"] == services["db"]["image"]
    assert replica["build"] == services["db"]["build"]
    assert replica["depends_on"]["db"]["condition"] == "service_healthy"
    volume_name, mount = replica["volumes"][0].split(":", 1)
    assert mount == "/var/lib/postgresql/data"
    assert volume_name in compose["volumes"]
    assert volume_name != "postgres-data"
    assert "pg_isready" in " ".join(replica["healthcheck"]["test"])
    # The web service reads from the replica only when told to; empty by default.
    web = services["web"]["environment"]
    assert web["DATABASE_REPLICA_URLS"] == "${DATABASE_REPLICA_URLS:-}"


def test_compose_replica_is_a_base_backup_of_db_streaming_through_a_slot(compose):
    replica = compose["services"]["db-replica"]
    script_mount = next(v for v in replica["volumes"] if v.startswith("./docker/"))
    script = ROOT / script_mount.split(":")[0]
    entrypoint = script.read_text()
    assert replica["entrypoint"] == [script_mount.split(":")[1]]
    assert "pg_basebackup" in entrypoint
    assert " -R " in entrypoint
    assert '-S "$SLOT"' in entrypoint
    assert "exec docker-entrypoint.sh postgres" in entrypoint
    assert replica["environment"]["PRIMARY_HOST"] == "db"
    # The primary gets its replication role and pg_hba.conf line on a new volume.
    init = next(v for v in compose["services"]["db"]["volumes"] if "initdb.d" in v)
    init_script = (ROOT / init.split(":")[0]).read_text()
    assert "REPLICATION LOGIN" in init_script
    assert "host replication" in init_script
    for path in (script, ROOT / init.split(":")[0]):
        assert os.access(path, os.X_OK), f"{path} is not executable"
        check = subprocess.run(
            ["bash", "-n", str(path)], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stderr


def test_compose_frontcache_profile_runs_varnish_with_our_vcl_in_front_of_web(compose):
    services = compose["services"]
    varnish = services["varnish"]
    assert varnish["profiles"] == ["frontcache"]
    assert varnish["image"].startswith("varnish:")
    assert "web" in varnish["depends_on"]
    source, target, mode = varnish["volumes"][0].split(":")
    assert (source, target, mode) == (
        "./docker/varnish/default.vcl",
        "/etc/varnish/default.vcl",
        "ro",
    )
    vcl = (ROOT / source).read_text()
    # The VCL's backend is the web service on the port it publishes.
    assert '.host = "web";' in vcl
    assert '.port = "8000";' in vcl
    assert services["web"]["ports"] == ["8000:8000"]
    assert "import xkey;" in vcl
    # The app and the worker (which sends the purges) name it only when told to.
    for name in ("web", "worker"):
        environment = services[name]["environment"]
        assert (
            environment["FACTCHECK_FRONT_CACHE_PURGE_URLS"]
            == "${FACTCHECK_FRONT_CACHE_PURGE_URLS:-}"
        )
