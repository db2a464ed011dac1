//! Table-driven tests of `rules/relations.tsv`: each line is a sentence and the fact it
//! must yield. Adding a rule = one line in the rules file + one line here; the last test
//! checks that every rule of the file is exercised by some line of this table.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use annals::extract::{extract_detailed, relation, ArticleInput, NoGazetteer};
use annals::value::fold;

/// (language, sentence, subject, predicate, object). For `said`, the object is a part of
/// the quote.
const CASES: &[(&str, &str, &str, &str, &str)] = &[
    // @title
    ("en", "Helio Group's chief executive, John Carter, spoke on Monday.", "John Carter", "ceo_of", "Helio Group"),
    ("en", "Helio Group has appointed Laura Chen as chief executive, effective January 1.", "Laura Chen", "ceo_of", "Helio Group"),
    ("en", "Helio Group grew fast. The chief executive of the company, John Carter, spoke.", "John Carter", "ceo_of", "Helio Group"),
    ("fr", "Helio Group grandit vite. Le directeur général de la société, Marc Dubois, a parlé.", "Marc Dubois", "ceo_of", "Helio Group"),
    ("fr", "Andrew Valddman, PDG de Cerebras Systems, était présent.", "Andrew Valddman", "ceo_of", "Cerebras Systems"),
    ("fr", "Julie Martin, ministre de la France, a parlé.", "Julie Martin", "role_in", "France"),
    ("fr", "Helio Group sera désormais dirigée par Marie Dubois.", "Marie Dubois", "role_in", "Helio Group"),
    ("fr", "Julie Martin, ministre française, a parlé.", "Julie Martin", "role_in", "France"),
    ("fr", "Julie Martin, ministre saoudienne de l'Énergie, a parlé.", "Julie Martin", "role_in", "Saudi Arabia"),
    ("fr", "Paul Bernard, conseiller au sein de la Banque de France, a parlé.", "Paul Bernard", "role_in", "Banque de France"),
    ("fr", "Le PDG de Nordwind Systems, Paul Bernard, a parlé.", "Paul Bernard", "ceo_of", "Nordwind Systems"),
    ("fr", "Shal Khan, fondateur et PDG de la société d'investissement américaine \"Borkhhan World\", a parlé.", "Shal Khan", "founder_of", "Borkhhan World"),
    ("en", "Helio Group grew fast. The firm's founder, John Carter, spoke.", "John Carter", "founder_of", "Helio Group"),
    ("fr", "La ministre française Julie Martin a parlé.", "Julie Martin", "role_in", "France"),
    ("en", "OpenAI CEO Sam Altman spoke on Monday.", "Sam Altman", "ceo_of", "OpenAI"),
    ("en", "The German minister Julia Weber spoke on Monday.", "Julia Weber", "role_in", "Germany"),
    ("en", "Sam Altman, OpenAI's chief executive, spoke.", "Sam Altman", "ceo_of", "OpenAI"),
    ("en", "The chief executive of Nordwind Systems, John Carter, spoke.", "John Carter", "ceo_of", "Nordwind Systems"),
    ("en", "John Carter (chairman of Nordwind Systems) spoke.", "John Carter", "role_in", "Nordwind Systems"),
    ("en", "John Carter is the chief financial officer of Nordwind Systems.", "John Carter", "role_in", "Nordwind Systems"),
    ("fr", "Marie Dubois a été nommée directrice générale de Kestrel Labs.", "Marie Dubois", "ceo_of", "Kestrel Labs"),
    ("en", "John Carter was appointed chief executive of Kestrel Labs.", "John Carter", "ceo_of", "Kestrel Labs"),
    ("fr", "Kestrel Labs a nommé Marie Dubois au poste de directrice financière.", "Marie Dubois", "role_in", "Kestrel Labs"),
    ("en", "Kestrel Labs hired John Carter as chief technology officer.", "John Carter", "role_in", "Kestrel Labs"),
    // role_in, founder_of by verb
    ("fr", "Marie Dubois, qui dirige Helio Group, a parlé.", "Marie Dubois", "role_in", "Helio Group"),
    ("en", "John Carter leads Helio Group since 2020.", "John Carter", "role_in", "Helio Group"),
    ("fr", "Marie Dubois, qui a fondé Helio Group, a parlé.", "Marie Dubois", "founder_of", "Helio Group"),
    ("fr", "Marie Dubois a fondé Helio Group en 2015.", "Marie Dubois", "founder_of", "Helio Group"),
    ("en", "John Carter, who founded Helio Group, spoke.", "John Carter", "founder_of", "Helio Group"),
    ("fr", "Helio Group, fondée en 2015 par Marie Dubois, grandit.", "Marie Dubois", "founder_of", "Helio Group"),
    ("en", "Helio Group (founded by John Carter) grew.", "John Carter", "founder_of", "Helio Group"),
    ("en", "Helio Group was founded by John Carter in 2015.", "John Carter", "founder_of", "Helio Group"),
    // works_for, member_of, advisor_to
    ("en", "John Carter, who co-founded Helio Group in 2011, previously worked at Nordwind Systems.", "John Carter", "works_for", "Nordwind Systems"),
    ("en", "The firm's founder, John Carter, previously worked at Nordwind Systems.", "John Carter", "works_for", "Nordwind Systems"),
    ("fr", "Son président, Marc Dubois, a indiqué au Monde que la vente était conclue.", "Marc Dubois", "reported_by", "Le Monde"),
    ("en", "Helio Group is in talks to buy Nordwind Systems, people familiar with the matter said.", "Helio Group", "reported_by", "people familiar with the matter"),
    ("en", "Helio Group will cut jobs, according to a person familiar with the plans.", "Helio Group", "reported_by", "a person familiar with the plans"),
    ("en", "Sources close to the company said Helio Group would cut jobs.", "Helio Group", "reported_by", "Sources close to the company"),
    ("fr", "Helio Group va supprimer des emplois, selon deux personnes proches du dossier.", "Helio Group", "reported_by", "deux personnes proches du dossier"),
    ("fr", "Helio Group va supprimer des emplois, a indiqué une source proche de la direction.", "Helio Group", "reported_by", "une source proche de la direction"),
    ("en", "Helio Group will buy Nordwind Systems. Reuters reported on Tuesday.", "Helio Group", "reported_by", "Reuters"),
    ("fr", "Marie Dubois travaille chez Helio Group depuis 2019.", "Marie Dubois", "works_for", "Helio Group"),
    ("en", "John Carter works at Helio Group.", "John Carter", "works_for", "Helio Group"),
    ("fr", "Marie Dubois a rejoint Helio Group en mars.", "Marie Dubois", "works_for", "Helio Group"),
    ("en", "John Carter of Helio Group said the market was weak.", "John Carter", "works_for", "Helio Group"),
    ("fr", "Nordwind Systems est membre de la Fédération Bancaire Européenne.", "Nordwind Systems", "member_of", "Fédération Bancaire Européenne"),
    ("en", "Nordwind Systems joined the European Union Chamber.", "Nordwind Systems", "member_of", "European Union Chamber"),
    ("fr", "Nordwind Systems, membre de la Fédération Bancaire Européenne, proteste.", "Nordwind Systems", "member_of", "Fédération Bancaire Européenne"),
    ("en", "John Carter, who advises Helio Group, spoke.", "John Carter", "advisor_to", "Helio Group"),
    ("fr", "Paul Bernard, conseiller de Marie Dubois, a parlé.", "Paul Bernard", "advisor_to", "Marie Dubois"),
    ("en", "John Carter is an adviser to Helio Group.", "John Carter", "advisor_to", "Helio Group"),
    // headquartered_in, located_in
    ("en", "The Abu Dhabi-based G42 grew fast.", "G42", "headquartered_in", "Abu Dhabi"),
    ("en", "Helio Labs, a San Francisco startup, unveiled a model.", "Helio Labs", "headquartered_in", "San Francisco"),
    ("en", "The Nairobi-based startup Helio Pay raised $20 million.", "Helio Pay", "headquartered_in", "Nairobi"),
    ("fr", "Helio Group, basée à Lyon, recrute.", "Helio Group", "headquartered_in", "Lyon"),
    ("en", "Helio Group is headquartered in Austin.", "Helio Group", "headquartered_in", "Austin"),
    ("fr", "Helio Group, qui a le siège à Lyon, recrute.", "Helio Group", "headquartered_in", "Lyon"),
    ("fr", "Helio Group, dont le siège social est à Lyon, recrute.", "Helio Group", "headquartered_in", "Lyon"),
    ("en", "Helio Group, whose headquarters are in Austin, is hiring.", "Helio Group", "headquartered_in", "Austin"),
    ("fr", "Le siège de Helio Group se trouve à Lyon.", "Helio Group", "headquartered_in", "Lyon"),
    ("en", "Helio Group's headquarters in Austin closed.", "Helio Group", "headquartered_in", "Austin"),
    ("fr", "Le centre est à Abu Dhabi, aux Émirats arabes unis.", "Abu Dhabi", "located_in", "United Arab Emirates"),
    ("en", "Helio Bank is Europe's third-largest lender by assets.", "Helio Bank", "located_in", "Europe"),
    ("en", "Britain's Helio Authority must approve it.", "Helio Authority", "located_in", "United Kingdom"),
    ("fr", "Helio Group a signé un accord avec l'allemand Nordwind Systems.", "Nordwind Systems", "located_in", "Germany"),
    ("en", "The plant is in Shenzhen, China.", "Shenzhen", "located_in", "China"),
    ("en", "The plant is in Shenzhen (China).", "Shenzhen", "located_in", "China"),
    ("fr", "Le site est à Turin, dans le Piémont.", "Turin", "located_in", "Piedmont"),
    ("fr", "Fondée en 1998 à Lyon, Helio Group emploie 300 personnes.", "Helio Group", "located_in", "Lyon"),
    ("en", "Nordwind Systems, Europe's largest robot maker, grew.", "Nordwind Systems", "located_in", "Europe"),
    ("fr", "Une société saoudienne appelée \"Grand Maying Maying\" prendra le contrôle.", "Grand Maying Maying", "located_in", "Saudi Arabia"),
    ("fr", "Selon lui, Huawei - le concurrent chinois le plus éminent - progresse.", "Huawei", "located_in", "China"),
    ("fr", "Helio Group est une entreprise allemande.", "Helio Group", "located_in", "Germany"),
    ("fr", "Helio Group, une entreprise installée en Allemagne, recrute.", "Helio Group", "located_in", "Germany"),
    ("en", "Chinese giant Huawei grew.", "Huawei", "located_in", "China"),
    ("en", "Helio Group, a German engineering firm, grew.", "Helio Group", "located_in", "Germany"),
    ("en", "Helio Group is a German engineering firm.", "Helio Group", "located_in", "Germany"),
    ("en", "Helio Group of Germany grew.", "Helio Group", "located_in", "Germany"),
    // partner_of, agreement_with, competitor_of
    ("fr", "Un nouveau partenariat entre G42 et OpenAI a été signé.", "G42", "partner_of", "OpenAI"),
    ("en", "Helio Group and Nordwind Systems announced a partnership to build robots.", "Helio Group", "partner_of", "Nordwind Systems"),
    ("fr", "Helio Group s'est associé avec Nordwind Systems.", "Helio Group", "partner_of", "Nordwind Systems"),
    ("fr", "Helio Group collabore avec Nordwind Systems.", "Helio Group", "partner_of", "Nordwind Systems"),
    ("en", "Helio Group has partnered with Nordwind Systems.", "Helio Group", "partner_of", "Nordwind Systems"),
    ("fr", "Helio Group et Nordwind Systems ont annoncé un partenariat.", "Helio Group", "partner_of", "Nordwind Systems"),
    ("fr", "Helio Group a annoncé un partenariat stratégique avec Nordwind Systems.", "Helio Group", "partner_of", "Nordwind Systems"),
    ("fr", "Helio Group, partenaire de Nordwind Systems, grandit.", "Helio Group", "partner_of", "Nordwind Systems"),
    ("en", "Helio Group's partner Nordwind Systems grew.", "Helio Group", "partner_of", "Nordwind Systems"),
    ("en", "Helio Group and its partner Nordwind Systems grew.", "Helio Group", "partner_of", "Nordwind Systems"),
    ("fr", "Un accord signé l'année dernière entre Microsoft et G42 a fait date.", "Microsoft", "agreement_with", "G42"),
    ("fr", "Helio Group a aussi signé un mémorandum d'entente avec la société française Nordwind Systems.", "Helio Group", "agreement_with", "Nordwind Systems"),
    ("fr", "Helio Group a signé un accord avec Nordwind Systems.", "Helio Group", "agreement_with", "Nordwind Systems"),
    ("en", "Helio Group signed a supply agreement with Nordwind Systems.", "Helio Group", "agreement_with", "Nordwind Systems"),
    ("en", "Helio Group and Nordwind Systems have reached a deal.", "Helio Group", "agreement_with", "Nordwind Systems"),
    ("en", "Helio Group is in talks over a deal with Nordwind Systems.", "Helio Group", "agreement_with", "Nordwind Systems"),
    ("fr", "Helio Group, concurrent de Nordwind Systems, grandit.", "Helio Group", "competitor_of", "Nordwind Systems"),
    ("fr", "Le groupe chinois Helio Group est le principal concurrent de Nordwind Systems.", "Helio Group", "competitor_of", "Nordwind Systems"),
    ("en", "Helio Group, which competes with Nordwind Systems, declined to comment.", "Helio Group", "competitor_of", "Nordwind Systems"),
    ("fr", "Helio Group, le grand rival de Nordwind Systems, grandit.", "Helio Group", "competitor_of", "Nordwind Systems"),
    ("en", "Helio Group's rival Nordwind Systems grew.", "Helio Group", "competitor_of", "Nordwind Systems"),
    ("en", "Helio Group competes with Nordwind Systems.", "Helio Group", "competitor_of", "Nordwind Systems"),
    ("en", "Rivals of Helio Group such as Nordwind Systems grew.", "Helio Group", "competitor_of", "Nordwind Systems"),
    // sells_to, buys_from
    ("en", "Nordwind Systems, which supplies Helio Group, declined to comment.", "Nordwind Systems", "sells_to", "Helio Group"),
    ("fr", "Nordwind Systems, qui équipe Helio Group, n'a pas commenté.", "Nordwind Systems", "sells_to", "Helio Group"),
    ("fr", "Helio Group va vendre des puces à Nordwind Systems.", "Helio Group", "sells_to", "Nordwind Systems"),
    ("en", "Helio Group sold chips to Nordwind Systems.", "Helio Group", "sells_to", "Nordwind Systems"),
    ("en", "Helio Group supplies Nordwind Systems with chips.", "Helio Group", "sells_to", "Nordwind Systems"),
    ("fr", "Helio Group, fournisseur de Nordwind Systems, grandit.", "Helio Group", "sells_to", "Nordwind Systems"),
    ("en", "Helio Group is a key supplier to Nordwind Systems.", "Helio Group", "sells_to", "Nordwind Systems"),
    ("fr", "Nordwind Systems est un client de Helio Group.", "Helio Group", "sells_to", "Nordwind Systems"),
    ("fr", "Nordwind Systems achète des batteries auprès de Helio Group.", "Nordwind Systems", "buys_from", "Helio Group"),
    ("en", "Nordwind Systems bought batteries from Helio Group.", "Nordwind Systems", "buys_from", "Helio Group"),
    ("fr", "Nordwind Systems a l'intention d'acheter des batteries Helio Group.", "Nordwind Systems", "buys_from", "Helio Group"),
    // invests_in
    ("fr", "Helio Group investit massivement dans Nordwind Systems.", "Helio Group", "invests_in", "Nordwind Systems"),
    ("en", "Microsoft, which has invested $13 billion in Helio Labs, declined to comment.", "Microsoft", "invests_in", "Helio Labs"),
    ("en", "Helio Labs has raised $1.2 billion from investors including Nordwind Capital and Valbrune Ventures.", "Valbrune Ventures", "invests_in", "Helio Labs"),
    ("en", "Helio Labs has raised $1.2 billion from investors including Nordwind Capital and Valbrune Ventures.", "Nordwind Capital", "invests_in", "Helio Labs"),
    ("fr", "Helio Group, qui est soutenue par le fonds souverain Nordwind Capital, grandit.", "Nordwind Capital", "invests_in", "Helio Group"),
    ("en", "Helio Group raised money this year. The round was led by Nordwind Capital.", "Nordwind Capital", "invests_in", "Helio Group"),
    ("en", "Helio Group raised $50 million in a funding round led by Nordwind Capital.", "Nordwind Capital", "invests_in", "Helio Group"),
    ("fr", "Helio Group a levé 50 millions d'euros auprès du fonds Nordwind Capital.", "Nordwind Capital", "invests_in", "Helio Group"),
    ("en", "Helio Group invested heavily in Nordwind Systems.", "Helio Group", "invests_in", "Nordwind Systems"),
    ("en", "The Helio Group-backed Nordwind Systems grew.", "Helio Group", "invests_in", "Nordwind Systems"),
    ("fr", "Nordwind Systems, soutenue par Helio Group, grandit.", "Helio Group", "invests_in", "Nordwind Systems"),
    ("fr", "L'investissement de Helio Group dans Nordwind Systems est important.", "Helio Group", "invests_in", "Nordwind Systems"),
    ("fr", "Nordwind Systems a levé 20 millions d'euros auprès de Helio Group.", "Helio Group", "invests_in", "Nordwind Systems"),
    ("en", "Nordwind Systems raised $20m from Helio Group.", "Helio Group", "invests_in", "Nordwind Systems"),
    ("en", "Helio Group's investment in Nordwind Systems grew.", "Helio Group", "invests_in", "Nordwind Systems"),
    // acquires
    ("fr", "Helio Group a finalisé lundi l'acquisition du fabricant danois Nordwind Systems.", "Helio Group", "acquires", "Nordwind Systems"),
    ("en", "Nordwind Systems was sold to Helio Group in 2020.", "Helio Group", "acquires", "Nordwind Systems"),
    ("fr", "Nordwind Systems a été cédée au fonds Helio Capital.", "Helio Capital", "acquires", "Nordwind Systems"),
    ("fr", "Selon Le Monde, Helio Group envisage aussi de racheter l'allemand Nordwind Systems.", "Helio Group", "acquires", "Nordwind Systems"),
    ("fr", "Le groupe Valbrune a cédé sa filiale Nordwind Systems au fonds Helio Capital.", "Helio Capital", "acquires", "Nordwind Systems"),
    ("en", "Helio Group completed the acquisition of Danish robot maker Nordwind Systems.", "Helio Group", "acquires", "Nordwind Systems"),
    ("fr", "Le rachat du fabricant danois Nordwind Systems par Helio Group est bouclé.", "Helio Group", "acquires", "Nordwind Systems"),
    ("fr", "Helio Group a racheté Nordwind Systems.", "Helio Group", "acquires", "Nordwind Systems"),
    ("fr", "Helio Group va prendre le contrôle de Nordwind Systems.", "Helio Group", "acquires", "Nordwind Systems"),
    ("fr", "Helio Group a acheté le Nordwind Systems.", "Helio Group", "acquires", "Nordwind Systems"),
    ("en", "Helio Group acquired Nordwind Systems last year.", "Helio Group", "acquires", "Nordwind Systems"),
    ("en", "Helio Group agreed to buy Nordwind Systems.", "Helio Group", "acquires", "Nordwind Systems"),
    ("fr", "Le rachat de Nordwind Systems par Helio Group est bouclé.", "Helio Group", "acquires", "Nordwind Systems"),
    ("en", "Helio Group's takeover of Nordwind Systems closed.", "Helio Group", "acquires", "Nordwind Systems"),
    ("fr", "Nordwind Systems, rachetée en 2020 par Helio Group, grandit.", "Helio Group", "acquires", "Nordwind Systems"),
    ("en", "Nordwind Systems was acquired by Helio Group.", "Helio Group", "acquires", "Nordwind Systems"),
    // owns, subsidiary_of
    ("fr", "Helio Group détient désormais Nordwind Systems.", "Helio Group", "owns", "Nordwind Systems"),
    ("fr", "Le fonds Helio Capital est entré au capital de Nordwind Systems.", "Helio Capital", "owns", "Nordwind Systems"),
    ("fr", "Le groupe Valbrune a cédé sa filiale Nordwind Systems au fonds Helio Capital.", "Valbrune", "owns", "Nordwind Systems"),
    ("en", "Helio Group is owned at 60% by Nordwind Capital.", "Nordwind Capital", "owns", "Helio Group"),
    ("en", "Helio Group said on Monday it would buy a 20% stake in Nordwind Systems.", "Helio Group", "owns", "Nordwind Systems"),
    ("fr", "Helio Group va prendre une participation de 20 % dans Nordwind Systems.", "Helio Group", "owns", "Nordwind Systems"),
    ("en", "Nordwind Capital, Helio Group's largest shareholder, sold shares.", "Nordwind Capital", "owns", "Helio Group"),
    ("fr", "Nordwind Systems, détenue par Helio Group, grandit.", "Helio Group", "owns", "Nordwind Systems"),
    ("en", "Nordwind Systems is owned by Helio Group.", "Helio Group", "owns", "Nordwind Systems"),
    ("en", "Helio Group, the largest shareholder of Nordwind Systems, voted.", "Helio Group", "owns", "Nordwind Systems"),
    ("en", "Helio Group took a 10% stake in Nordwind Systems.", "Helio Group", "owns", "Nordwind Systems"),
    ("fr", "Nordwind Systems, filiale de Helio Group, grandit.", "Nordwind Systems", "subsidiary_of", "Helio Group"),
    ("en", "Nordwind Systems, a software unit of Helio Group, grew.", "Nordwind Systems", "subsidiary_of", "Helio Group"),
    ("en", "Nordwind Systems is a subsidiary of Helio Group.", "Nordwind Systems", "subsidiary_of", "Helio Group"),
    ("en", "Helio Group's subsidiary Nordwind Systems grew.", "Nordwind Systems", "subsidiary_of", "Helio Group"),
    ("en", "Helio Group, the parent company of Nordwind Systems, grew.", "Nordwind Systems", "subsidiary_of", "Helio Group"),
    ("fr", "La filiale logicielle de Helio Group, Nordwind Systems, grandit.", "Nordwind Systems", "subsidiary_of", "Helio Group"),
    // approves, restricts
    ("fr", "La Commission européenne a approuvé le rachat de Nordwind Systems.", "European Commission", "approves", "Nordwind Systems"),
    ("fr", "Helio Group a obtenu l'autorisation de l'administration américaine pour importer des puces.", "United States", "approves", "Helio Group"),
    ("fr", "La Commission européenne a donné son feu vert au rachat de Nordwind Systems par Helio Group.", "European Commission", "approves", "Helio Group"),
    ("en", "Helio Group agreed to buy Nordwind Systems. The deal is subject to approval by the European Commission.", "European Commission", "approves", "Helio Group"),
    ("fr", "La Commission européenne a donné son feu vert à Nordwind Systems.", "European Commission", "approves", "Nordwind Systems"),
    ("en", "The European Commission approved the Nordwind Systems deal.", "European Commission", "approves", "Nordwind Systems"),
    ("en", "Nordwind Systems received approval from the European Commission.", "European Commission", "approves", "Nordwind Systems"),
    ("fr", "Les États-Unis ont imposé des restrictions à l'exportation vers la Chine.", "United States", "restricts", "China"),
    ("en", "The Commerce Department last year barred Helio Chips from selling to China.", "Commerce Department", "restricts", "Helio Chips"),
    ("en", "The Chinese government has banned exports of gallium to the United States.", "China", "restricts", "United States"),
    ("fr", "Le gouvernement chinois a interdit les exportations de gallium vers les États-Unis.", "China", "restricts", "United States"),
    ("en", "The United States imposed export controls on China.", "United States", "restricts", "China"),
    ("fr", "Les États-Unis ont interdit Huawei.", "United States", "restricts", "Huawei"),
    ("en", "The United States banned Huawei in 2019.", "United States", "restricts", "Huawei"),
    ("en", "The United States added Huawei to its entity list.", "United States", "restricts", "Huawei"),
    ("en", "In 2019 Huawei was sanctioned by the United States.", "United States", "restricts", "Huawei"),
    // said
    ("en", "\"We will double output,\" Helio Group chief executive John Carter told reporters.", "John Carter", "said", "double output"),
    ("en", "The move is \"a clear signal to investors\", according to Maria Costa.", "Maria Costa", "said", "a clear signal"),
    ("fr", "Marie Dubois s'est dite « très confiante pour la suite des opérations ».", "Marie Dubois", "said", "très confiante"),
    ("fr", "Le patron de Helio Group, Marc Dubois, juge que le marché va se redresser.", "Marc Dubois", "said", "le marché va se redresser"),
    ("fr", "Le président de Helio Group, Marie Dubois, a déclaré que les puces seront livrées en mai.", "Marie Dubois", "said", "les puces seront livrées"),
    ("en", "\"This is a good deal for our customers,\" said Helio Group chief executive John Carter.", "John Carter", "said", "a good deal"),
    ("fr", "Marie Dubois a quitté la réunion. Selon elle, la production doublera d'ici deux ans.", "Marie Dubois", "said", "la production doublera"),
    ("en", "John Carter left the meeting. According to him, output will double within two years.", "John Carter", "said", "output will double"),
    ("en", "Analysts at Helio Group estimate that demand will fall by a fifth.", "Helio Group", "said", "demand will fall"),
    ("fr", "Marie Dubois a déclaré : \"Nous allons doubler la production cette année.\"", "Marie Dubois", "said", "doubler la production"),
    ("en", "John Carter said: \"We will double production this year.\"", "John Carter", "said", "double production"),
    ("fr", "\"Nous allons doubler la production cette année\", a déclaré Marie Dubois.", "Marie Dubois", "said", "doubler la production"),
    ("en", "\"We will double production this year,\" said John Carter.", "John Carter", "said", "double production"),
    ("en", "\"We will double production this year,\" John Carter said.", "John Carter", "said", "double production"),
    ("fr", "\"Nous allons doubler la production cette année\", selon Marie Dubois.", "Marie Dubois", "said", "doubler la production"),
    ("fr", "Marie Dubois a parlé.\nElle a ajouté : \"Nous allons doubler la production cette année.\"", "Marie Dubois", "said", "doubler la production"),
    ("fr", "Marie Dubois a parlé.\n\"Nous allons doubler la production cette année\", a-t-elle ajouté.", "Marie Dubois", "said", "doubler la production"),
    ("en", "John Carter spoke.\nHe added: \"We will double production this year.\"", "John Carter", "said", "double production"),
    ("en", "John Carter spoke.\n\"We will double production this year,\" he added.", "John Carter", "said", "double production"),
    ("fr", "Marie Dubois a déclaré que la production allait doubler.", "Marie Dubois", "said", "la production allait doubler"),
    ("fr", "Marie Dubois estime que la production va doubler.", "Marie Dubois", "said", "la production va doubler"),
    ("en", "John Carter told analysts that production would double.", "John Carter", "said", "production would double"),
    ("en", "John Carter said production would double.", "John Carter", "said", "production would double"),
    ("fr", "Sam Winter Levy, chercheur à la Carnegie Endowment, a commenté :\n\"Nous avons passé un demi-siècle à réduire notre dépendance.\"", "Sam Winter Levy", "said", "un demi-siècle"),
    // reported_by
    ("en", "John Carter said in interview with Bloomberg that prices would rise.", "John Carter", "reported_by", "Bloomberg"),
    ("fr", "Marie Dubois, directrice de Helio Group, l'a dit lors d'un entretien au Monde.", "Marie Dubois", "reported_by", "Le Monde"),
    ("fr", "Selon le Washington Post, Helio Group va racheter Nordwind Systems.", "Helio Group", "reported_by", "Washington Post"),
    ("en", "According to Reuters, Helio Group will buy Nordwind Systems.", "Helio Group", "reported_by", "Reuters"),
    ("fr", "Helio Group va racheter Nordwind Systems.\nLe Financial Times a été le premier à révéler ce projet.", "Helio Group", "reported_by", "Financial Times"),
    ("en", "Helio Group will buy Nordwind Systems.\nThe Financial Times was first to report the plan.", "Helio Group", "reported_by", "Financial Times"),
    ("fr", "Helio Group va racheter Nordwind Systems.\nLe Financial Times a révélé ce projet.", "Helio Group", "reported_by", "Financial Times"),
    ("fr", "Helio Group va racheter Nordwind Systems.\nLe Financial Times révèle ce projet.", "Helio Group", "reported_by", "Financial Times"),
    ("en", "Helio Group will buy Nordwind Systems, Bloomberg reported.", "Helio Group", "reported_by", "Bloomberg"),
    ("fr", "Ce projet de Helio Group a été révélé par Les Echos.", "Helio Group", "reported_by", "Les Échos"),
    ("fr", "Marie Dubois a déclaré au Monde que le projet avançait.", "Marie Dubois", "reported_by", "Le Monde"),
    ("fr", "Marie Dubois, dans un entretien accordé au Figaro, défend le projet.", "Marie Dubois", "reported_by", "Le Figaro"),
    ("en", "John Carter told Bloomberg the plan was on track.", "John Carter", "reported_by", "Bloomberg"),
    ("en", "John Carter said in an interview with Reuters that the plan was on track.", "John Carter", "reported_by", "Reuters"),
    // amount
    ("fr", "Helio Group a racheté Nordwind Systems pour 1,5 milliard d'euros.", "Helio Group", "amount", "1500000000 EUR"),
    ("en", "Microsoft, which has invested $13 billion in Helio Labs, declined to comment.", "Microsoft", "amount", "13000000000 USD"),
    ("en", "The deal values Nordwind Systems at $4 billion.", "Nordwind Systems", "amount", "4000000000 USD"),
    ("en", "Helio Bank agreed to pay $300 million to settle the case.", "Helio Bank", "amount", "300000000 USD"),
    ("fr", "Helio Group a signé avec Nordwind Systems. L'accord vaut 2 milliards de dollars.", "Helio Group", "amount", "2000000000 USD"),
    ("en", "Helio Group acquired Nordwind Systems for $1.5bn.", "Helio Group", "amount", "1500000000 USD"),
    ("fr", "Helio Group investira 500 millions de dollars dans ses usines.", "Helio Group", "amount", "500000000 USD"),
    ("en", "Helio Group will invest €200m in new plants.", "Helio Group", "amount", "200000000 EUR"),
    ("fr", "Nordwind Systems a levé 20 millions d'euros.", "Nordwind Systems", "amount", "20000000 EUR"),
    ("en", "Nordwind Systems raised $20m in May.", "Nordwind Systems", "amount", "20000000 USD"),
    ("en", "Helio Group reported revenue of £11bn last year.", "Helio Group", "amount", "11000000000 GBP"),
    ("en", "Nordwind Systems is now valued at $2 billion.", "Nordwind Systems", "amount", "2000000000 USD"),
    ("fr", "Helio Group versera 3 millions d'euros à ses salariés.", "Helio Group", "amount", "3000000 EUR"),
    ("en", "Helio Group paid $3m to settle.", "Helio Group", "amount", "3000000 USD"),
    ("fr", "Helio Group a signé un contrat de 9 milliards de dollars avec la Chine.", "Helio Group", "amount", "9000000000 USD"),
    ("en", "Helio Group signed a deal worth $9 billion with China.", "Helio Group", "amount", "9000000000 USD"),
    ("en", "Helio Group signed a $9 billion deal with China.", "Helio Group", "amount", "9000000000 USD"),
    // added with the second batch of rules
    ("en", "Quillon Media, the London-based publisher, grew.", "Quillon Media", "headquartered_in", "London"),
    ("en", "Kestrel Robotics grew as the Boston-based company expanded.", "Kestrel Robotics", "headquartered_in", "Boston"),
    ("en", "Halvora, a Swiss biotech based in Basel, grew.", "Halvora", "headquartered_in", "Basel"),
    ("en", "Vinter Automation, which is headquartered in Aarhus, grew.", "Vinter Automation", "headquartered_in", "Aarhus"),
    ("en", "Zhejiang Pharma, a supplier in Hangzhou, grew.", "Zhejiang Pharma", "located_in", "Hangzhou"),
    ("en", "The United Kingdom's media regulator Ofcom opened a review.", "Ofcom", "located_in", "United Kingdom"),
    ("en", "The US Food and Drug Administration approved it.", "Food and Drug Administration", "located_in", "United States"),
    ("fr", "Tesla achète auprès de Panasonic, son partenaire historique au Japon.", "Panasonic", "located_in", "Japan"),
    ("en", "Halvora developed the drug with its partner Kyoto Biologics.", "Halvora", "partner_of", "Kyoto Biologics"),
    ("fr", "Tesla achète des cellules auprès de Panasonic, son partenaire historique.", "Tesla", "partner_of", "Panasonic"),
    ("fr", "Lisa Moreau, analyste chez Brightline Capital, estime que la demande ne faiblira pas.", "Lisa Moreau", "said", "la demande ne faiblira pas"),
    ("en", "Halvora's chief executive, Thomas Brandt, said the company expected growth.", "Thomas Brandt", "said", "the company expected growth"),
    ("fr", "Pour Claire Lefèvre, économiste chez Oddo BHF, l'annonce est destinée aux marchés.", "Claire Lefèvre", "said", "l'annonce est destinée aux marchés"),
    ("en", "John Carter, the chief executive, said on Monday that the plan was on track.", "John Carter", "said", "the plan was on track"),
    ("fr", "Pour Claire Lefèvre, l'annonce est destinée aux marchés.", "Claire Lefèvre", "said", "l'annonce est destinée aux marchés"),
    ("fr", "Claire Lefèvre a parlé.\nElle estime que l'annonce est destinée aux marchés.", "Claire Lefèvre", "said", "l'annonce est destinée aux marchés"),
    ("en", "Priya Raman spoke.\nShe said the company would not change its line.", "Priya Raman", "said", "the company would not change its line"),
    ("en", "\"Vinter gives us the software layer we were missing,\" Megan Ortiz, chief executive of Kestrel Robotics, told analysts.", "Megan Ortiz", "said", "the software layer"),
    ("fr", "Sophie Garnier a déclaré que l'acquisition permettrait « de doubler notre présence dans la région ».", "Sophie Garnier", "said", "doubler notre présence"),
    ("fr", "La Banque Ardent a annoncé hier le rachat de Crédit Solène.", "Banque Ardent", "acquires", "Crédit Solène"),
    ("en", "Helio Group announced the acquisition of Nordwind Systems.", "Helio Group", "acquires", "Nordwind Systems"),
    ("en", "Kestrel Robotics said yesterday it had agreed to buy Vinter Automation.", "Kestrel Robotics", "acquires", "Vinter Automation"),
    ("fr", "Helio Group a annoncé qu'il allait racheter Nordwind Systems.", "Helio Group", "acquires", "Nordwind Systems"),
    ("fr", "Helio Group a annoncé le rachat de Nordwind Systems, une société lyonnaise, pour 200 millions d'euros.", "Helio Group", "amount", "200000000 EUR"),
    ("fr", "Tesla a annoncé que le constructeur allait investir 5 milliards de dollars.", "Tesla", "amount", "5000000000 USD"),
    ("en", "Tesla said the company will invest $5 billion.", "Tesla", "amount", "5000000000 USD"),
    ("en", "Halvora will pay Kyoto Biologics $45m in milestone payments.", "Halvora", "amount", "45000000 USD"),
    ("en", "Halvora's chief executive said the company expected sales of $500 million.", "Halvora", "amount", "500000000 USD"),
    ("en", "Quillon Media, a subsidiary of the Dutch group Verhoeven Holdings, grew.", "Quillon Media", "subsidiary_of", "Verhoeven Holdings"),
    ("fr", "Crédit Solène, filiale du groupe mutualiste Oriane, grandit.", "Crédit Solène", "subsidiary_of", "Oriane"),
    ("en", "Vinter Automation will keep its brand and become a subsidiary of Kestrel Robotics.", "Vinter Automation", "subsidiary_of", "Kestrel Robotics"),
    ("fr", "Le groupe Oriane, qui détenait 100 % de Crédit Solène, vend.", "Oriane", "owns", "Crédit Solène"),
    ("en", "Verhoeven Holdings still owns 30% of Quillon.", "Verhoeven Holdings", "owns", "Quillon"),
    ("en", "Elon Mask has taken a 9% stake in Quillon Media.", "Elon Mask", "owns", "Quillon Media"),
    ("en", "Its founder, Lars Holm, will join Kestrel Robotics's board.", "Lars Holm", "role_in", "Kestrel Robotics"),
    ("fr", "Marie Dubois rejoindra le conseil d'administration de Helio Group.", "Marie Dubois", "role_in", "Helio Group"),
    ("en", "Kestrel Robotics grew fast since it was founded by Megan Ortiz in 2014.", "Megan Ortiz", "founder_of", "Kestrel Robotics"),
    ("fr", "La Banque Ardent rachète Crédit Solène.\nL'opération doit encore être approuvée par la Banque centrale européenne.", "European Central Bank", "approves", "Banque Ardent"),
    ("en", "Kestrel Robotics buys Vinter Automation.\nThe European Commission still has to approve the transaction.", "European Commission", "approves", "Kestrel Robotics"),
    ("fr", "La Banque Ardent rachète Crédit Solène.\nLa Banque de France a déjà donné son feu vert à l'opération.", "Banque de France", "approves", "Banque Ardent"),
    ("fr", "Le département du Commerce a approuvé les exportations, a indiqué le Financial Times.", "Commerce Department", "reported_by", "Financial Times"),
    ("fr", "Tesla négocie aussi avec le groupe chinois CATL pour l'achat de batteries.", "Tesla", "buys_from", "CATL"),
    ("en", "Kestrel Robotics competes with Ocado and Symbotic.", "Kestrel Robotics", "competitor_of", "Symbotic"),
    // third batch
    ("en", "Lumen Labs raised money.\nNvidia and the French state bank Bpifrance also took part in the round.", "Bpifrance", "invests_in", "Lumen Labs"),
    ("en", "Lumen Labs has raised €600 million in a funding round led by General Catalyst.", "General Catalyst", "invests_in", "Lumen Labs"),
    ("en", "Lumen Labs raised money, valuing it at €5.8 billion.", "Lumen Labs", "amount", "5800000000 EUR"),
    ("en", "Sahra Airways ordered jets in a deal valued at $12 billion.", "Sahra Airways", "amount", "12000000000 USD"),
    ("en", "French President Emmanuel Macron welcomed the deal, calling Lumen Labs \"a French success story\".", "Emmanuel Macron", "said", "a French success story"),
    ("en", "Airbus chief commercial officer Christian Scherer called the deal a vote of confidence.", "Christian Scherer", "said", "a vote of confidence"),
    ("en", "Emir Air placed a similar order with Boeing.", "Emir Air", "buys_from", "Boeing"),
    ("en", "Sahra Airways has ordered 40 wide-body jets from Airbus.", "Sahra Airways", "buys_from", "Airbus"),
    ("en", "Sahra Airways is owned by the government of Qatar.", "Qatar", "owns", "Sahra Airways"),
    ("en", "Gulf carrier Sahra Airways has ordered jets.", "Sahra Airways", "located_in", "Gulf"),
    ("en", "Sahra Airways' rival Emir Air placed an order.", "Sahra Airways", "competitor_of", "Emir Air"),
    ("fr", "Orvania a signé un protocole d'accord avec l'équipementier finlandais Nokia.", "Orvania", "agreement_with", "Nokia"),
    ("fr", "La société Huawei, longtemps le principal fournisseur d'Orvania, a été écartée.", "Huawei", "sells_to", "Orvania"),
    ("fr", "Aminata Diallo, analyste, parle.\n\"Les opérateurs ne veulent plus prendre de risque\", estime-t-elle.", "Aminata Diallo", "said", "ne veulent plus"),
    ("fr", "Orvania a racheté l'an dernier le fournisseur d'accès ivoirien NetCI pour 120 millions d'euros.", "Orvania", "acquires", "NetCI"),
    ("fr", "Orvania a racheté l'an dernier le fournisseur d'accès ivoirien NetCI pour 120 millions d'euros.", "Orvania", "amount", "120000000 EUR"),
    ("en", "Lumen Labs, the Paris-based developer of language models, has raised €600 million.", "Lumen Labs", "amount", "600000000 EUR"),
];

fn run(lang: &str, text: &str) -> annals::extract::Detailed {
    let input = ArticleInput {
        language: Some(lang.to_string()),
        text: text.to_string(),
        origin: "test".to_string(),
        ..Default::default()
    };
    extract_detailed(&input, &NoGazetteer)
}

#[test]
fn every_case_yields_its_fact() {
    let mut failures = Vec::new();
    for (lang, text, s, p, o) in CASES {
        let d = run(lang, text);
        let ok = d.extraction.facts.iter().any(|f| {
            let obj = f.object.to_string();
            let obj_ok = if *p == "said" {
                fold(&obj).contains(&fold(o))
            } else {
                fold(&obj) == fold(o)
            };
            fold(&f.subject) == fold(s) && f.predicate == *p && obj_ok
                || matches!(*p, "partner_of" | "agreement_with" | "competitor_of")
                    && f.predicate == *p
                    && fold(&f.subject) == fold(o)
                    && fold(&obj) == fold(s)
        });
        if !ok {
            let got: Vec<String> = d
                .extraction
                .facts
                .iter()
                .map(|f| format!("{} {} {}", f.subject, f.predicate, f.object))
                .collect();
            failures.push(format!(
                "{text}\n   want {s} {p} {o}\n   got  {got:?}\n   tpl  {:?}",
                d.templates
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn facts_carry_evidence_version_and_confidence() {
    let text = "Hier, Andrew Valddman, PDG de Cerebras Systems, était à Paris.";
    let d = run("fr", text);
    let f = d
        .extraction
        .facts
        .iter()
        .find(|f| f.predicate == "ceo_of")
        .unwrap();
    let ev = f.support.evidence.as_ref().unwrap();
    let chars: Vec<char> = text.chars().collect();
    let span: String = chars[ev.start as usize..ev.end as usize].iter().collect();
    assert_eq!(span, "Andrew Valddman, PDG de Cerebras Systems");
    assert_eq!(ev.sentence, text);
    let x = f.support.extractor.as_ref().unwrap();
    assert_eq!(x.name, "annals-rules");
    assert_eq!(x.version, relation::rules().version);
    assert!(f.support.confidence.unwrap() > 0.0);
}

#[test]
fn every_rule_is_exercised_by_the_table() {
    let mut fired = std::collections::BTreeSet::new();
    for (lang, text, ..) in CASES {
        fired.extend(run(lang, text).fired_rules);
    }
    let missing: Vec<String> = relation::rules()
        .rules
        .iter()
        .filter(|r| !fired.contains(&r.line))
        .map(|r| format!("line {}: {} {}", r.line, r.predicate, r.pattern))
        .collect();
    assert!(
        missing.is_empty(),
        "rules without a test line:\n{}",
        missing.join("\n")
    );
}

#[test]
fn teaser_lines_give_no_facts() {
    let d = run("fr", "Lire aussi: Helio Group a racheté Nordwind Systems.");
    assert!(d.extraction.facts.is_empty());
    assert!(d
        .extraction
        .entities
        .iter()
        .any(|(n, _)| n == "Helio Group"));
}

#[test]
fn a_comma_alone_coordinates_nothing() {
    let buyers = |text: &str| {
        let d = run("fr", text);
        let mut buyers: Vec<String> = d
            .extraction
            .facts
            .iter()
            .filter(|f| f.predicate == "acquires")
            .map(|f| f.subject.to_string())
            .collect();
        buyers.sort_unstable();
        buyers
    };
    // "Le Monde" before the comma is the source, not a second buyer.
    assert_eq!(
        buyers("Selon Le Monde, Helio Group va racheter Nordwind Systems."),
        vec!["Helio Group"]
    );
    // A real list still gives every member: "A, B et C ont racheté …".
    assert_eq!(
        buyers("Helio Group, Valbrune Capital et Orlan Partners ont racheté Nordwind Systems."),
        vec!["Helio Group", "Orlan Partners", "Valbrune Capital"]
    );
}

#[test]
fn a_passive_is_not_read_as_active() {
    // "was sold to", "was banned by", "was approved by": the subject is the object.
    for (text, wrong) in [
        (
            "Nordwind Systems was sold to Helio Group.",
            ("Nordwind Systems", "sells_to"),
        ),
        (
            "Nordwind Systems was banned by the United States.",
            ("Nordwind Systems", "restricts"),
        ),
        (
            "Nordwind Systems was approved by Helio Authority.",
            ("Nordwind Systems", "approves"),
        ),
    ] {
        let d = run("en", text);
        assert!(
            !d.extraction
                .facts
                .iter()
                .any(|f| f.subject == wrong.0 && f.predicate == wrong.1),
            "{text}: {:?}",
            d.extraction.facts
        );
    }
}
