"""The scheduler lease on SQLite and PostgreSQL, in virtual time: one holder, renewal, takeover."""

from __future__ import annotations

import threading

from simulator.store.leases import Lease


def lease(services, clock, holder, **kwargs):
    return Lease(services.sessions, clock, holder=holder, **kwargs)


def test_one_process_holds_the_lease_the_other_stands_by(services, clock):
    a, b = lease(services, clock, "A"), lease(services, clock, "B")
    assert a.hold()
    assert not b.hold()
    assert a.current_holder() == "A"


def test_the_holder_keeps_the_lease_by_renewing_it(services, clock):
    a, b = lease(services, clock, "A"), lease(services, clock, "B")
    assert a.hold()
    for _ in range(20):  # 20 s in steps of 1 s: well past the 5 s time to live
        clock.advance(1)
        assert a.hold()
        assert not b.hold()


def test_a_dead_holder_is_replaced_once_its_lease_expires(services, clock):
    a, b = lease(services, clock, "A"), lease(services, clock, "B")
    assert a.hold()
    clock.advance(4.9)
    assert not b.hold(), "taken over before the time to live ran out"
    clock.advance(0.2)
    assert b.hold()
    assert b.current_holder() == "B"
    # The old holder comes back (it was frozen, not dead): it learns it lost the lease.
    clock.advance(1)
    assert not a.hold()


def test_a_released_lease_is_taken_over_at_once(services, clock):
    a, b = lease(services, clock, "A"), lease(services, clock, "B")
    assert a.hold()
    a.release()
    assert b.hold()
    assert a.current_holder() == "B"


def test_between_renewals_the_holder_does_not_touch_the_database(services, clock):
    a = lease(services, clock, "A")
    assert a.hold()
    services.engine.dispose()
    calls = []
    from sqlalchemy import event

    event.listen(services.engine, "before_cursor_execute", lambda *args: calls.append(args[2]))
    clock.advance(0.5)
    assert a.hold()
    assert calls == []
    clock.advance(0.6)
    assert a.hold()
    assert calls, "the lease was not renewed after renew_every"


def test_processes_racing_for_a_new_lease_get_exactly_one_holder(services, clock):
    contenders = [lease(services, clock, f"P{i}") for i in range(6)]
    results: dict[str, bool] = {}
    start = threading.Barrier(len(contenders))

    def race(contender: Lease) -> None:
        start.wait()
        results[contender.holder] = contender.hold()

    threads = [threading.Thread(target=race, args=(c,)) for c in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sum(results.values()) == 1, results
    winner = next(name for name, won in results.items() if won)
    assert contenders[0].current_holder() == winner
