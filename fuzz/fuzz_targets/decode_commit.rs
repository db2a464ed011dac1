//! Stored commits come from disk: any bytes must decode or fail cleanly, never panic or
//! allocate what a corrupt length prefix claims. Bytes that decode must re-encode to
//! themselves (the envelope has one encoding).
#![no_main]
use annals::event::Commit;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let tx = 1 + (data.first().copied().unwrap_or(0) as u64);
    if let Ok(commit) = Commit::decode(tx, data) {
        let again = commit.encode().expect("a decoded commit encodes");
        let back = Commit::decode(tx, &again).expect("a re-encoded commit decodes");
        assert_eq!(back, commit);
    }
});
