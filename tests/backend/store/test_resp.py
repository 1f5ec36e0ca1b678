"""The pipelined Redis client (``backend.store.resp``) on real Redis and against servers that misbehave.

Each test runs on both event loops the app meets: asyncio's (tests) and uvloop's (granian workers).
The store contract (``test_store_contract.py``) and the outage drills (``tests/contract``) drive it
through ``RedisStore``; these pin the connection's own promises: replies reach the caller that sent
the command however many are in flight, a caller that gives up doesn't shift anyone's replies, and a
connection that fails, hangs or talks nonsense fails its waiters and is replaced by the next command.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import uvloop

from backend.store.resp import Endpoint, PipelinedRedis, RedisCommandError, RedisUnavailable
from tests.conftest import REDIS_URL
from tests.contract.drills import PrivateRedis

Run = Callable[[Callable[[], Awaitable[Any]]], Any]
LOOPS = {"asyncio": asyncio.new_event_loop, "uvloop": uvloop.new_event_loop}


@pytest.fixture(params=sorted(LOOPS))
def run(request: pytest.FixtureRequest) -> Run:
    def runner(main: Callable[[], Awaitable[Any]]) -> Any:
        async def bounded() -> Any:
            return await asyncio.wait_for(main(), 30)  # a hang fails the test instead of the suite

        with asyncio.Runner(loop_factory=LOOPS[request.param]) as runner:
            return runner.run(bounded())

    return runner


def key() -> str:
    return f"test:resp:{secrets.token_hex(6)}"


class FakeServer:
    """A TCP server answering what ``answer(chunk, n)`` says to the n-th chunk it reads on a
    connection (None: nothing)."""

    def __init__(self, answer: Callable[[bytes, int], bytes | None]) -> None:
        self.answer = answer
        self.received = bytearray()
        self.connections = 0
        self._writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> str:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            self._writers.append(writer)
            n = 0
            while chunk := await reader.read(65536):
                self.received += chunk
                reply = self.answer(chunk, n)
                n += 1
                if reply is not None:
                    writer.write(reply)
            writer.close()

        self._server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"redis://127.0.0.1:{port}"

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        for writer in self._writers:  # a test that failed midway leaves no client waiting on us
            writer.close()
        self._server.close()
        await self._server.wait_closed()


def test_every_caller_gets_its_own_reply_with_thousands_in_flight(run: Run) -> None:
    async def main() -> None:
        redis = PipelinedRedis(REDIS_URL)
        prefix = key()

        async def one(i: int) -> tuple[Any, Any]:
            await redis.execute("SET", f"{prefix}:{i}", f"value-{i}", "PX", 60_000)
            return i, await redis.execute("GET", f"{prefix}:{i}")

        results = await asyncio.gather(*(one(i) for i in range(2000)))
        await redis.execute("DEL", *(f"{prefix}:{i}" for i in range(2000)))
        await redis.close()
        assert all(value == f"value-{i}".encode() for i, value in results)

    run(main)


def test_a_calls_commands_stay_together_so_a_transaction_is_one_among_others(run: Run) -> None:
    async def main() -> None:
        redis = PipelinedRedis(REDIS_URL)
        counter, other = key(), key()
        transaction = (("MULTI",), ("INCRBY", counter, 1), ("PEXPIRE", counter, 60_000), ("EXEC",))
        transactions = [redis.execute_many(transaction) for _ in range(300)]
        reads = [redis.execute("SET", other, str(i), "PX", 60_000) for i in range(300)]
        results = await asyncio.gather(*transactions, *reads)
        final = await redis.execute("GET", counter)
        await redis.execute("DEL", counter, other)
        await redis.close()
        executed = [r[-1] for r in results[:300]]
        assert sorted(e[0] for e in executed) == list(range(1, 301))  # each EXEC saw its own INCRBY
        assert results[300:] == [b"OK"] * 300  # no SET was queued inside someone's transaction
        assert final == b"300"

    run(main)


def test_a_caller_that_gives_up_does_not_shift_the_replies_of_the_next(run: Run) -> None:
    async def main() -> None:
        redis = PipelinedRedis(REDIS_URL)
        first, second = key(), key()
        await redis.execute_many(
            [("SET", first, "first", "PX", 60_000), ("SET", second, "second", "PX", 60_000)]
        )
        gave_up = asyncio.ensure_future(redis.execute("GET", first))
        await asyncio.sleep(0)  # queued (and written on the next turn)
        gave_up.cancel()
        answer = await redis.execute("GET", second)
        await redis.execute("DEL", first, second)
        await redis.close()
        assert gave_up.cancelled()
        assert answer == b"second"

    run(main)


def test_an_error_reply_is_raised_to_its_caller_and_the_connection_goes_on(run: Run) -> None:
    async def main() -> None:
        redis = PipelinedRedis(REDIS_URL)
        text, count = key(), key()
        await redis.execute("SET", text, "not a number", "PX", 60_000)
        with pytest.raises(RedisCommandError, match="not an integer"):
            await redis.execute("INCR", text)
        with pytest.raises(RedisCommandError):  # an error inside EXEC's reply is raised too
            await redis.execute_many((("MULTI",), ("INCR", text), ("EXEC",)))
        assert await redis.execute("INCR", count) == 1
        await redis.execute("DEL", text, count)
        await redis.close()

    run(main)


def test_a_redis_that_dies_fails_the_commands_in_flight_and_the_next_connects_anew(run: Run) -> None:
    async def main() -> None:
        server = PrivateRedis()
        await server.start()
        redis = PipelinedRedis(server.url, timeout=5)
        try:
            await redis.execute("SET", "k", "before")
            # BLPOP keeps the command unanswered while the server is killed under it.
            stuck = asyncio.ensure_future(redis.execute("BLPOP", "never", "3"))
            await asyncio.sleep(0.05)
            await server.stop()
            with pytest.raises(RedisUnavailable):
                await stuck
            with pytest.raises(RedisUnavailable, match="can't connect"):
                await redis.execute("GET", "k")
            await server.start()  # a fresh, empty Redis on the same port
            assert await redis.execute("GET", "k") is None
            assert await redis.execute("SET", "k", "after") == b"OK"
        finally:
            await redis.close()
            await server.stop()

    run(main)


def test_a_server_that_never_answers_fails_the_command_after_the_timeout(run: Run) -> None:
    async def main() -> None:
        async with FakeServer(lambda *_: None) as url:
            redis = PipelinedRedis(url, timeout=0.2)
            with pytest.raises(RedisUnavailable, match="no reply"):
                await redis.execute("GET", "k")
            await redis.close()

    run(main)


def test_a_server_that_talks_nonsense_fails_the_connection(run: Run) -> None:
    async def main() -> None:
        async with FakeServer(lambda *_: b"?what\r\n") as url:
            redis = PipelinedRedis(url)
            with pytest.raises(RedisUnavailable, match="isn't RESP"):
                await redis.execute("GET", "k")
            await redis.close()

    run(main)


def test_a_reply_nobody_asked_for_closes_the_connection_instead_of_answering_the_next(run: Run) -> None:
    async def main() -> tuple[Any, Any]:
        # The first command on each connection is answered twice: the stray :2 must not become the
        # next command's answer. Its connection is closed; the next command connects anew.
        async with FakeServer(lambda _, n: b":1\r\n:2\r\n" if n == 0 else b":3\r\n") as url:
            redis = PipelinedRedis(url)
            first = await redis.execute("GET", "a")
            await asyncio.sleep(0.05)
            second = await redis.execute("GET", "b")
            await redis.close()
            return first, second

    assert run(main) == (1, 1)


def test_a_new_connection_authenticates_and_selects_its_database_first(run: Run) -> None:
    server = FakeServer(lambda chunk, _: b"+OK\r\n" * chunk.count(b"*"))

    async def with_server() -> bytes:
        async with server as url:
            redis = PipelinedRedis(url.replace("redis://", "redis://gate:s%40cret@") + "/3")
            await redis.execute("PING")
            await redis.close()
        return bytes(server.received)

    sent = run(with_server)
    assert sent.startswith(
        b"*3\r\n$4\r\nAUTH\r\n$4\r\ngate\r\n$6\r\ns@cret\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*1\r\n$4\r\nPING\r\n"
    )


def test_a_refused_password_is_unavailable_not_a_command_error(run: Run) -> None:
    async def main() -> None:
        async with FakeServer(lambda *_: b"-WRONGPASS invalid username-password pair\r\n") as url:
            redis = PipelinedRedis(url.replace("redis://", "redis://:nope@"))
            with pytest.raises(RedisUnavailable, match="refused AUTH"):
                await redis.execute("PING")
            await redis.close()

    run(main)


def test_the_database_in_the_url_is_the_one_written(run: Run) -> None:
    async def main() -> None:
        base = REDIS_URL.rsplit("/", 1)[0]
        five, zero = PipelinedRedis(f"{base}/5"), PipelinedRedis(f"{base}/0")
        name = key()
        await five.execute("SET", name, "in five", "PX", 60_000)
        seen = await zero.execute("GET", name), await five.execute("GET", name)
        await five.execute("DEL", name)
        await five.close()
        await zero.close()
        assert seen == (None, b"in five")

    run(main)


def test_urls() -> None:
    assert Endpoint.from_url("redis://127.0.0.1:6380/2") == Endpoint(port=6380, db=2)
    assert Endpoint.from_url("rediss://u:p%3A@cache.example") == Endpoint(
        host="cache.example", tls=True, username="u", password="p:"
    )
    assert Endpoint.from_url("unix:///run/redis.sock?db=4") == Endpoint(path="/run/redis.sock", db=4)
    assert Endpoint(password="p").handshake() == [("AUTH", "p")]
    for bad in ("http://127.0.0.1", "redis://127.0.0.1/zero"):
        with pytest.raises(ValueError, match="Redis"):
            Endpoint.from_url(bad)


@pytest.mark.parametrize(
    "bad",
    [("SET", "lone surrogate \udc80", "v"), ("SET", "k", None), ("SET", "k", 1.5), ("SET", "k", True)],
)
def test_a_call_that_cant_be_sent_changes_nothing_for_the_callers_after_it(
    run: Run, bad: tuple[Any, ...]
) -> None:
    async def main() -> list[Any]:
        redis = PipelinedRedis(REDIS_URL)
        taken = key()
        await redis.execute("SET", taken, "first", "PX", 60_000)
        with pytest.raises(RedisCommandError, match="not sent"):
            await redis.execute(*bad)
        with pytest.raises(RedisCommandError, match="not sent"):  # nor a transaction's middle
            await redis.execute_many((("MULTI",), ("INCR", bad[1]), bad, ("EXEC",)))
        claims = await asyncio.gather(
            *(redis.execute("SET", taken, str(i), "PX", 60_000, "NX") for i in range(50))
        )
        value = await redis.execute("GET", taken)
        await redis.execute("DEL", taken)
        await redis.close()
        return [*claims, value]

    *claims, value = run(main)
    assert claims == [None] * 50  # every SET NX on a taken key says so: no reply went to another caller
    assert value == b"first"


@pytest.mark.parametrize(
    ("commands", "error"),
    [
        ((("SELECT", 1),), "shared connection"),
        ((("SUBSCRIBE", "news"),), "shared connection"),
        ((("MULTI",), ("INCR", "k")), "must end with EXEC"),
        ((("EXEC",),), "EXEC without MULTI"),
        ((("MULTI",), ("MULTI",), ("EXEC",)), "MULTI inside MULTI"),
    ],
)
def test_commands_that_would_change_the_shared_connection_are_refused_unsent(
    run: Run, commands: tuple[tuple[Any, ...], ...], error: str
) -> None:
    server = FakeServer(lambda chunk, _: b"+OK\r\n" * chunk.count(b"*"))

    async def main() -> None:
        async with server as url:
            redis = PipelinedRedis(url)
            with pytest.raises(RedisCommandError, match=error):
                await redis.execute_many(commands)
            await redis.close()

    run(main)
    assert server.received == b""


def test_callers_waiting_for_a_connection_share_one_attempt_and_its_failure(run: Run) -> None:
    # The handshake is never answered: like a Redis that accepts and hangs.
    server = FakeServer(lambda *_: None)

    async def main() -> list[BaseException | Any]:
        async with server as url:
            redis = PipelinedRedis(url.replace("redis://", "redis://:pw@"), connect_timeout=0.3)
            answers = await asyncio.gather(
                *(redis.execute("GET", "k") for _ in range(10)), return_exceptions=True
            )
            await redis.close()
        return answers

    answers = run(main)
    assert all(isinstance(answer, RedisUnavailable) for answer in answers)
    assert server.connections == 1  # one attempt for all ten, not ten attempts in turn


def test_a_command_sent_while_an_earlier_one_waits_gets_its_own_deadline(run: Run) -> None:
    # The first chunk is held, the second answers only the first command: the second command stays
    # unanswered, and must fail on its own deadline (the timer armed for the first is re-armed).
    async def main() -> None:
        async with FakeServer(lambda _, n: None if n == 0 else b":1\r\n") as url:
            redis = PipelinedRedis(url, timeout=0.3)
            try:
                first = asyncio.ensure_future(redis.execute("GET", "a"))
                await asyncio.sleep(0.1)
                second = asyncio.ensure_future(redis.execute("GET", "b"))
                assert await asyncio.wait_for(first, 5) == 1
                with pytest.raises(RedisUnavailable, match="no reply"):
                    await asyncio.wait_for(second, 5)
            finally:
                await redis.close()

    run(main)


def test_a_demoted_primary_is_left_for_a_new_connection(run: Run) -> None:
    # The first connection's server was demoted by a failover; the next connection reaches the new one.
    def answer(_: bytes, __: int) -> bytes:
        if server.connections == 1:
            return b"-READONLY You can't write against a read only replica.\r\n"
        return b"+OK\r\n"

    server = FakeServer(answer)

    async def main() -> None:
        async with server as url:
            redis = PipelinedRedis(url)
            with pytest.raises(RedisUnavailable, match="can't take writes"):
                await redis.execute("SET", "k", "v")
            assert await redis.execute("SET", "k", "v") == b"OK"
            await redis.close()

    run(main)
    assert server.connections == 2
