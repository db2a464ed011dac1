#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The replay form of a commit (`Commit<SourceOnly>`, `event.rs`): decoded from the same
//! stored bytes as the full form, it must fold into the same view, and bytes that are
//! corrupt must give an error on its decode path as on the full one, never a panic.
//!
//! Random commits carry everything a support can hold (evidence with non-ASCII text,
//! extractor, confidence, qualifiers of every value kind) and every kind of event, so
//! that the fields the replay form reads past are all exercised.

use annals::event::{replay_decoders, Source};
use annals::event::{
    Article, Commit, Event, Evidence, Extractor, FactAsserted, FactRetracted, SourceOnly, Support,
};
use annals::value::{EntityType, Money, Value};
use annals::view::View;
use annals::{Kb, OpenOptions};
use chrono::{DateTime, NaiveDate};
use proptest::prelude::*;
use proptest::strategy::ValueTree;

const NAMES: [&str; 6] = ["Alpha", "ALPHA", "Beta", "Gamma", "État", "etat"];
const PREDS: [&str; 3] = ["ceo_of", "partner_of", "owns"];
const ARTICLES: [&str; 3] = ["a1", "a2", "a3"];

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        (0..NAMES.len()).prop_map(|i| Value::Entity(NAMES[i].into())),
        "[a-zé« ]{0,12}".prop_map(Value::Str),
        any::<i64>().prop_map(Value::Int),
        (-1e9f64..1e9).prop_map(Value::Decimal),
        (0u32..3000).prop_map(|d| {
            Value::Date(NaiveDate::from_num_days_from_ce_opt(730_000 + d as i32).unwrap())
        }),
        (0i64..2_000_000_000)
            .prop_map(|s| Value::DateTime(DateTime::from_timestamp(s, 0).unwrap())),
        (0f64..1e6, "[A-Z]{3}")
            .prop_map(|(amount, currency)| Value::Money(Money { amount, currency })),
    ]
}

fn source() -> impl Strategy<Value = Source> {
    prop_oneof![
        3 => (0..ARTICLES.len()).prop_map(|i| Source::Article(ARTICLES[i].into())),
        1 => "[a-z ]{1,10}".prop_map(|n| Source::Note(n.into())),
        1 => Just(Source::None),
    ]
}

fn support() -> impl Strategy<Value = Support> {
    (
        source(),
        proptest::option::of(("\\PC{0,40}", any::<u32>(), any::<u32>())),
        proptest::option::of(("[a-z_]{0,8}", "[0-9.]{0,5}")),
        proptest::option::of(any::<f32>()),
        proptest::collection::vec(("[a-z]{0,6}", value()), 0..3),
    )
        .prop_map(
            |(source, evidence, extractor, confidence, qualifiers)| Support {
                source,
                evidence: evidence.map(|(sentence, start, end)| Evidence {
                    sentence,
                    start,
                    end,
                }),
                extractor: extractor.map(|(name, version): (String, String)| Extractor {
                    name: name.into(),
                    version: version.into(),
                }),
                confidence,
                qualifiers,
            },
        )
}

fn event() -> impl Strategy<Value = Event> {
    let n = 0..NAMES.len();
    let p = 0..PREDS.len();
    let a = proptest::option::of(0..ARTICLES.len());
    prop_oneof![
        6 => (n.clone(), p.clone(), value(), support()).prop_map(|(s, p, object, support)| {
            Event::FactAsserted(FactAsserted {
                subject: NAMES[s].into(),
                predicate: PREDS[p].into(),
                object,
                support,
            })
        }),
        1 => (
            0..ARTICLES.len(),
            proptest::collection::vec(n.clone(), 0..3),
            proptest::option::of(0i32..40_000),
            proptest::option::of("[a-z]{2}"),
        )
            .prop_map(|(i, mentions, published, language)| {
                Event::ArticleAdded(Article {
                    id: ARTICLES[i].into(),
                    title: Some(format!("title {i}")),
                    url: (i > 0).then(|| format!("https://news.example/{i}")),
                    published: published
                        .map(|d| NaiveDate::from_num_days_from_ce_opt(700_000 + d).unwrap()),
                    language,
                    text: "Alpha owns Beta.".into(),
                    content_hash: format!("hash{i}"),
                    mentions: mentions.into_iter().map(|m| NAMES[m].to_string()).collect(),
                })
            }),
        1 => (n.clone(), n.clone()).prop_map(|(a, c)| Event::AliasAdded {
            alias: NAMES[a].into(),
            canonical: NAMES[c].into(),
        }),
        1 => (n.clone(), 0..EntityType::ALL.len()).prop_map(|(i, t)| Event::EntityTyped {
            name: NAMES[i].into(),
            entity_type: EntityType::ALL[t],
        }),
        2 => (n.clone(), p, value(), a).prop_map(|(s, p, object, a)| {
            Event::FactRetracted(FactRetracted {
                subject: NAMES[s].into(),
                predicate: PREDS[p].into(),
                object,
                article: a.map(|i| ARTICLES[i].into()),
                reason: Some("wrong".into()),
            })
        }),
        1 => (0..ARTICLES.len()).prop_map(|i| Event::ArticleRetracted {
            id: ARTICLES[i].into(),
            reason: None,
        }),
    ]
}

fn commits() -> impl Strategy<Value = Vec<Commit>> {
    proptest::collection::vec(proptest::collection::vec(event(), 0..5), 1..12).prop_map(|all| {
        all.into_iter()
            .enumerate()
            .map(|(i, events)| Commit {
                tx: i as u64 + 1,
                time: DateTime::from_timestamp(1_747_000_000 + i as i64, 0).unwrap(),
                events,
            })
            .collect()
    })
}

/// The replay form of a full commit, as decoding its bytes should give it.
fn expected_replay_form(c: &Commit) -> Commit<SourceOnly> {
    Commit {
        tx: c.tx,
        time: c.time,
        events: c
            .events
            .iter()
            .map(|e| match e.clone() {
                Event::FactAsserted(f) => Event::FactAsserted(FactAsserted {
                    subject: f.subject,
                    predicate: f.predicate,
                    object: f.object,
                    support: SourceOnly {
                        source: f.support.source,
                    },
                }),
                Event::ArticleAdded(a) => Event::ArticleAdded(a),
                Event::FactRetracted(r) => Event::FactRetracted(r),
                Event::ArticleRetracted { id, reason } => Event::ArticleRetracted { id, reason },
                Event::AliasAdded { alias, canonical } => Event::AliasAdded { alias, canonical },
                Event::EntityTyped { name, entity_type } => {
                    Event::EntityTyped { name, entity_type }
                }
            })
            .collect(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Both forms of both stored formats fold into the same view, event for event.
    #[test]
    fn the_replay_form_folds_into_the_same_view(commits in commits()) {
        let (mut full, mut replay, mut replay_v1) = (View::new(), View::new(), View::new());
        for c in &commits {
            let bytes = c.encode().unwrap();
            let decoded = Commit::decode(c.tx, &bytes).unwrap();
            prop_assert_eq!(&decoded, c);
            full.apply(&decoded).unwrap();
            let r = Commit::decode_for_replay(c.tx, &bytes).unwrap();
            prop_assert_eq!(&r, &expected_replay_form(c));
            replay.apply(&r).unwrap();
            let r1 = Commit::decode_for_replay(c.tx, &c.encode_v1().unwrap()).unwrap();
            prop_assert_eq!(&r1, &r);
            replay_v1.apply(&r1).unwrap();
        }
        full.same_as(&replay).unwrap();
        full.same_as(&replay_v1).unwrap();
        prop_assert_eq!(full.counters(), replay.counters());
    }

    /// Garbage inside a valid envelope (checksum recomputed, so the bincode decoder
    /// itself meets it): an error or a commit, never a panic; and whatever the full
    /// decode accepts, the replay decode accepts too, with the same sources.
    #[test]
    fn garbage_payloads_never_panic(
        commits in commits(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let c = &commits[0];
        let mut payload = c.encode_v1().unwrap().split_off(6);
        for (at, byte) in &edits {
            let i = at.index(payload.len());
            payload[i] = *byte;
        }
        for truncate in [false, true] {
            let mut p = payload.clone();
            if truncate {
                p.truncate(cut.index(p.len()));
            }
            let mut bytes = 1u16.to_be_bytes().to_vec();
            bytes.extend_from_slice(&crc32fast::hash(&p).to_be_bytes());
            bytes.extend_from_slice(&p);
            let replay = Commit::decode_for_replay(c.tx, &bytes);
            if let Err(e) = &replay {
                let is_corrupt = matches!(e, annals::Error::Corrupt { tx: Some(1), .. });
                prop_assert!(is_corrupt, "{}", e);
            }
            if let Ok(full) = Commit::decode(c.tx, &bytes) {
                prop_assert_eq!(replay.unwrap(), expected_replay_form(&full));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The replay form's hand-written reader (`event/replay.rs`) reads every payload
    /// serde writes, to what serde reads from it.
    #[test]
    fn the_replay_reader_reads_what_serde_reads(commits in commits()) {
        for c in &commits {
            let payload = c.encode_v1().unwrap().split_off(6);
            let (fast, serde) = replay_decoders(&payload);
            // Debug, not `==`: entity values compare folded, and the readers must agree
            // to the byte.
            prop_assert_eq!(format!("{:?}", fast), format!("{:?}", Some(serde.unwrap())));
        }
    }

    /// On damaged payloads the reader may give up (serde then decides), but whatever it
    /// accepts, serde accepts as the same commit: it is never more lenient.
    #[test]
    fn the_replay_reader_accepts_nothing_serde_refuses(
        commits in commits(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let payload = commits[0].encode_v1().unwrap().split_off(6);
        let mut damaged = payload.clone();
        for (at, byte) in &edits {
            let i = at.index(damaged.len());
            damaged[i] = *byte;
        }
        let cut = payload[..cut.index(payload.len())].to_vec();
        let mut extended = payload.clone();
        extended.push(0);
        for p in [damaged, cut, extended] {
            let (fast, serde) = replay_decoders(&p);
            if let Some(fast) = fast {
                prop_assert_eq!(format!("{:?}", Ok::<_, String>(fast)), format!("{:?}", serde));
            }
        }
    }
}

/// Lengths and numbers past a one-byte varint, through the hand-written reader.
#[test]
fn long_strings_and_large_numbers_cross_the_hand_written_reader() {
    for (len, tx) in [
        (250, 250),
        (251, 251),
        (300, 65_535),
        (70_000, 65_536),
        (9, 1 << 40),
    ] {
        let long = "é".repeat(len / 2) + &"x".repeat(len % 2);
        let c = Commit {
            tx,
            time: DateTime::from_timestamp(1_747_000_000, 123_456_789).unwrap(),
            events: vec![Event::FactAsserted(FactAsserted {
                subject: long.as_str().into(),
                predicate: "said".into(),
                object: Value::Str(long.clone()),
                support: Support {
                    source: Source::Article(long.as_str().into()),
                    evidence: Some(Evidence {
                        sentence: long.clone(),
                        start: 70_000,
                        end: u32::MAX,
                    }),
                    ..Support::from_source(Source::None)
                },
            })],
        };
        let payload = c.encode_v1().unwrap().split_off(6);
        let (read, by_serde) = replay_decoders(&payload);
        assert_eq!(read, Some(by_serde.unwrap()), "length {len}");
        assert_eq!(read.unwrap(), expected_replay_form(&c));
    }
}

#[test]
fn every_flipped_byte_and_every_cut_is_an_error_in_the_replay_form() {
    let c = Commit {
        tx: 3,
        time: DateTime::from_timestamp(1_747_000_000, 0).unwrap(),
        events: vec![Event::FactAsserted(FactAsserted {
            subject: "G42".into(),
            predicate: "partner_of".into(),
            object: Value::Entity("OpenAI".into()),
            support: Support {
                source: Source::Article("wp".into()),
                evidence: Some(Evidence {
                    sentence: "G42 s'associe à OpenAI.".into(),
                    start: 0,
                    end: 3,
                }),
                extractor: Some(Extractor {
                    name: "rules".into(),
                    version: "1".into(),
                }),
                confidence: Some(0.5),
                qualifiers: vec![("role".into(), Value::Str("partner".into()))],
            },
        })],
    };
    for bytes in [c.encode().unwrap(), c.encode_v1().unwrap()] {
        assert!(Commit::decode_for_replay(3, &bytes).is_ok());
        assert!(Commit::decode_for_replay(4, &bytes).is_err(), "wrong key");
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x40;
            assert!(
                Commit::decode_for_replay(3, &b).is_err(),
                "flip at {i} went unnoticed"
            );
            assert!(
                Commit::decode_for_replay(3, &bytes[..i]).is_err(),
                "cut at {i} went unnoticed"
            );
        }
    }
    // A payload cut short inside a skipped string, behind a valid checksum.
    let payload = c.encode_v1().unwrap().split_off(6);
    for len in 0..payload.len() {
        let p = &payload[..len];
        let mut bytes = 1u16.to_be_bytes().to_vec();
        bytes.extend_from_slice(&crc32fast::hash(p).to_be_bytes());
        bytes.extend_from_slice(p);
        let e = Commit::decode_for_replay(3, &bytes).unwrap_err();
        assert!(
            matches!(e, annals::Error::Corrupt { tx: Some(3), .. }),
            "cut at {len}: {e}"
        );
    }
}

#[test]
fn the_replay_form_does_not_check_strings_it_does_not_read() {
    // Invalid UTF-8 in the evidence sentence behind a valid checksum: only a buggy
    // writer could store it. The full decode (log, why, export, verify) refuses it; a
    // rebuild, which never reads the sentence, does not look at it.
    let c = Commit {
        tx: 1,
        time: DateTime::from_timestamp(1_747_000_000, 0).unwrap(),
        events: vec![Event::FactAsserted(FactAsserted {
            subject: "A".into(),
            predicate: "owns".into(),
            object: Value::Entity("B".into()),
            support: Support {
                evidence: Some(Evidence {
                    sentence: "zzzz".into(),
                    start: 0,
                    end: 1,
                }),
                ..Support::from_source(Source::None)
            },
        })],
    };
    let mut payload = c.encode_v1().unwrap().split_off(6);
    let at = payload.windows(4).position(|w| w == b"zzzz").unwrap();
    payload[at] = 0xff;
    let mut bytes = 1u16.to_be_bytes().to_vec();
    bytes.extend_from_slice(&crc32fast::hash(&payload).to_be_bytes());
    bytes.extend_from_slice(&payload);
    assert!(Commit::decode(1, &bytes).is_err());
    let r = Commit::decode_for_replay(1, &bytes).unwrap();
    assert_eq!(r, expected_replay_form(&c));
}

/// Through the `Kb`: a database written with full supports, rebuilt by `rematerialize`
/// (the replay form), caught up after a reopen (the replay form), and checked by
/// `verify` (the full form) gives the view built by the writes themselves.
#[test]
fn rematerialize_and_catch_up_match_the_written_view() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kb");
    let open = || {
        Kb::open(
            &path,
            OpenOptions {
                create: true,
                wait: Some(std::time::Duration::from_secs(5)),
                skip_view: false,
            },
        )
        .unwrap()
    };
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let all = commits().new_tree(&mut runner).unwrap().current();
    let mut kb = open();
    let half = all.len() / 2;
    for c in &all[..half] {
        kb.commit(c.events.clone()).unwrap();
    }
    kb.checkpoint().unwrap();
    for c in &all[half..] {
        kb.commit(c.events.clone()).unwrap();
    }
    let written = kb.view().clone();
    // Reopened without a checkpoint of the last commits: they are caught up.
    kb.close().unwrap();
    let mut kb = open();
    kb.view().same_as(&written).unwrap();
    let report = kb.rematerialize(true, &mut |_, _| {}).unwrap();
    assert_eq!(report.difference, None);
    kb.view().same_as(&written).unwrap();
    kb.verify(&mut |_, _| {}).unwrap();
}
