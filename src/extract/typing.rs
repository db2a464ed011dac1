//! Stage 5: typing — each mention gets an [`EntityType`].
//!
//! A name the knowledge base or a shipped list knows keeps that type, and so does a
//! name typed by its construction ("l'administration Trump" is an organization). Every
//! other mention collects votes from its own words and its neighbours:
//! - its last word is a company suffix ("Inc", "Corp", "Systems", "Group") or its first
//!   word an institutional head ("Banque", "University") → Organization;
//! - its first word is a common given name, or a person title precedes it ("M.", "Dr",
//!   "président", "le milliardaire") or follows it (", PDG de …", ", fondateur") → Person;
//! - a company noun precedes it ("la société …", "la société saoudienne appelée …",
//!   "PDG de …", "chez …", "company") → Organization;
//! - a product noun precedes it ("les puces …", "the chip …", "le modèle …") → Product.
//!
//! Votes are summed over every mention of the same folded name, then (after coref) over
//! the whole entity, so one clear cue types all its mentions. Without any vote, a
//! two- or three-word name is a Person and anything else an Organization: in business
//! news that is the usual case.

use rustc_hash::FxHashMap;

use super::mention::Mention;
use super::resources;
use super::token::Kind;
use super::Doc;
use crate::value::{fold, EntityType};

/// Votes for Person, Organization, Product (in this order).
pub type Votes = [f32; 3];

const ORG_SUFFIX: &[&str] = &[
    "inc",
    "corp",
    "corporation",
    "ltd",
    "llc",
    "plc",
    "sa",
    "ag",
    "gmbh",
    "co",
    "company",
    "compagnie",
    "group",
    "groupe",
    "systems",
    "technologies",
    "technology",
    "holding",
    "holdings",
    "capital",
    "partners",
    "ventures",
    "labs",
    "lab",
    "bank",
    "banque",
    "motors",
    "airlines",
    "airways",
    "pharma",
    "pharmaceuticals",
    "energy",
    "energies",
    "investments",
    "investment",
    "fund",
    "fonds",
    "foundation",
    "fondation",
    "institute",
    "institut",
    "university",
    "universite",
    "agency",
    "agence",
    "ministry",
    "ministere",
    "department",
    "commission",
    "council",
    "conseil",
    "association",
    "industries",
    "electronics",
    "semiconductor",
    "semiconductors",
    "networks",
    "software",
    "robotics",
    "media",
    "news",
    "post",
    "times",
    "journal",
    "press",
    "bancorp",
    "ai",
    "telecom",
    "telecoms",
    "mobile",
    "solutions",
    "services",
    "international",
    "global",
    "dynamics",
    "aerospace",
    "mining",
    "minerals",
    "resources",
    "petroleum",
    "oil",
    "gas",
    "power",
    "cloud",
    "data",
    "devices",
    "enterprises",
    "entreprises",
    "associates",
    "management",
    "securities",
    "finance",
    "financial",
    "insurance",
    "assurances",
    "automotive",
    "studios",
    "entertainment",
    "world",
];

const PERSON_PREV: &[&str] = &[
    "m",
    "mme",
    "mlle",
    "mr",
    "mrs",
    "ms",
    "dr",
    "president",
    "presidente",
    "ministre",
    "minister",
    "milliardaire",
    "billionaire",
    "senateur",
    "senator",
    "depute",
    "juge",
    "judge",
    "chancelier",
    "chancellor",
    "prince",
    "roi",
    "king",
    "reine",
    "queen",
    "sheikh",
    "cheikh",
    "pape",
    "pope",
    "general",
    "entrepreneur",
    "investisseur",
    "investor",
    "businessman",
    "businesswoman",
    "economiste",
    "economist",
    "analyste",
    "analyst",
    "journaliste",
    "journalist",
    "professeur",
    "professor",
    "fondateur",
    "founder",
    "cofondateur",
    "co-founder",
    "pdg",
    "ceo",
    "patron",
    "boss",
    "directeur",
    "director",
    "chairman",
    "dirigeant",
    "porte-parole",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "ambassadeur",
    "ambassador",
    "gouverneur",
    "governor",
    "secretaire",
    "secretary",
    "conseiller",
    "conseillere",
    "adviser",
    "advisor",
    "emir",
    "madame",
    "monsieur",
    "sir",
    "lord",
    "lady",
    "magnat",
    "mogul",
    "tycoon",
    "executive",
    "chief",
    "vice-president",
];

const ORG_PREV: &[&str] = &[
    "societe",
    "entreprise",
    "groupe",
    "firme",
    "start-up",
    "startup",
    "compagnie",
    "constructeur",
    "fabricant",
    "geant",
    "banque",
    "fonds",
    "cabinet",
    "company",
    "firm",
    "group",
    "maker",
    "giant",
    "rival",
    "concurrent",
    "chipmaker",
    "fund",
    "bank",
    "laboratoire",
    "lab",
    "agence",
    "agency",
    "journal",
    "quotidien",
    "newspaper",
    "regulateur",
    "regulator",
    "operateur",
    "operator",
    "editeur",
    "publisher",
    "assureur",
    "insurer",
    "appelee",
    "appele",
    "baptisee",
    "nommee",
    "called",
    "named",
    "investissement",
    "investment",
    "chez",
    "filiale",
    "subsidiary",
    "conglomerat",
    "conglomerate",
    "holding",
    "developpeur",
    "developer",
    "fournisseur",
    "supplier",
    "client",
    "customer",
    "marque",
    "brand",
    "plateforme",
    "studio",
    "media",
    "chaine",
    "channel",
    "partenaire",
    "partner",
    "unit",
    "division",
    "equipementier",
    "acquereur",
    "acquirer",
    "outlet",
    "magazine",
];

const PRODUCT_PREV: &[&str] = &[
    "puce",
    "puces",
    "chip",
    "chips",
    "processeur",
    "processeurs",
    "processor",
    "processors",
    "modele",
    "modeles",
    "model",
    "models",
    "smartphone",
    "smartphones",
    "logiciel",
    "software",
    "application",
    "app",
    "assistant",
    "chatbot",
    "voiture",
    "car",
    "avion",
    "satellite",
    "console",
    "gpu",
    "gpus",
    "accelerateur",
    "accelerator",
    "telephone",
    "phone",
    "vaccin",
    "vaccine",
    "medicament",
    "drug",
    "jeu",
    "game",
    "robot",
];

/// Words right before a name that say the name is an organization only when followed by
/// a preposition: "PDG de X", "CEO of X", "fondateur d'X".
const TITLE_OF: &[&str] = &["de", "d'", "du", "of", "at", "chez"];

/// Per-mention votes, from the words around it.
pub fn votes(doc: &Doc, m: &Mention) -> Votes {
    let r = resources::get();
    let text = doc.norm.text.as_str();
    let Some(s) = doc.sents.get(m.sent) else {
        return [0.0; 3];
    };
    let toks = &s.tokens;
    let w = |k: usize| toks.get(k).map(|t| fold(t.text(text))).unwrap_or_default();
    let mut v = [0.0f32; 3];
    let (first, last) = (w(m.tok_start), w(m.tok_end.saturating_sub(1)));
    let ntok = m.tok_end - m.tok_start;
    if ORG_SUFFIX.contains(&last.as_str()) && ntok > 1 {
        v[1] += 3.0;
    }
    if ntok > 1
        && m.surface
            .split_whitespace()
            .any(|x| super::mention::ORG_HEADS.contains(&fold(x).as_str()))
    {
        v[1] += 2.0;
    }
    if ntok == 1 && m.surface.chars().any(|c| c.is_ascii_digit()) {
        v[1] += 1.0;
    }
    if ntok > 1 && r.firstnames.contains(&first) {
        v[0] += 4.0;
    }
    // Neighbours before the name, up to a comma or another clause mark.
    let mut k = m.tok_start;
    let mut dist = 0;
    while k > 0 && dist < 5 {
        k -= 1;
        dist += 1;
        let t = &toks[k];
        let word = w(k);
        if t.kind == Kind::Punct && matches!(word.as_str(), "," | ";" | ":" | "(" | ")" | ".") {
            break;
        }
        // Another name ends the window: its words describe it, not this one.
        if t.text(text).starts_with(char::is_uppercase) && k + 1 < m.tok_start {
            break;
        }
        if dist == 1 && PRODUCT_PREV.contains(&word.as_str()) {
            v[2] += 3.0;
        }
        if ORG_PREV.contains(&word.as_str()) {
            v[1] += 3.0;
            break;
        }
        if dist <= 2 && PERSON_PREV.contains(&word.as_str()) {
            // "PDG de X" names the company, "PDG X" the person.
            if dist == 2 && TITLE_OF.contains(&w(k + 1).as_str()) {
                v[1] += 3.0;
            } else if dist == 1 {
                v[0] += 3.0;
            }
            break;
        }
        if dist == 1
            && TITLE_OF.contains(&word.as_str())
            && k > 0
            && r.titles.contains_key(&w(k - 1))
        {
            v[1] += 3.0;
            break;
        }
    }
    // Neighbours after: ", PDG de", ", fondateur", "'s CEO", "a déclaré".
    let next = w(m.tok_end);
    if next == "," {
        let a = w(m.tok_end + 1);
        let b = w(m.tok_end + 2);
        let c = w(m.tok_end + 3);
        let is_title = |x: &str| r.titles.contains_key(x) || PERSON_PREV.contains(&x);
        if is_title(&a)
            || (matches!(
                a.as_str(),
                "le" | "la" | "l'" | "the" | "un" | "une" | "a" | "an"
            ) && is_title(&b))
            || is_title(&format!("{a} {b}"))
            || (matches!(b.as_str(), "'s") && is_title(&c))
        {
            v[0] += 3.0;
        }
        if matches!(a.as_str(), "une" | "un" | "l'" | "la" | "a" | "the" | "an")
            && ORG_PREV.contains(&b.as_str())
        {
            v[1] += 3.0;
        }
        if matches!(a.as_str(), "qui" | "who")
            && matches!(
                b.as_str(),
                "dirige" | "leads" | "heads" | "runs" | "preside" | "chairs"
            )
        {
            v[0] += 3.0;
        }
    } else if next == "'s" {
        let a = w(m.tok_end + 1);
        if r.titles.contains_key(&a) || matches!(a.as_str(), "chief" | "shares" | "stock" | "board")
        {
            v[1] += 2.0;
        }
    } else if matches!(
        next.as_str(),
        "said" | "says" | "told" | "declare" | "explique" | "affirme"
    ) {
        v[0] += 0.5;
    } else if r.titles.contains_key(&next) && ntok == 1 {
        // "OpenAI CEO Sam Altman": a one-word name right before a title is the company.
        v[1] += 2.0;
    }
    v
}

/// Types from summed votes; `ntok` is the word count of the fullest name.
pub fn decide(v: Votes, ntok: usize, acronym: bool) -> EntityType {
    let best = v.iter().cloned().fold(0.0f32, f32::max);
    if best > 0.0 {
        if v[0] == best && v[0] > v[1] {
            return EntityType::Person;
        }
        if v[2] == best && v[2] > v[1] {
            return EntityType::Product;
        }
        return EntityType::Organization;
    }
    if (2..=3).contains(&ntok) && !acronym {
        EntityType::Person
    } else {
        EntityType::Organization
    }
}

/// Sums votes per folded surface (one clear cue types every mention of a name).
pub fn votes_by_surface(doc: &Doc, mentions: &[Mention]) -> FxHashMap<String, Votes> {
    let mut map: FxHashMap<String, Votes> = FxHashMap::default();
    for m in mentions {
        let v = votes(doc, m);
        let e = map.entry(fold(&m.surface)).or_insert([0.0; 3]);
        for (a, b) in e.iter_mut().zip(v) {
            *a += b;
        }
    }
    map
}
