//! Deterministic generator of a news-like dataset in the SPEC §4 import format (issue 6).
//!
//! ```text
//! cargo run --release --example generate -- --facts 400000 --seed 1 --out bench/data/400k.jsonl
//! ```
//!
//! The output is JSON lines with `tx`: one commit per article (an `article` line, then
//! its fact lines), and later commits that retract single supports (about 2% of the
//! assertions) or add aliases (one per 400 assertions): misspelled variants of existing
//! names that some facts used before the alias. Entities are Zipf-popular; some triples are
//! re-reported by several articles (a few "hot stories" by many), so there are about 62
//! distinct triples per 100 assertions. Names carry accents and mixed case so that name
//! folding matters.
//!
//! The same `--seed` and `--facts` give the same bytes. Output is streamed; memory grows
//! with the number of entities (about one per 11 assertions) and with a set of 64-bit
//! triple hashes used only for the summary.
//!
//! A summary and the probe values for the eight benchmark questions go to standard error
//! and to `<out>.probes.json`.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Write};

use chrono::{Days, NaiveDate};
use serde_json::{json, Value as Json};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

// ---------------------------------------------------------------------------------------
// PRNG: splitmix64, deterministic on every platform.

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [0, n); n > 0.
    fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() >> 32).wrapping_mul(n as u64) >> 32) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

fn mix(a: u64, b: u64) -> u64 {
    let mut r = Rng(a.wrapping_mul(0xD6E8_FEB8_6659_FD93) ^ b);
    r.next_u64()
}

/// Zipf-distributed ranks in [0, n) with exponent `s`, by inverse CDF.
struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, s: f64) -> Zipf {
        let mut cdf = Vec::with_capacity(n.max(1));
        let mut acc = 0.0;
        for k in 1..=n.max(1) {
            acc += 1.0 / (k as f64).powf(s);
            cdf.push(acc);
        }
        for c in &mut cdf {
            *c /= acc;
        }
        Zipf { cdf }
    }
    fn sample(&self, rng: &mut Rng) -> usize {
        let u = rng.f64();
        self.cdf.partition_point(|&c| c < u).min(self.cdf.len() - 1)
    }
}

// ---------------------------------------------------------------------------------------
// Vocabulary.

const FIRST: &[&str] = &[
    "Élodie",
    "Elon",
    "Margaux",
    "Bérénice",
    "Kwame",
    "Ngozi",
    "Håkon",
    "Océane",
    "Jürgen",
    "Søren",
    "Zoë",
    "Chloé",
    "François",
    "José",
    "Mónica",
    "Łukasz",
    "Renée",
    "Björn",
    "Inès",
    "Ahmed",
    "Fatima",
    "Hélène",
    "Noël",
    "Anaïs",
    "Raphaël",
    "Agnès",
    "Jérôme",
    "Géraldine",
    "Sébastien",
    "Ángel",
    "Óscar",
    "Dolores",
    "Małgorzata",
    "Zoltán",
    "Andrés",
    "Benoît",
    "Cécile",
    "Thérèse",
    "Sam",
    "Sarah",
    "Satya",
    "Sundar",
    "Mary",
    "Jensen",
    "Lisa",
    "Tim",
    "Mark",
    "Sheryl",
    "Ginni",
    "Marc",
    "Bernard",
    "Xavier",
    "Anne",
    "Claire",
    "Olivier",
    "Patrick",
    "Pierre",
    "Amélie",
    "Daniel",
    "David",
    "Diane",
    "Emma",
    "Ethan",
    "Fiona",
    "Gabriel",
    "Hugo",
    "Ivan",
    "Jade",
    "Karim",
    "Laura",
    "Léa",
    "Lucas",
    "Manon",
    "Nadia",
    "Nicolas",
    "Omar",
    "Paul",
    "Rania",
    "Rémi",
    "Sofia",
    "Tariq",
    "Ursula",
    "Valérie",
    "Wei",
    "Yasmine",
    "Yuki",
    "Zhang",
    "Ali",
    "Priya",
    "Rahul",
    "Kenji",
    "Min-jun",
    "Aïcha",
    "Mehdi",
    "Gaël",
    "Maëlle",
    "Loïc",
    "Adèle",
    "Bruno",
    "Camille",
    "Damien",
    "Estelle",
    "Florian",
    "Gisèle",
    "Henri",
    "Irène",
    "Julien",
    "Karin",
    "Lars",
    "Mathilde",
    "Nathan",
    "Odile",
    "Pascal",
    "Quentin",
    "Rosalie",
    "Simon",
    "Tomás",
    "Ulrich",
    "Victor",
    "Wanda",
    "Yves",
    "Zacharie",
    "Ana",
    "Bao",
    "Chen",
    "Dmitri",
    "Eun-ji",
    "Farid",
];

const SYL: &[&str] = &[
    "ba", "ber", "cha", "da", "del", "dé", "ol", "fa", "gar", "gué", "ha", "ja", "ka", "ker", "la",
    "lé", "lo", "ma", "mar", "mé", "mi", "mu", "na", "né", "no", "pa", "per", "ra", "ré", "ri",
    "ro", "sa", "sé", "son", "ta", "té", "to", "va", "vé", "wa", "zi", "zu", "ün", "øs", "bru",
    "cor", "dan", "fer", "gon", "hel", "lin", "mont", "nor", "quin", "rich", "stein", "tal",
    "ville", "berg", "çois",
];

const LAST_PREFIX: &[&str] = &[
    "", "", "", "", "", "", "Mc", "de ", "van der ", "O'", "Le ", "al-", "von ",
];

const ORG_SUFFIX: &[&str] = &[
    "Corp",
    "SA",
    "GmbH",
    "Holdings",
    "Technologies",
    "Énergie",
    "AG",
    "Group",
    "Labs",
    "Systèmes",
    "Industries",
    "& Cie",
    "plc",
    "Inc.",
    "Capital",
    "Télécom",
    "Motors",
    "AI",
    "Pharma",
    "Banque",
    "Logistique",
    "Networks",
    "Dynamics",
    "Semiconductors",
    "Aéro",
];

const PRODUCT_SUFFIX: &[&str] = &[
    "X", "Pro", "Max", "2", "Ultra", "Série 5", "One", "Neo", "Lite", "Édition",
];

const COUNTRIES: &[&str] = &[
    "États-Unis",
    "France",
    "Émirats arabes unis",
    "Royaume-Uni",
    "Allemagne",
    "Chine",
    "Japon",
    "Inde",
    "Brésil",
    "Canada",
    "Mexique",
    "Espagne",
    "Italie",
    "Suisse",
    "Belgique",
    "Pays-Bas",
    "Suède",
    "Norvège",
    "Danemark",
    "Finlande",
    "Pologne",
    "Autriche",
    "Irlande",
    "Portugal",
    "Grèce",
    "Turquie",
    "Arabie saoudite",
    "Qatar",
    "Égypte",
    "Maroc",
    "Algérie",
    "Tunisie",
    "Sénégal",
    "Côte d'Ivoire",
    "Nigeria",
    "Kenya",
    "Afrique du Sud",
    "Israël",
    "Corée du Sud",
    "Singapour",
    "Indonésie",
    "Viêt Nam",
    "Thaïlande",
    "Malaisie",
    "Philippines",
    "Australie",
    "Nouvelle-Zélande",
    "Argentine",
    "Chili",
    "Colombie",
    "Pérou",
    "Russie",
    "Ukraine",
    "Taïwan",
    "Hongrie",
    "Roumanie",
    "République tchèque",
    "Luxembourg",
    "Koweït",
    "Bahreïn",
];

const OUTLETS: &[&str] = &[
    "The Washington Post",
    "Le Monde",
    "Reuters",
    "Bloomberg",
    "Financial Times",
    "Les Échos",
    "Le Figaro",
    "The New York Times",
    "The Wall Street Journal",
    "Agence France-Presse",
    "Associated Press",
    "Handelsblatt",
    "El País",
    "Corriere della Sera",
    "Nikkei",
    "Al Jazeera",
    "The Guardian",
    "BBC News",
    "CNBC",
    "Politico",
    "Libération",
    "La Tribune",
    "Süddeutsche Zeitung",
    "Der Spiegel",
    "The Economist",
    "Axios",
    "TechCrunch",
    "The Verge",
    "South China Morning Post",
    "Khaleej Times",
];

const WORDS: &[&str] = &[
    "nous",
    "allons",
    "investir",
    "massivement",
    "dans",
    "l'intelligence",
    "artificielle",
    "we",
    "will",
    "expand",
    "our",
    "partnership",
    "with",
    "the",
    "government",
    "les",
    "exportations",
    "de",
    "puces",
    "sont",
    "essentielles",
    "this",
    "deal",
    "is",
    "a",
    "milestone",
    "for",
    "customers",
    "la",
    "croissance",
    "reste",
    "solide",
    "growth",
    "remains",
    "strong",
    "régulateurs",
    "regulators",
    "approuvé",
    "approved",
    "sécurité",
    "security",
    "marché",
    "market",
    "data",
    "centers",
    "énergie",
    "energy",
    "coûts",
    "costs",
    "sans",
    "précédent",
    "unprecedented",
    "clients",
    "européens",
    "American",
    "chips",
    "souveraineté",
    "talent",
];

const CURRENCIES: &[&str] = &["USD", "EUR", "GBP", "AED", "JPY", "CHF"];

// ---------------------------------------------------------------------------------------
// Predicates.

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Pred {
    CeoOf,
    FounderOf,
    WorksFor,
    MemberOf,
    AdvisorTo,
    RoleIn,
    Said,
    ReportedBy,
    Amount,
    LocatedIn,
    HeadquarteredIn,
    PartnerOf,
    AgreementWith,
    CompetitorOf,
    SellsTo,
    BuysFrom,
    InvestsIn,
    Acquires,
    Owns,
    SubsidiaryOf,
    Approves,
    Restricts,
}

impl Pred {
    fn name(self) -> &'static str {
        match self {
            Pred::CeoOf => "ceo_of",
            Pred::FounderOf => "founder_of",
            Pred::WorksFor => "works_for",
            Pred::MemberOf => "member_of",
            Pred::AdvisorTo => "advisor_to",
            Pred::RoleIn => "role_in",
            Pred::Said => "said",
            Pred::ReportedBy => "reported_by",
            Pred::Amount => "amount",
            Pred::LocatedIn => "located_in",
            Pred::HeadquarteredIn => "headquartered_in",
            Pred::PartnerOf => "partner_of",
            Pred::AgreementWith => "agreement_with",
            Pred::CompetitorOf => "competitor_of",
            Pred::SellsTo => "sells_to",
            Pred::BuysFrom => "buys_from",
            Pred::InvestsIn => "invests_in",
            Pred::Acquires => "acquires",
            Pred::Owns => "owns",
            Pred::SubsidiaryOf => "subsidiary_of",
            Pred::Approves => "approves",
            Pred::Restricts => "restricts",
        }
    }
}

/// Predicates with relative weights (per 1000 fresh triples).
const PRED_WEIGHTS: &[(Pred, u32)] = &[
    (Pred::CeoOf, 100),
    (Pred::FounderOf, 15),
    (Pred::WorksFor, 90),
    (Pred::MemberOf, 20),
    (Pred::AdvisorTo, 20),
    (Pred::RoleIn, 30),
    (Pred::Said, 120),
    (Pred::ReportedBy, 60),
    (Pred::Amount, 50),
    (Pred::LocatedIn, 25),
    (Pred::HeadquarteredIn, 30),
    (Pred::PartnerOf, 80),
    (Pred::AgreementWith, 40),
    (Pred::CompetitorOf, 40),
    (Pred::SellsTo, 110),
    (Pred::BuysFrom, 50),
    (Pred::InvestsIn, 45),
    (Pred::Acquires, 30),
    (Pred::Owns, 35),
    (Pred::SubsidiaryOf, 20),
    (Pred::Approves, 10),
    (Pred::Restricts, 10),
];

// ---------------------------------------------------------------------------------------
// Entities.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Person,
    Org,
    Outlet,
    Country,
    Place,
    Product,
}

impl Kind {
    fn type_name(self) -> &'static str {
        match self {
            Kind::Person => "Person",
            Kind::Org | Kind::Outlet => "Organization",
            Kind::Country => "Country",
            Kind::Place => "Place",
            Kind::Product => "Product",
        }
    }
}

/// Entity names by kind, and a Zipf sampler per kind.
struct Entities {
    names: Vec<String>,
    kinds: Vec<Kind>,
    /// (first index, count, sampler) per kind.
    ranges: Vec<(Kind, usize, usize, Zipf)>,
    /// Folded names in use (entities and misspellings), to keep names distinct.
    folded: HashSet<String>,
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn syllables(rng: &mut Rng, min: usize, max: usize) -> String {
    let n = min + rng.below(max - min + 1);
    (0..n).map(|_| *rng.pick(SYL)).collect()
}

impl Entities {
    fn new(rng: &mut Rng, facts: u64) -> Entities {
        let scale = |per: u64, min: u64| (facts / per).max(min) as usize;
        let mut e = Entities {
            names: Vec::new(),
            kinds: Vec::new(),
            ranges: Vec::new(),
            folded: HashSet::new(),
        };
        e.add_kind(rng, Kind::Person, scale(20, 50), 0.86);
        e.add_kind(rng, Kind::Org, scale(27, 40), 0.84);
        e.add_kind(rng, Kind::Outlet, OUTLETS.len(), 1.0);
        e.add_kind(rng, Kind::Country, COUNTRIES.len(), 1.1);
        e.add_kind(rng, Kind::Place, scale(400, 10), 0.9);
        e.add_kind(rng, Kind::Product, scale(80, 10), 0.9);
        e
    }

    fn add_kind(&mut self, rng: &mut Rng, kind: Kind, n: usize, s: f64) {
        let first = self.names.len();
        for i in 0..n {
            let mut attempts = 0usize;
            let name = loop {
                let candidate = match kind {
                    Kind::Person => {
                        let last = format!(
                            "{}{}",
                            rng.pick(LAST_PREFIX),
                            capitalize(&syllables(rng, 2, 3))
                        );
                        if rng.chance(0.1) {
                            format!(
                                "{} {}. {}",
                                rng.pick(FIRST),
                                (b'A' + rng.below(26) as u8) as char,
                                last
                            )
                        } else {
                            format!("{} {}", rng.pick(FIRST), last)
                        }
                    }
                    Kind::Org => {
                        let stem = capitalize(&syllables(rng, 2, 3));
                        let stem = if rng.chance(0.15) {
                            stem.to_uppercase()
                        } else {
                            stem
                        };
                        if rng.chance(0.2) {
                            stem
                        } else {
                            format!("{} {}", stem, rng.pick(ORG_SUFFIX))
                        }
                    }
                    Kind::Outlet => OUTLETS[i].to_string(),
                    Kind::Country => COUNTRIES[i].to_string(),
                    Kind::Place => {
                        let stem = capitalize(&syllables(rng, 2, 3));
                        if rng.chance(0.2) {
                            format!("Saint-{stem}")
                        } else {
                            stem
                        }
                    }
                    Kind::Product => {
                        format!(
                            "{} {}",
                            capitalize(&syllables(rng, 2, 2)),
                            rng.pick(PRODUCT_SUFFIX)
                        )
                    }
                };
                // A kind with a small name space (products) runs out of fresh names at
                // tens of millions of facts: after many collisions, number the name.
                attempts += 1;
                let candidate = if attempts > 64 {
                    format!("{candidate} {}", attempts - 64)
                } else {
                    candidate
                };
                if self.folded.insert(annals::value::fold(&candidate)) {
                    break candidate;
                }
            };
            self.names.push(name);
            self.kinds.push(kind);
        }
        self.ranges.push((kind, first, n, Zipf::new(n, s)));
    }

    fn sample(&self, rng: &mut Rng, kind: Kind) -> u32 {
        for (k, first, _, z) in &self.ranges {
            if *k == kind {
                return (first + z.sample(rng)) as u32;
            }
        }
        0
    }

    fn uniform(&self, rng: &mut Rng, kind: Kind) -> u32 {
        let (first, n) = self.range(kind);
        (first + rng.below(n.max(1))) as u32
    }

    fn range(&self, kind: Kind) -> (usize, usize) {
        for (k, first, n, _) in &self.ranges {
            if *k == kind {
                return (*first, *n);
            }
        }
        (0, 0)
    }

    /// A person from the few who are CEO of `org` over time (so that orgs have CEOs and
    /// popular orgs' CEOs are re-reported).
    fn ceo_for(&self, rng: &mut Rng, org: u32) -> u32 {
        let (first, n) = self.range(Kind::Person);
        let k = if rng.chance(0.4) {
            0
        } else {
            rng.below(4) as u64
        };
        (first + (mix(org as u64, k) % n as u64) as usize) as u32
    }
}

// ---------------------------------------------------------------------------------------
// Triples.

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Obj {
    Ent(u32),
    /// A quote, by seed.
    Quote(u64),
    /// Money: amount, currency index.
    Money(u64, u8),
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
struct Triple {
    s: u32,
    p: Pred,
    o: Obj,
}

impl Triple {
    fn key(&self) -> u64 {
        let o = match self.o {
            Obj::Ent(e) => e as u64,
            Obj::Quote(q) => q ^ 0x5555_0000_0000_0000,
            Obj::Money(a, c) => mix(a, c as u64 + 7),
        };
        mix(mix(self.s as u64, self.p as u64), o)
    }
}

fn quote_text(seed: u64) -> String {
    let mut r = Rng::new(seed);
    let n = 6 + r.below(10);
    let mut words: Vec<&str> = (0..n).map(|_| *r.pick(WORDS)).collect();
    // A rare word makes quotes distinct.
    let tag = format!("n°{}", seed % 1_000_000_007);
    words.push(&tag);
    let mut s = words.join(" ");
    s = capitalize(&s);
    s.push('.');
    s
}

fn fresh_triple(
    rng: &mut Rng,
    ents: &Entities,
    pred_cdf: &[(Pred, u32)],
    quote_seq: &mut u64,
) -> Triple {
    let total = pred_cdf.last().map(|x| x.1).unwrap_or(1);
    let u = rng.below(total as usize) as u32;
    let p = pred_cdf
        .iter()
        .find(|(_, c)| u < *c)
        .map(|x| x.0)
        .unwrap_or(Pred::WorksFor);
    loop {
        let (s, o) = match p {
            Pred::CeoOf => {
                let org = ents.uniform(rng, Kind::Org);
                (ents.ceo_for(rng, org), Obj::Ent(org))
            }
            Pred::FounderOf | Pred::WorksFor | Pred::MemberOf | Pred::AdvisorTo => (
                ents.sample(rng, Kind::Person),
                Obj::Ent(ents.sample(rng, Kind::Org)),
            ),
            Pred::RoleIn => {
                let o = if rng.chance(0.3) {
                    Kind::Country
                } else {
                    Kind::Org
                };
                (
                    ents.sample(rng, Kind::Person),
                    Obj::Ent(ents.sample(rng, o)),
                )
            }
            Pred::Said => {
                *quote_seq += 1;
                let s = if rng.chance(0.85) {
                    Kind::Person
                } else {
                    Kind::Org
                };
                (ents.sample(rng, s), Obj::Quote(*quote_seq))
            }
            Pred::ReportedBy => {
                let s = if rng.chance(0.5) {
                    Kind::Person
                } else {
                    Kind::Org
                };
                (
                    ents.sample(rng, s),
                    Obj::Ent(ents.sample(rng, Kind::Outlet)),
                )
            }
            Pred::Amount => {
                let mant = [1u64, 2, 3, 5, 7, 9, 12, 15, 25, 40, 75][rng.below(11)];
                let exp = 5 + rng.below(6) as u32;
                let cur = if rng.chance(0.6) {
                    0
                } else {
                    rng.below(CURRENCIES.len()) as u8
                };
                (
                    ents.sample(rng, Kind::Org),
                    Obj::Money(mant * 10u64.pow(exp), cur),
                )
            }
            Pred::LocatedIn => {
                if rng.chance(0.5) {
                    (
                        ents.sample(rng, Kind::Place),
                        Obj::Ent(ents.sample(rng, Kind::Country)),
                    )
                } else {
                    (
                        ents.sample(rng, Kind::Org),
                        Obj::Ent(ents.sample(rng, Kind::Place)),
                    )
                }
            }
            Pred::HeadquarteredIn => {
                let o = if rng.chance(0.6) {
                    Kind::Country
                } else {
                    Kind::Place
                };
                (ents.sample(rng, Kind::Org), Obj::Ent(ents.sample(rng, o)))
            }
            Pred::AgreementWith => {
                let s = if rng.chance(0.25) {
                    Kind::Country
                } else {
                    Kind::Org
                };
                let o = if rng.chance(0.25) {
                    Kind::Country
                } else {
                    Kind::Org
                };
                (ents.sample(rng, s), Obj::Ent(ents.sample(rng, o)))
            }
            Pred::SellsTo => {
                // Many small suppliers, popular customers.
                let s = if rng.chance(0.6) {
                    ents.uniform(rng, Kind::Org)
                } else {
                    ents.sample(rng, Kind::Org)
                };
                (s, Obj::Ent(ents.sample(rng, Kind::Org)))
            }
            Pred::PartnerOf
            | Pred::CompetitorOf
            | Pred::BuysFrom
            | Pred::InvestsIn
            | Pred::Acquires
            | Pred::SubsidiaryOf => (
                ents.sample(rng, Kind::Org),
                Obj::Ent(ents.sample(rng, Kind::Org)),
            ),
            Pred::Owns => {
                let s = if rng.chance(0.2) {
                    Kind::Person
                } else {
                    Kind::Org
                };
                let o = if rng.chance(0.5) {
                    Kind::Product
                } else {
                    Kind::Org
                };
                (ents.sample(rng, s), Obj::Ent(ents.sample(rng, o)))
            }
            Pred::Approves => (
                ents.sample(rng, Kind::Country),
                Obj::Ent(ents.sample(rng, Kind::Org)),
            ),
            Pred::Restricts => {
                let o = if rng.chance(0.5) {
                    Kind::Country
                } else {
                    Kind::Product
                };
                (
                    ents.sample(rng, Kind::Country),
                    Obj::Ent(ents.sample(rng, o)),
                )
            }
        };
        if o != Obj::Ent(s) {
            return Triple { s, p, o };
        }
    }
}

// ---------------------------------------------------------------------------------------
// Misspellings (future aliases).

fn misspell(rng: &mut Rng, name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let letters: Vec<usize> = (1..chars.len())
        .filter(|&i| chars[i].is_alphabetic())
        .collect();
    if letters.is_empty() {
        return format!("{name}s");
    }
    let i = *rng.pick(&letters);
    let mut out = chars.clone();
    match rng.below(4) {
        0 if i + 1 < chars.len() && chars[i + 1].is_alphabetic() => out.swap(i, i + 1),
        1 => {
            out.remove(i);
        }
        2 => out.insert(i, chars[i]),
        _ => {
            let vowels = ['a', 'e', 'i', 'o', 'u', 'é'];
            let mut v = *rng.pick(&vowels);
            if v == chars[i] {
                v = 'y';
            }
            out[i] = v;
        }
    }
    out.into_iter().collect()
}

struct PendingAlias {
    entity: u32,
    variant: String,
    /// The alias commit comes after this article.
    after_article: usize,
}

// ---------------------------------------------------------------------------------------
// Output.

struct Out {
    w: BufWriter<File>,
    lines: u64,
}

impl Out {
    fn line(&mut self, v: &Json) -> Res<()> {
        serde_json::to_writer(&mut self.w, v)?;
        self.w.write_all(b"\n")?;
        self.lines += 1;
        Ok(())
    }
}

struct RetractCand {
    s: String,
    p: Pred,
    o: String,
    literal: bool,
    article: String,
}

const REASONS: [&str; 5] = [
    "story corrected",
    "misattributed quote",
    "extraction error",
    "article updated",
    "démenti officiel",
];
const RING: usize = 1 << 16;
const HOT_SHARE: f64 = 0.014;
const RECENT_SHARE: f64 = 0.29;
const RECENT_RING: usize = 1 << 13;
const MISSPELL_USE: f64 = 0.3;
const RESPELL_USE: f64 = 0.03;

/// Another spelling of `name` with the same folded form (case, accents, spacing).
fn respell(rng: &mut Rng, name: &str) -> String {
    use unicode_normalization::char::is_combining_mark;
    use unicode_normalization::UnicodeNormalization;
    let v = match rng.below(4) {
        0 => name.to_lowercase(),
        1 => name.to_uppercase(),
        2 => name.nfd().filter(|c| !is_combining_mark(*c)).collect(),
        _ => name.replace(' ', "  "),
    };
    if annals::value::fold(&v) == annals::value::fold(name) {
        v
    } else {
        name.to_string()
    }
}
const ALIAS_DELAY: usize = 40;

struct Args {
    facts: u64,
    seed: u64,
    out: String,
}

fn parse_args() -> Res<Args> {
    let mut facts = 400_000u64;
    let mut seed = 1u64;
    let mut out = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut val = || it.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--facts" => facts = val()?.parse()?,
            "--seed" => seed = val()?.parse()?,
            "--out" => out = Some(val()?),
            "-h" | "--help" => {
                eprintln!("usage: generate [--facts N] [--seed S] --out FILE");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let out = out.ok_or("--out FILE is required")?;
    if facts == 0 {
        return Err("--facts must be positive".into());
    }
    Ok(Args { facts, seed, out })
}

fn main() -> Res<()> {
    let args = parse_args()?;
    let n = args.facts;
    let mut rng = Rng::new(args.seed);
    let ents = Entities::new(&mut rng, n);
    let mut folded_in_use = ents.folded.clone();

    let mut pred_cdf = Vec::new();
    let mut acc = 0;
    for (p, w) in PRED_WEIGHTS {
        acc += w;
        pred_cdf.push((*p, acc));
    }

    let articles = (n / 20).max(1) as usize;
    let retractions_total = n / 50;
    let aliases_total = (n / 400) as usize;
    let hot_count = ((n / 4000) as usize).max(8);
    let mut quote_seq: u64 = args.seed.wrapping_mul(1_000_000_000_000);

    // Hot stories: entity-object triples between popular organizations.
    let hot_preds = [
        Pred::Acquires,
        Pred::InvestsIn,
        Pred::SellsTo,
        Pred::PartnerOf,
        Pred::AgreementWith,
    ];
    let hot: Vec<Triple> = (0..hot_count)
        .map(|i| loop {
            let s = ents.sample(&mut rng, Kind::Org);
            let o = ents.sample(&mut rng, Kind::Org);
            if s != o {
                break Triple {
                    s,
                    p: hot_preds[i % hot_preds.len()],
                    o: Obj::Ent(o),
                };
            }
        })
        .collect();
    let hot_zipf = Zipf::new(hot_count, 1.1);
    let mut hot_reports = vec![0u64; hot_count];

    let mut out = Out {
        w: BufWriter::with_capacity(1 << 20, File::create(&args.out)?),
        lines: 0,
    };
    let mut tx: u64 = 0;
    let mut facts_written: u64 = 0;
    let mut retractions: u64 = 0;
    let mut aliases: u64 = 0;
    let mut distinct: HashSet<u64> = HashSet::new();
    let mut recent: Vec<Triple> = Vec::with_capacity(RECENT_RING);
    let mut recent_pos = 0usize;
    let mut ring: Vec<Option<RetractCand>> = Vec::new();
    let mut ring_pos = 0usize;
    // Statistics for the probes.
    let mut subj_count = vec![0u32; ents.names.len()];
    let mut mentioned = vec![false; ents.names.len()];
    let mut obj_count = vec![0u32; ents.names.len()];
    let mut sells_in = vec![0u32; ents.names.len()];
    // Misspelled variants in use, by entity; aliases waiting for their commit.
    let mut variant_of: HashMap<u32, String> = HashMap::new();
    let mut pending: Vec<PendingAlias> = Vec::new();
    let start = NaiveDate::from_ymd_opt(2024, 1, 1).ok_or("bad date")?;
    let days_span = 730u64;

    for a in 0..articles {
        tx += 1;
        let id = format!("art-{:07}", a + 1);
        let published = start
            .checked_add_days(Days::new(a as u64 * days_span / articles as u64))
            .ok_or("bad date")?
            .format("%Y-%m-%d")
            .to_string();
        let outlet = &ents.names[ents.sample(&mut rng, Kind::Outlet) as usize];
        let lang = if rng.chance(0.45) { "fr" } else { "en" };
        let slug = syllables(&mut rng, 3, 5);
        out.line(&json!({
            "article": {
                "id": id,
                "title": format!("{}: {} {}", outlet, capitalize(&slug), if lang == "fr" { "annonce un accord" } else { "announces a deal" }),
                "url": format!("https://news.example/{}/{}-{}", published, slug, a + 1),
                "published": published,
                "language": lang,
            },
            "tx": tx,
        }))?;

        // How many facts this article carries: the schedule keeps the total exact.
        let target_before = (a as u64) * n / articles as u64;
        let target_after = (a as u64 + 1) * n / articles as u64;
        let k = if a + 1 == articles {
            n.saturating_sub(facts_written)
        } else {
            let jitter = rng.below(17) as i64 - 8;
            ((target_after - target_before) as i64 + jitter + target_before as i64
                - facts_written as i64)
                .max(1) as u64
        };

        // A new misspelling now and then: used in this article and the next ones, then aliased.
        if (aliases + pending.len() as u64)
            < ((a as u64 + 1) * aliases_total as u64 / articles as u64)
        {
            let kind = if rng.chance(0.6) {
                Kind::Person
            } else {
                Kind::Org
            };
            for _ in 0..20 {
                let e = ents.sample(&mut rng, kind);
                if variant_of.contains_key(&e) {
                    continue;
                }
                let v = misspell(&mut rng, &ents.names[e as usize]);
                if folded_in_use.insert(annals::value::fold(&v)) {
                    variant_of.insert(e, v.clone());
                    pending.push(PendingAlias {
                        entity: e,
                        variant: v,
                        after_article: a + ALIAS_DELAY,
                    });
                    break;
                }
            }
        }
        let newest_variant = pending
            .last()
            .filter(|p| p.after_article == a + ALIAS_DELAY)
            .map(|p| p.entity);

        let mut seen: HashSet<u64> = HashSet::new();
        let mut written = 0u64;
        let mut attempts = 0;
        while written < k && attempts < k * 10 {
            attempts += 1;
            let u = rng.f64();
            let t = if written == 0 && newest_variant.is_some() {
                // Make sure a new misspelling is used at least once before its alias.
                let e = newest_variant.unwrap_or(0);
                let mut t = fresh_triple(&mut rng, &ents, &pred_cdf, &mut quote_seq);
                t.s = e;
                if ents.kinds[e as usize] == Kind::Person {
                    t.p = Pred::Said;
                    quote_seq += 1;
                    t.o = Obj::Quote(quote_seq);
                } else if matches!(t.o, Obj::Ent(o) if o == e) {
                    continue;
                } else if matches!(
                    t.p,
                    Pred::CeoOf
                        | Pred::FounderOf
                        | Pred::WorksFor
                        | Pred::MemberOf
                        | Pred::AdvisorTo
                        | Pred::RoleIn
                        | Pred::Approves
                        | Pred::Restricts
                ) {
                    t.p = Pred::PartnerOf;
                }
                t
            } else if u < HOT_SHARE {
                let h = hot_zipf.sample(&mut rng);
                hot_reports[h] += 1;
                hot[h]
            } else if u < HOT_SHARE + RECENT_SHARE && !recent.is_empty() {
                recent[rng.below(recent.len())]
            } else {
                let t = fresh_triple(&mut rng, &ents, &pred_cdf, &mut quote_seq);
                if recent.len() < RECENT_RING {
                    recent.push(t);
                } else {
                    recent[recent_pos] = t;
                    recent_pos = (recent_pos + 1) % RECENT_RING;
                }
                t
            };
            if !seen.insert(t.key()) {
                continue;
            }
            // Written names: a misspelled variant sometimes stands for the entity.
            let write_name = |rng: &mut Rng, e: u32| -> String {
                match variant_of.get(&e) {
                    Some(v)
                        if rng.chance(MISSPELL_USE)
                            || Some(e) == newest_variant && written == 0 =>
                    {
                        v.clone()
                    }
                    // Once an entity has been written, it is sometimes written again in
                    // another case, without accents or with odd spacing: the same name.
                    _ if mentioned[e as usize] && rng.chance(RESPELL_USE) => {
                        respell(rng, &ents.names[e as usize])
                    }
                    _ => ents.names[e as usize].clone(),
                }
            };
            let s_name = write_name(&mut rng, t.s);
            let s_type = ents.kinds[t.s as usize].type_name();
            let (o_name, literal, o_type) = match t.o {
                Obj::Ent(o) => (
                    write_name(&mut rng, o),
                    false,
                    Some(ents.kinds[o as usize].type_name()),
                ),
                Obj::Quote(q) => (quote_text(q), true, None),
                Obj::Money(amount, c) => (
                    format!("{} {}", amount, CURRENCIES[c as usize]),
                    false,
                    None,
                ),
            };
            mentioned[t.s as usize] = true;
            if let Obj::Ent(o) = t.o {
                mentioned[o as usize] = true;
            }
            let evidence = match t.o {
                Obj::Quote(_) => format!("« {o_name} », a déclaré {s_name}."),
                _ => format!(
                    "{} {} {}, selon {}.",
                    s_name,
                    t.p.name().replace('_', " "),
                    o_name,
                    outlet
                ),
            };
            let confidence = (50 + rng.below(50)) as f64 / 100.0;
            let mut line = json!({
                "subject": s_name,
                "predicate": t.p.name(),
                "object": o_name,
                "subject_type": s_type,
                "article": id,
                "evidence": evidence,
                "confidence": confidence,
                "tx": tx,
            });
            if let Some(m) = line.as_object_mut() {
                if literal {
                    m.insert("object_kind".into(), json!("literal"));
                }
                if let Some(ot) = o_type {
                    m.insert("object_type".into(), json!(ot));
                }
            }
            out.line(&line)?;
            written += 1;
            facts_written += 1;
            let o_key = if literal {
                o_name.clone()
            } else {
                annals::value::fold(&o_name)
            };
            distinct.insert(mix(
                string_hash(&annals::value::fold(&s_name)) ^ (t.p as u64).rotate_left(40),
                string_hash(&o_key),
            ));
            subj_count[t.s as usize] += 1;
            if let Obj::Ent(o) = t.o {
                obj_count[o as usize] += 1;
                if t.p == Pred::SellsTo {
                    sells_in[o as usize] += 1;
                }
            }
            let cand = RetractCand {
                s: s_name,
                p: t.p,
                o: o_name,
                literal,
                article: id.clone(),
            };
            if ring.len() < RING {
                ring.push(Some(cand));
            } else {
                ring[ring_pos] = Some(cand);
                ring_pos = (ring_pos + 1) % RING;
            }
        }

        // Retractions of single supports from earlier articles, in their own commit.
        let due = (a as u64 + 1) * retractions_total / articles as u64;
        if due > retractions && a > 0 {
            let mut opened = false;
            'each: while retractions < due {
                for _ in 0..50 {
                    let i = rng.below(ring.len());
                    if !matches!(&ring[i], Some(c) if c.article != id) {
                        continue;
                    }
                    if let Some(c) = ring[i].take() {
                        let mut r = json!({"subject": c.s, "predicate": c.p.name(), "object": c.o, "article": c.article});
                        if c.literal {
                            if let Some(m) = r.as_object_mut() {
                                m.insert("object_kind".into(), json!("literal"));
                            }
                        }
                        let reason = *rng.pick(&REASONS);
                        if !opened {
                            tx += 1;
                            opened = true;
                        }
                        out.line(&json!({"retract": r, "reason": reason, "tx": tx}))?;
                        retractions += 1;
                        continue 'each;
                    }
                }
                // Nothing left to retract in the window.
                break;
            }
        }

        // Aliases whose delay has passed, one commit each.
        while let Some(p) = pending.first() {
            if p.after_article > a && a + 1 != articles {
                break;
            }
            let p = pending.remove(0);
            tx += 1;
            out.line(
                &json!({"alias": p.variant, "canonical": ents.names[p.entity as usize], "tx": tx}),
            )?;
            variant_of.remove(&p.entity);
            aliases += 1;
        }
    }
    out.w.flush()?;

    // Probes.
    let argmax = |counts: &[u32], kind: Kind, except: Option<usize>| -> usize {
        let (first, len) = ents.range(kind);
        (first..first + len)
            .filter(|&i| Some(i) != except)
            .max_by_key(|&i| (counts[i], std::cmp::Reverse(i)))
            .unwrap_or(first)
    };
    let e1 = argmax(&subj_count, Kind::Person, None);
    let x = argmax(&sells_in, Kind::Org, None);
    let e2 = argmax(&obj_count, Kind::Org, Some(x));
    let top_hot = (0..hot_count)
        .max_by_key(|&i| (hot_reports[i], std::cmp::Reverse(i)))
        .unwrap_or(0);
    let h = hot[top_hot];
    let hot_o = match h.o {
        Obj::Ent(o) => ents.names[o as usize].clone(),
        _ => String::new(),
    };
    let probes = json!({
        "facts": facts_written,
        "seed": args.seed,
        "lines": out.lines,
        "commits": tx,
        "articles": articles,
        "distinct_triples": distinct.len(),
        "aliases": aliases,
        "retractions": retractions,
        "entities": ents.names.len(),
        "events": articles as u64 + facts_written + retractions + aliases,
        "e1": ents.names[e1],
        "e1_subject_assertions": subj_count[e1],
        "e2": ents.names[e2],
        "e2_object_assertions": obj_count[e2],
        "x": ents.names[x],
        "x_sells_to_in": sells_in[x],
        "mid_tx": tx / 2,
        "s": ents.names[h.s as usize],
        "p": h.p.name(),
        "o": hot_o,
        "s_p_o_reports": hot_reports[top_hot],
        "prefix": "el",
    });
    let text = serde_json::to_string_pretty(&probes)?;
    eprintln!("{text}");
    std::fs::write(format!("{}.probes.json", args.out), text + "\n")?;
    Ok(())
}

fn string_hash(s: &str) -> u64 {
    // FNV-1a: stable across runs and platforms.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
