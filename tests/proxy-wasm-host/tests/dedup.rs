//! Deduplication across Envoy's worker threads, on the release filter: VMs sharing one
//! [`SharedData`] as Envoy's workers share cpp-host's. Another worker's copy of an event is
//! interleaved right after each of the filter's reads of its slot (a never-used slot, a slot in
//! use, an expired claim), and two threads send simultaneous copies: each event is forwarded
//! exactly once, and the other copy is told to retry or that the event was delivered. Events
//! are told apart by the core's identity: the provider account counts, a retry is the same.

use std::sync::{Arc, Barrier, Mutex};

use proxy_wasm_host::examples::{header_settings, provider_request, release_filter, repository};
use proxy_wasm_host::{Envoy, Host, Outcome, Pending, Request, Result, SharedData};
use serde_json::Value;

/// The prefix of the filter's dedup slots in shared data.
const SLOTS: &str = "hookwall:dedup:";

/// A worker VM of one Envoy process, with the example policy and `slots` dedup slots.
fn worker(envoy: Envoy, slots: u64, shared: &SharedData) -> Host {
    let policy = std::fs::read_to_string(repository().join("examples/policy.json")).unwrap();
    let config = format!(
        r#"{{"policy": {policy}, "dedup": {{"slots": {slots}}}, "allow_on_headers_stop_iteration": {}}}"#,
        envoy.allow_on_headers_stop_iteration
    );
    Host::load_in(envoy, release_filter(), &config, shared.clone()).expect("the filter loads")
}

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(repository().join("fixtures").join(path)).unwrap()
}

/// `body` with the JSON member at `pointer` set to `value`.
fn with(body: &[u8], pointer: &str, value: Value) -> Vec<u8> {
    let mut json: Value = serde_json::from_slice(body).unwrap();
    *json.pointer_mut(pointer).unwrap() = value;
    serde_json::to_vec(&json).unwrap()
}

fn alert(event_id: &str) -> Request {
    let body = fixture("crowdsec/alert_triggered.json");
    provider_request(
        "crowdsec",
        &with(&body, "/details/event_id", Value::from(event_id)),
    )
}

fn forwarded(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Forwarded { .. })
}

/// The answer to a copy that arrives while another is in flight.
fn assert_in_flight_answer(outcome: &Outcome) {
    assert_eq!(outcome.status(), Some(503), "{outcome:?}");
    assert_eq!(outcome.header("retry-after"), Some("5"), "{outcome:?}");
    let error: Value = serde_json::from_slice(outcome.body()).unwrap();
    assert_eq!(error["error"], "duplicate_in_flight", "{outcome:?}");
}

/// The slot before the race.
#[derive(Clone, Copy, Debug)]
enum Slot {
    /// No event ever fell in it.
    NeverUsed,
    /// Another event, delivered, holds it (one slot for every event).
    Delivered,
    /// This event's earlier copy was refused by the receiver, which released it.
    Released,
    /// Another worker's claim on this event outlived `inflight_seconds`.
    Expired,
}

/// Worker B, and its copy begun in A's read.
type Turn = (Host, Result<Pending>);

/// Worker A sends `request` while worker B's copy is begun right after A's `nth` read of a
/// dedup slot; both receivers answer 200. `None` if A made fewer reads. A third worker, C,
/// stages `slot` first; an expired claim of C's is settled after the race.
fn race(envoy: Envoy, slot: Slot, nth: usize) -> Option<(Outcome, Outcome)> {
    let shared = SharedData::default();
    let slots = match slot {
        Slot::NeverUsed => 65_536,
        _ => 1,
    };
    let (mut a, mut b, mut c) = (
        worker(envoy, slots, &shared),
        worker(envoy, slots, &shared),
        worker(envoy, slots, &shared),
    );
    let request = alert("raced");
    let mut stale = None;
    match slot {
        Slot::NeverUsed => {}
        Slot::Delivered => assert!(forwarded(&c.send(&alert("earlier"), 200).unwrap())),
        Slot::Released => assert!(forwarded(&c.send(&request, 500).unwrap())),
        Slot::Expired => {
            let pending = c.begin(&request).unwrap();
            assert!(pending.forwarded());
            stale = Some(pending);
            for host in [&mut a, &mut b, &mut c] {
                host.advance_clock(60);
            }
        }
    }
    let turn: Arc<Mutex<Option<Turn>>> = Arc::default();
    let taken = Arc::clone(&turn);
    let copy = request.clone();
    shared.after_read(SLOTS, nth, move || {
        let pending = b.begin(&copy);
        *taken.lock().unwrap() = Some((b, pending));
    });
    let first = a.send(&request, 200).unwrap();
    if shared.turn_pending() {
        return None;
    }
    let (mut b, pending) = turn.lock().unwrap().take().unwrap();
    let second = b.answer(pending.unwrap(), 200).unwrap();
    if let Some(pending) = stale {
        assert!(forwarded(&c.answer(pending, 200).unwrap()));
    }
    let retry = a.send(&request, 200).unwrap();
    assert_eq!(
        retry.status(),
        Some(200),
        "the winner's delivery holds: {retry:?}"
    );
    Some((first, second))
}

/// Every gap between one of the filter's reads and what follows it, on each kind of slot, in
/// both header-stop settings: one copy forwarded, the other told to retry.
#[test]
fn another_workers_copy_between_a_read_and_a_write_is_never_forwarded_too() {
    for envoy in header_settings() {
        for slot in [
            Slot::NeverUsed,
            Slot::Delivered,
            Slot::Released,
            Slot::Expired,
        ] {
            let mut gaps = 0;
            while let Some((a, b)) = race(envoy, slot, gaps + 1) {
                gaps += 1;
                let context = format!("{slot:?}, after read {gaps}, {envoy:?}");
                match (forwarded(&a), forwarded(&b)) {
                    (true, false) => assert_in_flight_answer(&b),
                    (false, true) => assert_in_flight_answer(&a),
                    _ => panic!("{context}: one copy forwarded, not {a:?} and {b:?}"),
                }
            }
            // Claim and settle each read the slot at least once.
            assert!(gaps >= 2, "{slot:?}: {gaps} reads interleaved");
        }
    }
}

/// Two worker threads, each with its own VM as Envoy's workers, send the two copies of each
/// event at the same moment: each event reaches the receiver exactly once.
#[test]
fn simultaneous_copies_on_two_threads_are_forwarded_once() {
    const PAIRS: usize = 1000;
    for envoy in header_settings() {
        let shared = SharedData::default();
        let start = Arc::new(Barrier::new(2));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (shared, start) = (shared.clone(), Arc::clone(&start));
                std::thread::spawn(move || {
                    let mut host = worker(envoy, 65_536, &shared);
                    (0..PAIRS)
                        .map(|i| {
                            let request = alert(&format!("stress-{i}"));
                            start.wait();
                            host.send(&request, 200).unwrap()
                        })
                        .collect::<Vec<Outcome>>()
                })
            })
            .collect();
        let [a, b]: [Vec<Outcome>; 2] = threads
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect::<Vec<_>>()
            .try_into()
            .unwrap();
        for (i, (a, b)) in a.iter().zip(&b).enumerate() {
            let other = match (forwarded(a), forwarded(b)) {
                (true, false) => b,
                (false, true) => a,
                _ => panic!("pair {i} ({envoy:?}): {a:?} and {b:?}"),
            };
            match other.status() {
                Some(200) => {
                    let ack: Value = serde_json::from_slice(other.body()).unwrap();
                    assert_eq!(ack["status"], "duplicate");
                }
                _ => assert_in_flight_answer(other),
            }
        }
    }
}

/// Sectigo numbers events per partner and CrowdSec's ids are per organization: the same id
/// from another account is another event, forwarded; a retry, byte for byte, is not.
#[test]
fn the_same_id_from_another_account_is_another_event() {
    let sectigo = fixture("sectigo/user_create.json");
    let crowdsec = fixture("crowdsec/alert_triggered.json");
    let cases = [
        (
            "sectigo",
            sectigo.clone(),
            with(&sectigo, "/partner/id", Value::from(2)),
        ),
        (
            "crowdsec",
            crowdsec.clone(),
            with(
                &crowdsec,
                "/details/organization_id",
                Value::from("87654321-4321-4321-4321-210987654321"),
            ),
        ),
    ];
    for envoy in header_settings() {
        let mut host = worker(envoy, 65_536, &SharedData::default());
        for (provider, first, other) in &cases {
            for body in [first, other] {
                let outcome = host.send(&provider_request(provider, body), 200).unwrap();
                assert!(forwarded(&outcome), "{provider}: {outcome:?}");
            }
            for body in [first, other] {
                let retry = host.send(&provider_request(provider, body), 200).unwrap();
                assert_eq!(retry.status(), Some(200), "{provider}: {retry:?}");
                let ack: Value = serde_json::from_slice(retry.body()).unwrap();
                assert_eq!(ack["status"], "duplicate");
            }
        }
    }
}

/// What the ring costs in shared data once every slot has been used: its keys and entries,
/// and the one key the filter rewrites for fresh compare-and-swap numbers.
#[test]
fn a_full_ring_stays_within_its_slots() {
    let envoy = header_settings()[0];
    let shared = SharedData::default();
    let mut host = worker(envoy, 256, &shared);
    for i in 0..4000 {
        assert!(forwarded(
            &host.send(&alert(&format!("ring-{i}")), 200).unwrap()
        ));
    }
    let keys = shared.keys();
    let slots = keys.iter().filter(|k| k.starts_with(SLOTS)).count();
    assert_eq!(slots, 256, "every slot used, no more");
    assert_eq!(
        keys.len(),
        257,
        "{:?}",
        keys.iter().find(|k| !k.starts_with(SLOTS))
    );
    // Keys `hookwall:dedup:0` to `:255` (15 bytes and 658 digits), one delivered entry each
    // (32 hex digits, `:done:`, a 10-digit time), and `hookwall:cas` with nothing in it.
    assert_eq!(shared.bytes(), 256 * 15 + 658 + 256 * 48 + 12);
}
