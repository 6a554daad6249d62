"""A store that survives losing its Redis primary: `advisor serve` on
`redis+sentinel://`, a primary, a replica and three real Sentinels; the primary is killed."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from redis.sentinel import MasterNotFoundError, Sentinel
from servers import Client, Server
from test_web_deploy import local_replies

from advisor import KnowledgeBase
from advisor.web.stores import StoreError, open_store
from benchmarks.services import start_redis

pytestmark = pytest.mark.slow

Serve = Callable[..., Server]
Processes = list[subprocess.Popen[bytes]]
SERVICE = "advisor"


@pytest.fixture
def processes() -> Iterator[Processes]:
    """Redis processes a test starts; all stopped at its end."""
    started: Processes = []
    yield started
    for process in started:
        process.terminate()
    for process in started:
        process.wait(10)


def port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def until(condition: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.05)


def seen_by(sentinel_port: int) -> tuple[int, int]:
    """How many replicas that are up, and how many other Sentinels, a Sentinel knows."""
    with redis.Redis(port=sentinel_port, decode_responses=True) as sentinel:
        replicas = [r for r in sentinel.sentinel_slaves(SERVICE) if not r["is_sdown"]]
        return len(replicas), len(sentinel.sentinel_sentinels(SERVICE))


def test_a_conversation_continues_on_the_new_primary_after_the_primary_is_killed(
    serve: Serve, processes: Processes, tmp_path: Path, kb: KnowledgeBase
) -> None:
    for program in ("redis-server", "redis-sentinel"):
        if shutil.which(program) is None:
            pytest.skip(f"{program} is not installed (apt-get install redis-server redis-sentinel)")
    folders = {name: tmp_path / name for name in ("primary", "replica", "s1", "s2", "s3")}
    for folder in folders.values():
        folder.mkdir()
    primary, primary_url = start_redis(folders["primary"])
    processes.append(primary)
    replica, replica_url = start_redis(
        folders["replica"], "--replicaof", "127.0.0.1", str(port(primary_url))
    )
    processes.append(replica)
    sentinel_ports = []
    for name in ("s1", "s2", "s3"):
        config = folders[name] / "sentinel.conf"  # a Sentinel rewrites its config file
        config.write_text(
            f"sentinel monitor {SERVICE} 127.0.0.1 {port(primary_url)} 2\n"
            # Short, so that the failover comes soon, and a second election after a
            # split vote too (it waits twice the failover timeout).
            f"sentinel down-after-milliseconds {SERVICE} 500\n"
            f"sentinel failover-timeout {SERVICE} 2000\n"
        )
        sentinel, sentinel_url = start_redis(folders[name], command=("redis-sentinel", str(config)))
        processes.append(sentinel)
        sentinel_ports.append(port(sentinel_url))
    # A failover needs the Sentinels to know the replica and, for the quorum, each other.
    for p in sentinel_ports:
        until(lambda p=p: seen_by(p) == (1, 2), "the Sentinels see the replica and each other")

    addresses = ",".join(f"127.0.0.1:{p}" for p in sentinel_ports)
    server = serve("--store", f"redis+sentinel://{addresses}/{SERVICE}/0")
    plan = {
        "error_text": "0x800CCC0F",
        "mail_service": "msn",
        "connection": "lan",
        "windows": "win98",
        "network_adapter": "no",
    }
    with Client(server.url) as client:
        replies = [
            client.start(),
            client.say("0x800CCC0F"),
            client.say("#msn"),
            client.say("#lan"),
        ]
        key = f"advisor:conversation:{client.conversation_id}"
        with redis.Redis(port=port(primary_url)) as on_primary:
            assert on_primary.exists(key)
            # Replication is asynchronous: a turn answered just before the primary dies can
            # be lost. WAIT after a write of our own returns once the replica has every
            # earlier write too, so what the test then expects to survive has reached it.
            on_primary.set("advisor-test:marker", "1")
            assert on_primary.execute_command("WAIT", 1, 5000) == 1

        primary.kill()
        primary.wait(10)

        sentinels = Sentinel([("127.0.0.1", p) for p in sentinel_ports])

        def promoted() -> bool:
            # Asked as the server's client asks: for a primary that is up. A Sentinel names
            # the replica's address a moment before it reports the replica as the primary.
            try:
                return bool(sentinels.discover_master(SERVICE)[1] == port(replica_url))
            except MasterNotFoundError:
                return False

        until(promoted, "the Sentinels promote the replica", timeout=30)
        for sentinel_client in sentinels.sentinels:
            sentinel_client.close()
        # The server was not told: its client asks the Sentinels again when the old
        # primary's connections fail.
        replies += [client.say("#win98"), client.say("#no")]
        turns = client.get().json()["turns"]

    assert replies == local_replies(kb, plan)
    assert replies[-1]["question"] is None  # the conversation reached the advice
    choices = [{"choice": c} for c in ("msn", "lan", "win98", "no")]
    assert [t["sent"] for t in turns] == [None, {"text": "0x800CCC0F"}, *choices]
    with redis.Redis(port=port(replica_url), decode_responses=True) as new_primary:
        assert new_primary.info("replication")["role"] == "master"
        assert new_primary.exists(key)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("redis+sentinel:///advisor", "a Sentinel HOST is missing in ''"),
        ("redis+sentinel://a:1,,b/advisor", "a Sentinel HOST is missing in 'a:1,,b'"),
        ("redis+sentinel://a:x/advisor", "the Sentinel 'a:x': Port could not be cast"),
        ("redis+sentinel://a:1", "the service name"),
        ("redis+sentinel://a:1/advisor/zero", "the database 'zero' is not a number"),
        ("redis+sentinel://a:1/advisor?ssl=1", "takes no ?options"),
    ],
)
def test_a_wrong_sentinel_url_says_what_is_wrong(url: str, message: str) -> None:
    with pytest.raises(StoreError, match=r"^redis\+sentinel: ") as raised:
        open_store(url, idle_timeout=1, lock_wait=1)
    assert message in str(raised.value)
    assert "as in redis+sentinel://sentinel1:26379,sentinel2:26379/mymaster/0" in str(raised.value)


def test_sentinels_that_cannot_be_reached_are_named(processes: Processes, tmp_path: Path) -> None:
    if shutil.which("redis-sentinel") is None:
        pytest.skip("redis-sentinel is not installed (apt-get install redis-sentinel)")
    config = tmp_path / "sentinel.conf"
    config.write_text("")  # monitors nothing
    sentinel, url = start_redis(tmp_path, command=("redis-sentinel", str(config)))
    processes.append(sentinel)
    with pytest.raises(StoreError, match="cannot be reached or know no primary 'advisor'"):
        open_store(f"redis+sentinel://127.0.0.1:{port(url)}/advisor", idle_timeout=1, lock_wait=1)
