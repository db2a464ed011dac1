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

/// Votes for Person, Organization, Product, Place, Other (in this order).
pub type Votes = [f32; 5];

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
    "air",
    "airways",
    "aviation",
    "therapeutics",
    "biologics",
    "biotech",
    "biosciences",
    "sciences",
    "health",
    "healthcare",
    "medical",
    "genomics",
    "automation",
    "logistics",
    "compute",
    "computing",
    "chips",
    "analytics",
    "foods",
    "brands",
    "retail",
    "shipping",
    "transport",
    "railways",
    "construction",
    "chemicals",
    "materials",
    "steel",
    "metals",
    "games",
    "gaming",
    "interactive",
    "digital",
    "platforms",
    "payments",
    "credit",
    "trust",
    "consulting",
    "research",
    "laboratories",
    "pharmaceutique",
    "assurance",
    "industrie",
    "immobilier",
    "partenaires",
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
    "biotech",
    "publisher",
    "retailer",
    "automaker",
    "carmaker",
    "airline",
    "lender",
    "broker",
    "manufacturer",
    "startups",
    "companies",
    "firms",
    "societes",
    "entreprises",
    "magazine",
];

/// Last words of event names ("Dubai Airshow", "Sommet de Paris"): type Other.
const EVENT_SUFFIX: &[&str] = &[
    "airshow",
    "summit",
    "forum",
    "conference",
    "expo",
    "festival",
    "games",
    "cup",
    "olympics",
    "salon",
    "sommet",
    "week",
    "show",
    "fair",
    "championship",
    "prize",
    "award",
    "awards",
];

/// Words before a name that say it is a place: "based in", "basée à", "near".
const PLACE_PREV: &[&str] = &[
    "based in",
    "basee a",
    "base a",
    "installee a",
    "installe a",
    "headquartered in",
    "located in",
    "situee a",
    "situe a",
    "pres de",
    "near",
    "outside",
    "city of",
    "ville de",
    "region de",
    "suburb of",
    "implantee a",
    "implante a",
    "usine de",
    "plant in",
    "factory in",
    "usine a",
    "siege a",
    "offices in",
    "bureaux a",
    "supplier in",
    "maker in",
    "company in",
    "born in",
    "ne a",
    "nee a",
    "fonde a",
    "fondee a",
    "founded in",
];

/// Two words before a name that make it a person: a founder, a successor.
const PERSON_BY: &[&str] = &[
    "founded by",
    "co-founded by",
    "cofounded by",
    "fonde par",
    "fondee par",
    "cofonde par",
    "cofondee par",
    "replaced by",
    "succeeded by",
    "remplace par",
    "remplacee par",
    "succede a",
];

const PRODUCT_PREV: &[&str] = &[
    "flagship",
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
        return [0.0; 5];
    };
    let toks = &s.tokens;
    let w = |k: usize| -> &str { s.folded.get(k).map(String::as_str).unwrap_or("") };
    let mut v = [0.0f32; 5];
    let (first, last) = (w(m.tok_start), w(m.tok_end.saturating_sub(1)));
    let ntok = m.tok_end - m.tok_start;
    if ntok > 1 && EVENT_SUFFIX.contains(&last) {
        v[4] += 5.0;
    }
    if ORG_SUFFIX.contains(&last) && ntok > 1 {
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
    if ntok > 1 && r.firstnames.contains(first) {
        v[0] += 4.0;
    }
    // Neighbours before the name, up to a comma or another clause mark.
    let mut k = m.tok_start;
    let mut dist = 0;
    while k > 0 && dist < 5 {
        k -= 1;
        dist += 1;
        let Some(t) = toks.get(k) else {
            break;
        };
        let word = w(k);
        if t.kind == Kind::Punct && matches!(word, "," | ";" | ":" | "(" | ")" | ".") {
            break;
        }
        // Another name ends the window: its words describe it, not this one.
        if t.text(text).starts_with(char::is_uppercase) && k + 1 < m.tok_start {
            break;
        }
        if dist == 1 && PRODUCT_PREV.contains(&word) {
            v[2] += 3.0;
        }
        // "the new chip, called Helios X2", "un modèle baptisé …".
        if dist == 1
            && matches!(
                word,
                "called" | "named" | "dubbed" | "appele" | "appelee" | "baptise" | "baptisee"
            )
            && (k.saturating_sub(4)..k).any(|j| PRODUCT_PREV.contains(&w(j)))
        {
            // Not the company cue "la société appelée …" below.
            v[2] += 3.0;
            break;
        }
        if ORG_PREV.contains(&word) {
            v[1] += 3.0;
            break;
        }
        if dist <= 2 && PERSON_PREV.contains(&word) {
            // "PDG de X" names the company, "PDG X" the person.
            if dist == 2 && TITLE_OF.contains(&w(k + 1)) {
                v[1] += 3.0;
            } else if dist == 1 {
                v[0] += 3.0;
            }
            break;
        }
        if dist == 1 && TITLE_OF.contains(&word) && k > 0 && r.titles.contains_key(w(k - 1)) {
            v[1] += 3.0;
            break;
        }
    }
    // The two words before the name, for the cues below that are word pairs.
    let two_before = if m.tok_start >= 2 {
        format!("{} {}", w(m.tok_start - 2), w(m.tok_start - 1))
    } else {
        String::new()
    };
    // "founded by X", "remplacée par X": people found companies and succeed each other.
    if PERSON_BY.contains(&two_before.as_str()) {
        v[0] += 3.0;
    }
    // "Its chief technology officer, Dev Patel,": a title, a comma, the name.
    if m.tok_start >= 2
        && w(m.tok_start - 1) == ","
        && (r.titles.contains_key(w(m.tok_start - 2)) || PERSON_PREV.contains(&w(m.tok_start - 2)))
    {
        v[0] += 3.0;
    }
    // "its Nimbus-3 model", "Nvidia's H200 chips": a product noun right after a name
    // that follows a possessive or has a digit ("Apple phones" stays a company).
    if PRODUCT_PREV.contains(&w(m.tok_end))
        && (matches!(
            w(m.tok_start.saturating_sub(1)),
            "its" | "their" | "'s" | "son" | "sa" | "ses" | "leur" | "leurs"
        ) || m.surface.chars().any(|c| c.is_ascii_digit()))
    {
        v[2] += 3.0;
    }
    // "the flagship phone, the Kordia One": a product noun, a comma, an article.
    if m.tok_start >= 3
        && matches!(
            w(m.tok_start - 1),
            "the" | "le" | "la" | "l'" | "its" | "son" | "sa"
        )
        && w(m.tok_start - 2) == ","
        && PRODUCT_PREV.contains(&w(m.tok_start - 3))
    {
        v[2] += 3.0;
    }
    // Place cues: "based in X", "basée à X", "X-based", "X, China".
    if PLACE_PREV.contains(&two_before.as_str()) {
        v[3] += 4.0;
    }
    if m.tok_start >= 1 && PLACE_PREV.contains(&w(m.tok_start - 1)) {
        v[3] += 4.0;
    }
    // "fondé en 1921 à Florence", "founded in 1921 in Florence": a year, then "à" or
    // "in", then the name. ("à" is read as written: folded, it is also the verb "a".)
    if m.tok_start >= 2 {
        let prep = toks.get(m.tok_start - 1).map_or("", |t| t.text(text));
        let year = w(m.tok_start - 2);
        if matches!(prep, "à" | "in") && year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit())
        {
            v[3] += 4.0;
        }
    }
    if w(m.tok_end) == "-" && matches!(w(m.tok_end + 1), "based" | "base" | "basee") {
        v[3] += 4.0;
    }
    if w(m.tok_end) == "," {
        let after = w(m.tok_end + 1);
        if r.gazetteer
            .get(after)
            .is_some_and(|g| g.1 == EntityType::Country)
            && ntok == 1
        {
            v[3] += 3.0;
        }
    }
    // ", une société …", ", a Swiss biotech …": a company noun within a few words after
    // the comma (before the next punctuation).
    if w(m.tok_end) == ","
        && matches!(
            w(m.tok_end + 1),
            "une" | "un" | "l'" | "la" | "le" | "a" | "an" | "the"
        )
    {
        for k in m.tok_end + 2..m.tok_end + 6 {
            let x = w(k);
            if toks.get(k).is_none_or(|t| t.kind == Kind::Punct) {
                break;
            }
            if ORG_PREV.contains(&x) {
                // "…, the airline's chief executive" describes a person's role.
                if w(k + 1) != "'s" {
                    v[1] += 3.0;
                }
                break;
            }
        }
    }
    // Neighbours after: ", PDG de", ", fondateur", "'s CEO", "a déclaré".
    let next = w(m.tok_end);
    if next == "," {
        let a = w(m.tok_end + 1);
        let b = w(m.tok_end + 2);
        let c = w(m.tok_end + 3);
        let is_title = |x: &str| r.titles.contains_key(x) || PERSON_PREV.contains(&x);
        if is_title(a)
            || (matches!(a, "le" | "la" | "l'" | "the" | "un" | "une" | "a" | "an") && is_title(b))
            || is_title(&format!("{a} {b}"))
            || (matches!(b, "'s") && is_title(c))
        {
            v[0] += 3.0;
        }
        if matches!(a, "une" | "un" | "l'" | "la" | "a" | "the" | "an") && ORG_PREV.contains(&b) {
            v[1] += 3.0;
        }
        if matches!(a, "qui" | "who")
            && matches!(
                b,
                "dirige" | "leads" | "heads" | "runs" | "preside" | "chairs"
            )
        {
            v[0] += 3.0;
        }
    } else if next == "'s" {
        let a = w(m.tok_end + 1);
        if r.titles.contains_key(a) || matches!(a, "chief" | "shares" | "stock" | "board") {
            v[1] += 2.0;
        }
    } else if ntok > 1
        && matches!(
            next,
            "said" | "says" | "told" | "declare" | "explique" | "affirme"
        )
    {
        // Companies say things too; only a multi-word name leans Person.
        v[0] += 0.5;
    } else if r.titles.contains_key(next) && ntok == 1 {
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
        if v[3] == best && v[3] > v[1] && v[3] > v[0] {
            return EntityType::Place;
        }
        if v[4] == best {
            return EntityType::Other;
        }
        return EntityType::Organization;
    }
    // Without any cue, a name is an organization: people in news text come with a
    // given name the list knows, a title, an apposition or a speech verb.
    let _ = (ntok, acronym);
    EntityType::Organization
}

/// Sums votes per folded surface (one clear cue types every mention of a name).
pub fn votes_by_surface(doc: &Doc, mentions: &[Mention]) -> FxHashMap<String, Votes> {
    let mut map: FxHashMap<String, Votes> = FxHashMap::default();
    for m in mentions {
        let v = votes(doc, m);
        let e = map.entry(fold(&m.surface)).or_insert([0.0; 5]);
        for (a, b) in e.iter_mut().zip(v) {
            *a += b;
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use crate::extract::{extract_detailed, ArticleInput, NoGazetteer};
    use crate::value::EntityType;

    fn type_of(text: &str, name: &str) -> Option<EntityType> {
        let input = ArticleInput {
            text: text.into(),
            ..Default::default()
        };
        extract_detailed(&input, &NoGazetteer)
            .extraction
            .entities
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t)
    }

    #[test]
    fn cues_type_names() {
        assert_eq!(
            type_of("Tesla said the company will invest.", "Tesla"),
            Some(EntityType::Organization)
        );
        assert_eq!(
            type_of(
                "Shal Khan, fondateur de Borkhhan World, a parlé.",
                "Shal Khan"
            ),
            Some(EntityType::Person)
        );
        assert_eq!(
            type_of(
                "Shal Khan, fondateur de Borkhhan World, a parlé.",
                "Borkhhan World"
            ),
            Some(EntityType::Organization)
        );
        assert_eq!(
            type_of("Halvora, a Swiss biotech based in Basel, grew.", "Halvora"),
            Some(EntityType::Organization)
        );
        assert_eq!(
            type_of("The plant is near Wolfsburg, they said.", "Wolfsburg"),
            Some(EntityType::Place)
        );
        // A year then "à"/"in": where something was founded. "a" (has) is no cue.
        assert_eq!(
            type_of("Fondée en 1987 à Valbrune, la maison grandit.", "Valbrune"),
            Some(EntityType::Place)
        );
        assert_eq!(
            type_of("Founded in 1987 in Valbrune, Helio Group grew.", "Valbrune"),
            Some(EntityType::Place)
        );
        assert_eq!(
            type_of("En 1987 a Valbrune Systems grandi.", "Valbrune Systems"),
            Some(EntityType::Organization)
        );
        // Given names beyond the first list, and sentence adverbs that are no names.
        assert_eq!(
            type_of("Son directeur, Lorenzo Vitale, restera.", "Lorenzo Vitale"),
            Some(EntityType::Person)
        );
        assert_eq!(type_of("Separately, prices rose.", "Separately"), None);
        assert_eq!(
            type_of("The new chip, called Helios X2, ships in May.", "Helios X2"),
            Some(EntityType::Product)
        );
        assert_eq!(
            type_of("Its new phone, the Kordia One, sold poorly.", "Kordia One"),
            Some(EntityType::Product)
        );
        assert_eq!(
            type_of("Zentel was founded by Ikenna Obi in 2009.", "Ikenna Obi"),
            Some(EntityType::Person)
        );
        assert_eq!(
            type_of(
                "Its chief technology officer, Dev Patel, spoke.",
                "Dev Patel"
            ),
            Some(EntityType::Person)
        );
        assert_eq!(
            type_of(
                "Cerulean unveiled its Nimbus-3 model on Wednesday.",
                "Nimbus-3"
            ),
            Some(EntityType::Product)
        );
        assert_eq!(
            type_of("Elle vend les puces Blackwell en Chine.", "Blackwell"),
            Some(EntityType::Product)
        );
        assert_eq!(
            type_of("They met at the Dubai Airshow on Monday.", "Dubai Airshow"),
            Some(EntityType::Other)
        );
        assert_eq!(
            type_of("French President Emmanuel Macron spoke.", "Emmanuel Macron"),
            Some(EntityType::Person)
        );
        assert_eq!(
            type_of(
                "It competes with Google DeepMind and Mistral AI.",
                "Mistral AI"
            ),
            Some(EntityType::Organization)
        );
    }
}
