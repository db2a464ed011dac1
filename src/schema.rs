//! The built-in schema of SPEC §2: which predicates exist, which answer both ways, and
//! which are answered from entity and article records rather than stored. One list, read
//! by the view, the parser (completion), the executor and import.

/// Predicates stored as facts (SPEC §2's table, less the virtual ones).
pub const STORED_PREDICATES: [&str; 22] = [
    "ceo_of",
    "founder_of",
    "works_for",
    "member_of",
    "advisor_to",
    "role_in",
    "located_in",
    "headquartered_in",
    "partner_of",
    "agreement_with",
    "competitor_of",
    "sells_to",
    "buys_from",
    "invests_in",
    "acquires",
    "owns",
    "subsidiary_of",
    "approves",
    "restricts",
    "said",
    "reported_by",
    "amount",
];

/// The predicates that answer both ways: `A p B` also answers `B p A`.
pub const SYMMETRIC_PREDICATES: [&str; 3] = ["partner_of", "agreement_with", "competitor_of"];

/// Predicates answered from entity and article records, never stored as facts.
pub const VIRTUAL_PREDICATES: [&str; 8] = [
    "type",
    "name",
    "alias",
    "title",
    "url",
    "published",
    "language",
    "mentions",
];

/// Every built-in predicate, stored ones first.
pub const ALL_PREDICATES: [&str; 30] = concat(STORED_PREDICATES, VIRTUAL_PREDICATES);

// why: only ever evaluated at compile time (for `ALL_PREDICATES`), where an index out of
// range is a build error, not a panic; both loops stay inside the fixed array lengths.
#[allow(clippy::indexing_slicing)]
const fn concat(a: [&'static str; 22], b: [&'static str; 8]) -> [&'static str; 30] {
    let mut out = [""; 30];
    let mut i = 0;
    while i < 22 {
        out[i] = a[i];
        i += 1;
    }
    while i < 30 {
        out[i] = b[i - 22];
        i += 1;
    }
    out
}
