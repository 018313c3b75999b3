"""ccpulse over encrypted, authenticated connections: Kafka over TLS (through a TLS front,
as the embedded broker serves plaintext only) and Redis over TLS with client certificates
and an ACL user; secrets never reach a log. The broker's SASL is not tested here: the
embedded broker offers no PLAIN, and its SCRAM users cannot be created in memory-only
storage (see RELIABILITY.md)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import trustme

from ccpulse.devtools.embedded import Service, free_port, start_broker, start_redis
from tests.integration.helpers import Stack, sample, scrape, wait_for
from tests.integration.test_pipeline import AGENTS, SCRIPT
from tests.integration.tls_proxy import TlsProxy

PASSWORD = "s3cret-ACL-pass-7f1c"
WRONG = "not-it-9c2e"
PREFIX = "secure"


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A private CA, a server certificate for 127.0.0.1, and a client certificate."""
    folder = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    client = ca.issue_cert("ccpulse-worker")
    files = {"ca": folder / "ca.pem", "cert": folder / "server.pem",
             "key": folder / "server.key", "client_cert": folder / "client.pem",
             "client_key": folder / "client.key"}
    ca.cert_pem.write_to_path(str(files["ca"]))
    server.cert_chain_pems[0].write_to_path(str(files["cert"]))
    server.private_key_pem.write_to_path(str(files["key"]))
    client.cert_chain_pems[0].write_to_path(str(files["client_cert"]))
    client.private_key_pem.write_to_path(str(files["client_key"]))
    return {name: str(path) for name, path in files.items()}


@pytest.fixture(scope="module")
def secure_redis(certificates: dict[str, str]) -> Iterator[Service]:
    """TLS only (client certificates required), the default user off, one ACL user."""
    port = free_port()  # TLS on it, and no plaintext port ("--port 0" comes last)
    service = start_redis(
        port, "--port", "0", "--tls-port", str(port),
        "--tls-cert-file", certificates["cert"], "--tls-key-file", certificates["key"],
        "--tls-ca-cert-file", certificates["ca"], "--tls-auth-clients", "yes",
        "--user", "default", "off",
        # the README's rule: the keys under the prefix, nothing else
        "--user", "ccpulse", "on", f">{PASSWORD}", f"~{PREFIX}:*", "+@read", "+@write",
        "+@scripting", "+@connection")
    yield service
    service.stop()


@pytest.fixture(scope="module")
def tls_broker(certificates: dict[str, str]) -> Iterator[tuple[Service, TlsProxy]]:
    front = free_port()
    broker = start_broker(advertised_port=front)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificates["cert"], certificates["key"])
    proxy = TlsProxy(front, broker.port, context).start()
    yield broker, proxy
    proxy.stop()
    broker.stop()


def redis_client(service: Service, certificates: dict[str, str],
                 password: str = PASSWORD) -> redis.Redis:
    return redis.Redis(host="127.0.0.1", port=service.port, ssl=True,
                       ssl_ca_certs=certificates["ca"], ssl_certfile=certificates["client_cert"],
                       ssl_keyfile=certificates["client_key"], username="ccpulse",
                       password=password)


@pytest.mark.integration
def test_worker_and_exporter_over_tls_with_an_acl_user(
        tmp_path: Path, certificates: dict[str, str], secure_redis: Service,
        tls_broker: tuple[Service, TlsProxy]) -> None:
    _, proxy = tls_broker
    with pytest.raises(redis.ConnectionError):  # plaintext is refused
        redis.Redis(port=secure_redis.port, socket_timeout=2).ping()
    with pytest.raises(redis.AuthenticationError):
        redis_client(secure_redis, certificates, WRONG).ping()

    context = ssl.create_default_context(cafile=certificates["ca"])
    stack = Stack(
        env={
            "CCPULSE_KAFKA_BOOTSTRAP": f"127.0.0.1:{proxy.listen_port}",
            "CCPULSE_KAFKA_SECURITY_PROTOCOL": "SSL",
            "CCPULSE_KAFKA_CA_FILE": certificates["ca"],
            "CCPULSE_REDIS_URL": f"rediss://127.0.0.1:{secure_redis.port}/0",
            "CCPULSE_REDIS_USERNAME": "ccpulse",
            "CCPULSE_REDIS_PASSWORD": PASSWORD,
            "CCPULSE_REDIS_CA_FILE": certificates["ca"],
            "CCPULSE_REDIS_CERT_FILE": certificates["client_cert"],
            "CCPULSE_REDIS_KEY_FILE": certificates["client_key"],
            "CCPULSE_TOPIC_PREFIX": PREFIX, "CCPULSE_APP_ID": PREFIX,
            "CCPULSE_REDIS_PREFIX": PREFIX, "CCPULSE_SESSION_TIMEOUT_S": "4",
            "CCPULSE_PARTITIONS": "4",
        },
        logdir=tmp_path, redis=redis_client(secure_redis, certificates),
        kafka_options={"security_protocol": "SSL", "ssl_context": context})
    try:
        stack.produce(AGENTS + SCRIPT)
        worker = stack.start_worker(CCPULSE_CLOCK="event")
        wait_for(lambda: stack.consumed() >= len(AGENTS) + len(SCRIPT), 60,
                 "the worker over TLS", worker)
        port = stack.start_exporter(CCPULSE_CLOCK="event")
        m = scrape(port)
        assert sample(m, "ccpulse_redis_up") == 1
        assert sample(m, "ccpulse_contacts_offered_total", queue="sales", channel="voice") == 4

        wrong = stack.start_exporter(CCPULSE_CLOCK="event", CCPULSE_REDIS_PASSWORD=WRONG)
        assert sample(scrape(wrong), "ccpulse_redis_up") == 0
    finally:
        stack.stop()
    assert proxy.handshakes > 0, "the clients must have reached Kafka through TLS"
    logs = stack.logs(tail=None)
    assert PASSWORD not in logs and WRONG not in logs
