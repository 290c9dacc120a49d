"""Demonstration good practices, guidance contributions and events.

Written to read like real submissions, but every page built from this module is
flagged as demonstration content and labelled as such on the site.
"""

from __future__ import annotations

# (State ISO code, title, summary, commitments, actions, IAEA documents, topics,
#  language, year, month)
GOOD_PRACTICES: list[tuple] = [
    (
        "NL",
        "Integrated design basis threat review with the intelligence services",
        "The regulator, operators and the intelligence and security services review "
        "the national design basis threat together every three years, so that the "
        "physical protection requirements follow the threat rather than the calendar.",
        ["2a", "3a"],
        [5, 8],
        ["nss-13"],
        ["design basis threat", "threat assessment"],
        "en",
        2021,
        3,
    ),
    (
        "FI",
        "Security culture self-assessment at every nuclear facility",
        "Each licensee runs a structured security culture self-assessment every two "
        "years with a common questionnaire and interviews, and the regulator compares "
        "results across facilities.",
        ["3a", "4"],
        [12],
        ["nss-20"],
        ["security culture", "self-assessment"],
        "en",
        2022,
        5,
    ),
    (
        "FR",
        "Graded approach to the transport security of radioactive sources",
        "A single decree sets transport security levels by source category, with "
        "tracking, two-driver rules and advance notification for the highest "
        "categories.",
        ["2b"],
        [8],
        ["nss-14", "code-of-conduct"],
        ["transport", "radioactive sources"],
        "fr",
        2020,
        9,
    ),
    (
        "US",
        "Hosting an IPPAS follow-up mission and publishing the summary",
        "After a full IPPAS mission, the State invited a follow-up mission and "
        "published a public summary of the recommendations and the actions taken.",
        ["3b", "3c"],
        [6, 4],
        ["nss-13"],
        ["peer review", "transparency"],
        "en",
        2019,
        11,
    ),
    (
        "GB",
        "Competence framework for nuclear security officers",
        "A national competence framework defines the knowledge, skills and behaviours "
        "expected of security officers, with assessed qualifications at three levels.",
        ["4"],
        [3],
        ["nss-20"],
        ["competence", "training"],
        "en",
        2021,
        1,
    ),
    (
        "CA",
        "National registry of sealed radioactive sources with online reporting",
        "Licensees record every transfer of a Category 1 to 3 source in an online "
        "registry within 48 hours, giving the regulator a near real-time inventory.",
        ["2b"],
        [5],
        ["nss-14", "code-of-conduct"],
        ["radioactive sources", "inventory"],
        "en",
        2018,
        6,
    ),
    (
        "JP",
        "Insider threat mitigation programme with trustworthiness checks",
        "Operators apply a trustworthiness programme to staff with access to vital "
        "areas, with background checks renewed every five years and a reporting "
        "channel for concerns.",
        ["2a"],
        [12],
        ["nss-13"],
        ["insider threat"],
        "ja",
        2020,
        4,
    ),
    (
        "KR",
        "Cyber security inspection programme for digital I&C systems",
        "The regulator inspects the cyber security plans of nuclear power plants "
        "against a graded list of controls for digital instrumentation and control.",
        ["2a", "3a"],
        [7],
        ["nss-13"],
        ["cyber security", "inspection"],
        "ko",
        2022,
        8,
    ),
    (
        "DE",
        "Joint exercises of operators, police and the regulator",
        "Each year a facility, the regional police and the regulator run a joint "
        "field exercise on an agreed sabotage scenario and review the response "
        "together.",
        ["2a", "3a"],
        [9, 4],
        ["nss-13"],
        ["exercises", "response"],
        "de",
        2019,
        10,
    ),
    (
        "SE",
        "Detection architecture at borders, ports and airports",
        "Fixed radiation portal monitors at the main crossings are backed by mobile "
        "teams and a national reachback centre that resolves alarms around the clock.",
        ["2c"],
        [9],
        ["nss-15"],
        ["detection", "border monitoring"],
        "en",
        2021,
        2,
    ),
    (
        "NO",
        "Secure disposal of disused high-activity sources",
        "A national take-back scheme collects disused Category 1 and 2 sources and "
        "funds their return to the supplier or secure storage.",
        ["2b"],
        [8],
        ["code-of-conduct", "nss-14"],
        ["radioactive sources", "disposal"],
        "en",
        2020,
        6,
    ),
    (
        "AU",
        "Security plans reviewed by the regulator before licensing",
        "No facility is licensed until its security plan has been assessed against "
        "the design basis threat and the regulator has inspected it on site.",
        ["2a", "1"],
        [8],
        ["nss-20", "nss-13"],
        ["licensing", "regulation"],
        "en",
        2018,
        3,
    ),
    (
        "BE",
        "Nuclear forensics laboratory network",
        "Three national laboratories agree roles for the analysis of seized material, "
        "with chain-of-custody rules shared with prosecutors.",
        ["2c"],
        [11],
        ["nss-15"],
        ["nuclear forensics"],
        "fr",
        2021,
        11,
    ),
    (
        "CZ",
        "Self-assessment with the IAEA's INSSP methodology",
        "The State drafted its Integrated Nuclear Security Support Plan from a "
        "national self-assessment led by an inter-ministerial working group.",
        ["3a", "1"],
        [5],
        ["nss-20"],
        ["self-assessment", "national regime"],
        "en",
        2017,
        5,
    ),
    (
        "DK",
        "Regional training for Nordic and Baltic front-line officers",
        "A yearly course trains customs and border guards of neighbouring States in "
        "detecting and responding to radioactive material out of regulatory control.",
        ["2c", "4"],
        [3, 14],
        ["nss-15"],
        ["training", "regional cooperation"],
        "en",
        2022,
        9,
    ),
    (
        "HU",
        "Acting on IPPAS recommendations with a tracked action plan",
        "Every IPPAS recommendation became an action with an owner and a deadline, "
        "and progress is reported to Parliament each year.",
        ["3c"],
        [6],
        ["nss-13"],
        ["peer review", "action plan"],
        "en",
        2019,
        12,
    ),
    (
        "IT",
        "Security by design for a new research reactor",
        "Security requirements were set at the conceptual design stage, so that "
        "barriers and detection were integrated into the building rather than added.",
        ["2a"],
        [8],
        ["nss-13"],
        ["security by design", "research reactors"],
        "en",
        2020,
        7,
    ),
    (
        "ES",
        "Hospital source replacement with alternative technologies",
        "Hospitals replacing caesium blood irradiators with X-ray devices receive "
        "technical advice and help with the secure removal of the old source.",
        ["2b"],
        [11],
        ["nss-14", "code-of-conduct"],
        ["radioactive sources", "medicine"],
        "es",
        2021,
        4,
    ),
    (
        "MX",
        "Mobile expert support teams for orphan sources",
        "Regional teams of the regulator can be on site within hours to search for, "
        "recover and secure orphan sources reported by the public or industry.",
        ["2c", "2b"],
        [9],
        ["nss-15", "code-of-conduct"],
        ["orphan sources", "response"],
        "es",
        2018,
        8,
    ),
    (
        "CL",
        "Security inspections of industrial radiography companies",
        "Inspectors use a common checklist for source storage, transport and "
        "accountancy at radiography companies, and publish anonymised findings.",
        ["2b", "3a"],
        [4],
        ["nss-14"],
        ["inspection", "industrial sources"],
        "es",
        2022,
        3,
    ),
    (
        "MA",
        "Legal framework embedding the Nuclear Security Fundamentals",
        "A single law created an independent regulator and embedded the essential "
        "elements of NSS 20, from responsibilities to sustainability.",
        ["1"],
        [2],
        ["nss-20"],
        ["legislation", "national regime"],
        "fr",
        2016,
        6,
    ),
    (
        "DZ",
        "Inventory campaign for radioactive sources in industry",
        "A three-year campaign visited every licensed industrial user to reconcile the "
        "national register with the sources actually held.",
        ["2b"],
        [5],
        ["code-of-conduct"],
        ["inventory", "radioactive sources"],
        "fr",
        2020,
        2,
    ),
    (
        "AM",
        "Security upgrades at a nuclear power plant with international support",
        "Perimeter detection and access control were upgraded with bilateral "
        "assistance, followed by an IPPAS mission to review the results.",
        ["2a", "3b"],
        [2],
        ["nss-13"],
        ["physical protection", "assistance"],
        "en",
        2019,
        10,
    ),
    (
        "GE",
        "Detecting illicit trafficking at land borders",
        "Portal monitors and trained officers at land crossings are linked to a "
        "national centre that coordinates the response with the regulator.",
        ["2c"],
        [14],
        ["nss-15"],
        ["border monitoring", "illicit trafficking"],
        "en",
        2018,
        5,
    ),
    (
        "IL",
        "Nuclear security culture ambassadors in each facility",
        "Volunteers trained as culture ambassadors run short sessions in their teams "
        "and report recurring concerns to management anonymously.",
        ["4"],
        [12],
        ["nss-20"],
        ["security culture"],
        "en",
        2021,
        6,
    ),
    (
        "KZ",
        "Conversion of a research reactor to low enriched uranium fuel",
        "The conversion removed high enriched uranium from the site and reduced the "
        "security requirements that followed from it.",
        ["2a"],
        [2, 11],
        ["nss-13"],
        ["minimisation", "research reactors"],
        "ru",
        2016,
        9,
    ),
    (
        "LT",
        "Decommissioning with security at every stage",
        "The decommissioning plan of a power plant keeps the security arrangements in "
        "step with each stage, from fuel removal to the release of the site.",
        ["2a"],
        [8],
        ["nss-13"],
        ["decommissioning", "life cycle"],
        "en",
        2020,
        11,
    ),
    (
        "NZ",
        "Security requirements for a small source inventory",
        "A State with few high-activity sources applies the Code of Conduct with "
        "proportionate measures and a single inspector network.",
        ["2b", "1"],
        [5],
        ["code-of-conduct", "nss-14"],
        ["radioactive sources"],
        "en",
        2019,
        3,
    ),
    (
        "PH",
        "Major public event security with radiation detection",
        "Security for a major international event included radiation detection at "
        "venues, with trained teams and a reachback arrangement.",
        ["2c"],
        [9, 2],
        ["nss-15"],
        ["major public events", "detection"],
        "en",
        2019,
        11,
    ),
    (
        "PL",
        "Training centre for physical protection",
        "A national centre trains guards, managers and inspectors in physical "
        "protection with courses mapped to NSS 13.",
        ["4", "2a"],
        [3],
        ["nss-13"],
        ["training", "physical protection"],
        "en",
        2022,
        1,
    ),
    (
        "RO",
        "Hosting an INSServ mission and following up",
        "An International Nuclear Security Advisory Service mission reviewed the "
        "whole regime; its recommendations were taken into a national plan.",
        ["3b", "3c"],
        [6],
        ["nss-20"],
        ["peer review", "national regime"],
        "en",
        2018,
        4,
    ),
    (
        "TR",
        "Regulations for the security of nuclear material during construction",
        "Security regulations for a power plant under construction cover fresh fuel "
        "receipt, storage and the commissioning period.",
        ["2a"],
        [8],
        ["nss-13"],
        ["regulation", "new build"],
        "en",
        2021,
        7,
    ),
    (
        "UA",
        "Emergency response exercises combining safety and security",
        "Exercises combine an emergency at a nuclear site with a security event, so "
        "that safety and security response teams practise together.",
        ["3", "3a"],
        [9],
        ["nss-13"],
        ["exercises", "safety and security interface"],
        "en",
        2020,
        10,
    ),
    (
        "AE",
        "Qualification programme for security staff of a new programme",
        "A new nuclear programme built a qualification pathway for security staff "
        "with accredited training and on-the-job assessment.",
        ["4"],
        [3, 13],
        ["nss-20"],
        ["competence", "qualification"],
        "en",
        2019,
        2,
    ),
    (
        "VN",
        "Source security upgrades at hospitals",
        "Hospitals holding Category 1 and 2 sources received intrusion detection and "
        "delay measures, with staff trained to respond.",
        ["2b"],
        [2],
        ["nss-14", "code-of-conduct"],
        ["medicine", "radioactive sources"],
        "en",
        2018,
        7,
    ),
    # A second practice for five States.
    (
        "NL",
        "Information security rules for sensitive nuclear information",
        "A classification guide tells operators and contractors which information is "
        "sensitive, and how to mark, store and share it.",
        ["2", "2a"],
        [5, 7],
        ["nss-13"],
        ["information security"],
        "en",
        2022,
        10,
    ),
    (
        "FI",
        "Contributing national experts to IPPAS missions",
        "The regulator keeps a roster of experts ready to join IAEA advisory "
        "missions and shares what they learn with national staff.",
        ["3b"],
        [6, 4],
        ["nss-13"],
        ["peer review"],
        "en",
        2023,
        2,
    ),
    (
        "US",
        "Nuclear Security Fund contributions for regional training",
        "Extra-budgetary contributions fund regional training courses delivered with "
        "the IAEA for States that ask for them.",
        ["4"],
        [10, 3],
        ["nss-20"],
        ["funding", "training"],
        "en",
        2022,
        6,
    ),
    (
        "GB",
        "Operator self-assessment guidance for cyber security",
        "Guidance helps operators assess their own cyber security against the "
        "regulator's principles before an inspection.",
        ["3a", "2"],
        [7],
        ["nss-13"],
        ["cyber security", "self-assessment"],
        "en",
        2023,
        4,
    ),
    (
        "CA",
        "Working with the World Institute for Nuclear Security on guides",
        "Regulator and industry experts contributed to best practice guides and "
        "used them in the national certification of security managers.",
        ["4"],
        [13],
        ["nss-20"],
        ["competence", "security culture"],
        "en",
        2021,
        9,
    ),
]

# (State ISO code, title, summary, IAEA document slug, stage, year, month)
GUIDANCE_CONTRIBUTIONS: list[tuple] = [
    (
        "NL",
        "Comments on the revision of the physical protection recommendations",
        "Detailed comments on the graded approach and on the protection of vital "
        "areas, drawn from national inspection experience.",
        "nss-13",
        "under_review",
        2023,
        5,
    ),
    (
        "FR",
        "Draft chapter on transport security of radioactive material",
        "A proposed chapter on transport security levels and the responsibilities of "
        "shippers and carriers.",
        "nss-14",
        "incorporated",
        2019,
        3,
    ),
    (
        "US",
        "Case studies on detection architecture",
        "Case studies on the design of detection architectures for material out of "
        "regulatory control.",
        "nss-15",
        "incorporated",
        2020,
        10,
    ),
    (
        "SE",
        "Proposal on the sustainability of detection systems",
        "A proposal on maintenance, calibration and training over the life of "
        "radiation detection equipment.",
        "nss-15",
        "proposed",
        2024,
        2,
    ),
    (
        "JP",
        "Experience with insider threat programmes",
        "Lessons from trustworthiness programmes at power plants, offered for a "
        "technical guidance document.",
        "nss-13",
        "under_review",
        2022,
        11,
    ),
    (
        "CA",
        "Input on source security during the whole life cycle",
        "Comments on the security of sources from manufacture to disposal, with the "
        "experience of a national source registry.",
        "code-of-conduct",
        "incorporated",
        2018,
        6,
    ),
    (
        "DE",
        "Proposal on the security of nuclear material in use and storage",
        "Proposed text on accountancy and control as part of security.",
        "nss-13",
        "proposed",
        2024,
        4,
    ),
    (
        "KR",
        "Cyber security of digital I&C: implementing guidance input",
        "National inspection experience offered for guidance on computer security at "
        "nuclear facilities.",
        "nss-20",
        "under_review",
        2023,
        9,
    ),
    (
        "FI",
        "Comments on the essential elements of a nuclear security regime",
        "Comments on sustaining the regime and on the role of security culture.",
        "nss-20",
        "incorporated",
        2013,
        9,
    ),
]

# (State ISO code, title, summary, type, start (y, m, d), days, location, online,
#  organisers, commitments, actions)
EVENTS: list[tuple] = [
    (
        "NL",
        "Seminar on sharing good practices while respecting confidentiality",
        "How States publish what works without disclosing sensitive information.",
        "seminar",
        (2024, 3, 12),
        2,
        "The Hague, the Netherlands",
        True,
        "Ministry of Foreign Affairs and the nuclear regulator",
        ["3"],
        [4, 5],
    ),
    (
        "FI",
        "Workshop on security culture self-assessment",
        "Hands-on workshop with the common questionnaire and interview guides.",
        "workshop",
        (2024, 5, 21),
        3,
        "Helsinki, Finland",
        False,
        "Radiation and Nuclear Safety Authority",
        ["3a", "4"],
        [12, 4],
    ),
    (
        "DE",
        "Regional table-top exercise on a sabotage scenario",
        "Operators, police and regulators of neighbouring States test their "
        "coordination on a sabotage scenario.",
        "table_top",
        (2023, 10, 4),
        1,
        "Bonn, Germany",
        False,
        "Federal ministry responsible for nuclear safety",
        ["2a"],
        [4, 9, 14],
    ),
    (
        "SE",
        "Field exercise on detection at a seaport",
        "Customs, coast guard and the reachback centre respond to a detected "
        "container at a seaport.",
        "field_exercise",
        (2024, 9, 10),
        2,
        "Gothenburg, Sweden",
        False,
        "Swedish Radiation Safety Authority and Customs",
        ["2c"],
        [9, 4],
    ),
    (
        "US",
        "Training course for IPPAS mission team members",
        "Preparing national experts to take part in IAEA advisory missions.",
        "training",
        (2024, 2, 5),
        5,
        "",
        True,
        "National nuclear security administration",
        ["3b"],
        [6, 3],
    ),
    (
        "MA",
        "Regional seminar on legal frameworks for nuclear security",
        "Drafting and updating national laws to embed the Nuclear Security "
        "Fundamentals.",
        "seminar",
        (2023, 6, 14),
        2,
        "Rabat, Morocco",
        False,
        "National regulator",
        ["1"],
        [2, 14],
    ),
    (
        "KR",
        "Workshop on computer security at nuclear facilities",
        "Practical session on cyber security inspection programmes.",
        "workshop",
        (2024, 11, 18),
        3,
        "Daejeon, Republic of Korea",
        True,
        "Nuclear safety and security commission",
        ["2a"],
        [7, 4],
    ),
]


# The footer's notices: (slug, title, lead, body). Demonstration wording, to be
# replaced by the secretariat's own.
INFORMATION_PAGES = [
    (
        "accessibility",
        "Accessibility statement",
        "The portal aims to meet the Web Content Accessibility Guidelines 2.1 at "
        "level AA.",
        "<p>Every page is checked with automated accessibility tests at desktop and "
        "phone widths. Pages can be used with a keyboard alone, with a screen reader "
        "and at 200% zoom.</p><h3>Reporting a problem</h3><p>If part of the portal "
        "is hard to use, write to the secretariat through the contact page; we "
        "answer within ten working days.</p>",
    ),
    (
        "privacy",
        "Privacy notice",
        "What the portal records about the people who use it, and why.",
        "<p>The portal keeps each account's name, address, State, roles and vetting "
        "dates, and an audit trail of what accounts do with restricted material. "
        "It sets only the cookies that sign-in and form protection need, and loads "
        "nothing from other sites.</p><p>Visitors who do not sign in are not "
        "tracked.</p>",
    ),
    (
        "contact",
        "Contact",
        "How to reach the secretariat of the initiative.",
        "<p>Questions about the portal, an account or the content of a State go to "
        "the secretariat, which answers on working days. A State's own contact "
        "appears on its page.</p>",
    ),
    (
        "terms",
        "Terms of use",
        "The conditions that apply to using the portal.",
        "<p>Public content is published by the subscribing States, who remain "
        "responsible for it. Restricted material may be used only as its sharing "
        "allows; every access to it is recorded.</p>",
    ),
]
