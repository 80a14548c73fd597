"""How each company's customers look beyond their account: the Customer definitions columns.

Plain data, like `loader.demo_data_plan`; `loader.demo_data_sql` turns it into rows. Every
value here is valid for the demo seeds (mapped groups and countries, the legal entity's
currencies, lengths within field_lengths): ordinary records break no rule. Free text
carries what a package must carry exactly: commas, double quotes, apostrophes, accents,
line breaks (streets) and non-Latin scripts (names and streets of some customers), one name
with a character outside the Basic Multilingual Plane (two UTF-16 code units).
"""

from dataclasses import dataclass

# (national prefix, international prefix, random digits appended to either).
Phone = tuple[str, str, int]


@dataclass(frozen=True)
class Place:
    """A city where `weight` percent of a company's customers with an address sit.

    The postal code is `zip_prefix` plus `zip_digits` random digits plus, when
    `zip_letters`, two random letters (the inward code of a British postcode). A place
    abroad has its own `country` spelling, `currency` and `language`; at home they follow
    the company's mix. `streets` replace the company's street words; `names` (with
    `search_names` and `email_domains` in step) replace the generated company name: the
    customers of a place with names are organisations of another script.
    """

    weight: int
    city: str
    zip_prefix: str
    zip_digits: int
    phone: Phone
    state: str | None = None
    county: str | None = None
    zip_letters: bool = False
    country: str | None = None
    currency: str | None = None
    language: str | None = None
    streets: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    search_names: tuple[str, ...] = ()
    email_domains: tuple[str, ...] = ()


@dataclass(frozen=True)
class Profile:
    """The Customer definitions words and shares of one company (weights are percents)."""

    countries: tuple[tuple[str, int], ...]
    currency: str
    foreign_currencies: tuple[str, ...]
    language: str
    other_languages: tuple[str, ...]
    groups: tuple[tuple[str | None, int], ...]
    first_names: tuple[str, ...]
    streets: tuple[str, ...]
    number_first: bool
    max_house_number: int
    # Street decorations: appended after a comma, a line above the street, a quoted
    # building name before a comma.
    street_additions: tuple[str, ...]
    street_lines: tuple[str, ...]
    street_buildings: tuple[str, ...]
    email_locals: tuple[str, ...]
    places: tuple[Place, ...]


# Share of customers that are persons (sole traders: the name stays the trading name, the
# name parts are the owner's, the last name the surname in the trading name).
PERSON_PERCENT = 20
# Address: below NO_ADDRESS_PERCENT none at all; below COUNTRY_ONLY_PERCENT a country only.
NO_ADDRESS_PERCENT = 3
COUNTRY_ONLY_PERCENT = 5
EMAIL_PERCENT = 75
PHONE_PERCENT = 70
SEARCH_NAME_PERCENT = 70
SEARCH_NAME_LENGTH = 20  # NAMEALIAS in the seed field_lengths: generated ones are cut to it
PERSON_EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
ORGANISATION_EMAIL_DOMAIN = "example.com"

_US_PLACES = (
    Place(14, "New York", "100", 2, ("(212) 555-01", "+1 212-555-01", 2), "NY", "New York"),
    Place(10, "Seattle", "981", 2, ("(206) 555-01", "+1 206-555-01", 2), "WA", "King"),
    Place(10, "Chicago", "606", 2, ("(312) 555-01", "+1 312-555-01", 2), "IL", "Cook"),
    Place(10, "Houston", "770", 2, ("(713) 555-01", "+1 713-555-01", 2), "TX", "Harris"),
    Place(8, "Atlanta", "303", 2, ("(404) 555-01", "+1 404-555-01", 2), "GA", "Fulton"),
    Place(8, "Boston", "021", 2, ("(617) 555-01", "+1 617-555-01", 2), "MA", "Suffolk"),
    Place(7, "Denver", "802", 2, ("(303) 555-01", "+1 303-555-01", 2), "CO", "Denver"),
    Place(7, "Miami", "331", 2, ("(305) 555-01", "+1 305-555-01", 2), "FL", "Miami-Dade"),
    Place(7, "San José", "951", 2, ("(408) 555-01", "+1 408-555-01", 2), "CA"),
    Place(3, "Coeur d'Alene", "838", 2, ("(208) 555-01", "+1 208-555-01", 2), "ID", "Kootenai"),
    Place(7, "Phoenix", "850", 2, ("(602) 555-01", "+1 602-555-01", 2), "AZ", "Maricopa"),
    Place(
        4, "Toronto", "M5V 2T", 1, ("(416) 555-01", "+1 416-555-01", 2), "ON",
        country="CA", currency="CAD", language="en-ca",
        streets=("200 Front Street West", "55 King Street East, Suite 1200", "1 Place Ville-Marie"),
    ),
    Place(
        3, "Monterrey", "640", 2, ("81 5555 ", "+52 81 5555 ", 4), "NL",
        country="MX", currency="MXN", language="es-mx",
        streets=("Av. Constitución 405 Pte.", "Calle Padre Mier 1220, Col. Centro", "Blvd. Díaz Ordaz 130"),
    ),
    Place(
        2, "東京", "100-000", 1, ("03-5555-", "+81 3-5555-", 4), "東京都",
        country="JP", currency="USD", language="ja",
        streets=("千代田区丸の内一丁目1番1号", "千代田区大手町2-3-1\n大手町タワー 12階", "港区六本木6-10-1"),
        names=("株式会社サクラ商事", "𠮷田精密工業株式会社", "ヤマト物流サービス株式会社", "富士フードサービス株式会社"),
        search_names=("サクラショウジ", "ヨシダセイミツ", "ヤマトブツリュウ", "フジフード"),
        email_domains=("sakura-shoji.example.com", "yoshida-seimitsu.example.com",
                       "yamato-logi.example.com", "fuji-food.example.com"),
    ),
)  # fmt: skip

_DE_PLACES = (
    Place(15, "Berlin", "10", 3, ("030 ", "+49 30 ", 7), "BE"),
    Place(13, "München", "80", 3, ("089 ", "+49 89 ", 7), "BY"),
    Place(12, "Hamburg", "20", 3, ("040 ", "+49 40 ", 7), "HH"),
    Place(10, "Köln", "50", 3, ("0221 ", "+49 221 ", 7), "NW"),
    Place(10, "Frankfurt am Main", "60", 3, ("069 ", "+49 69 ", 7), "HE"),
    Place(8, "Stuttgart", "70", 3, ("0711 ", "+49 711 ", 7), "BW"),
    Place(8, "Düsseldorf", "40", 3, ("0211 ", "+49 211 ", 7), "NW"),
    Place(6, "Leipzig", "04", 3, ("0341 ", "+49 341 ", 7), "SN"),
    Place(5, "Nürnberg", "90", 3, ("0911 ", "+49 911 ", 7), "BY"),
    Place(4, "Dresden", "01", 3, ("0351 ", "+49 351 ", 7), "SN"),
    Place(
        2, "Offenbach am Main", "630", 2, ("069 ", "+49 69 ", 7), "HE",
        streets=("Kaiserstraße 12", "Frankfurter Straße 88, 2. OG", "Hafenallee 5\nHalle 3"),
        names=("Ταβέρνα «Ολυμπία» GmbH", "Αφοί Παπαδόπουλοι OHG", "Ελληνικά Τρόφιμα Κωνσταντίνου e.K."),
        search_names=("ΟΛΥΜΠΙΑ", "ΠΑΠΑΔΟΠΟΥΛΟΙ", "ΚΩΝΣΤΑΝΤΙΝΟΥ"),
        email_domains=("taverna-olympia.example.com", "papadopoulos.example.com",
                       "konstantinou-feinkost.example.com"),
    ),
    Place(
        3, "Wien", "10", 2, ("01 ", "+43 1 ", 7),
        country="AT", currency="EUR", language="de-at",
        streets=("Mariahilfer Straße 120", "Graben 21, Stiege 2", "Am Hof 4\nTür 7"),
    ),
    Place(
        2, "Zürich", "80", 2, ("044 ", "+41 44 ", 7),
        country="CH", currency="CHF", language="de-ch",
        streets=("Bahnhofstrasse 45", "Seefeldstrasse 8, Postfach", "Räffelstrasse 24"),
    ),
    Place(
        2, "Paris", "750", 2, ("01 ", "+33 1 ", 8),
        country="FR", currency="EUR", language="fr",
        streets=("12 rue de l'Église", "8 avenue des Champs-Élysées", "3 quai d'Orsay, Bâtiment B"),
    ),
)  # fmt: skip

_GB_PLACES = (
    Place(19, "London", "EC2A ", 1, ("020 7946 0", "+44 20 7946 0", 3), zip_letters=True),
    Place(8, "London", "SE1 ", 1, ("020 7946 0", "+44 20 7946 0", 3), zip_letters=True),
    Place(10, "Manchester", "M1 ", 1, ("0161 496 0", "+44 161 496 0", 3), zip_letters=True),
    Place(10, "Birmingham", "B3 ", 1, ("0121 496 0", "+44 121 496 0", 3), zip_letters=True),
    Place(8, "Leeds", "LS1 ", 1, ("0113 496 0", "+44 113 496 0", 3), county="W Yorks",
          zip_letters=True),
    Place(7, "Glasgow", "G2 ", 1, ("0141 496 0", "+44 141 496 0", 3), zip_letters=True),
    Place(6, "Edinburgh", "EH1 ", 1, ("0131 496 0", "+44 131 496 0", 3), zip_letters=True),
    Place(7, "Bristol", "BS1 ", 1, ("0117 496 0", "+44 117 496 0", 3), county="Avon",
          zip_letters=True),
    Place(6, "Cardiff", "CF10 ", 1, ("029 2018 0", "+44 29 2018 0", 3), county="Glamorgan",
          zip_letters=True),
    Place(4, "Belfast", "BT1 ", 1, ("028 9018 0", "+44 28 9018 0", 3), county="Antrim",
          zip_letters=True),
    Place(4, "Newcastle upon Tyne", "NE1 ", 1, ("0191 498 0", "+44 191 498 0", 3),
          zip_letters=True),
    Place(3, "King's Lynn", "PE30 ", 1, ("01632 960", "+44 1632 960", 3), county="Norfolk",
          zip_letters=True),
    Place(3, "Canterbury", "CT1 ", 1, ("01632 960", "+44 1632 960", 3), county="Kent",
          zip_letters=True),
    Place(
        2, "London", "E14 ", 1, ("020 7946 0", "+44 20 7946 0", 3), zip_letters=True,
        streets=("1 Canada Square, Level 39", "25 Cabot Square", "Unit 3\n10 Westferry Circus"),
        names=("Торговый дом «Волга» Ltd", "Балтика Трейдинг Ltd", "Україна Фудс Limited"),
        search_names=("ВОЛГА", "БАЛТИКА", "УКРАЇНА ФУДС"),
        email_domains=("volga-trade.example.com", "baltika-trading.example.com",
                       "ukraina-foods.example.com"),
    ),
    Place(
        2, "Dublin", "D02 X", 3, ("01 ", "+353 1 ", 7),
        country="IE", currency="EUR", language="en-ie",
        streets=("12 O'Connell Street Upper", "3 Merrion Square, Ground Floor", "Block C\nGrand Canal Dock"),
    ),
    Place(
        1, "上海", "2001", 2, ("021 5555 ", "+86 21 5555 ", 4),
        country="CN", currency="USD", language="zh-hans",
        streets=("浦东新区世纪大道100号", "黄浦区南京东路299号\n5楼"),
        names=("上海东方贸易有限公司", "华南电子科技有限公司"),
        search_names=("东方贸易", "华南电子"),
        email_domains=("dongfang-trade.example.com", "huanan-tech.example.com"),
    ),
)  # fmt: skip

_US = Profile(
    countries=(("US", 50), ("USA", 25), ("United States", 25)),
    currency="USD", foreign_currencies=("CAD", "EUR", "GBP", "MXN"),
    language="en-us", other_languages=("es-mx", "en-gb"),
    groups=(("WHOLESALE", 30), ("RETAIL", 20), ("MAJOR", 10), ("OTHER", 5), ("INTERCO", 3),
            ("10", 5), ("30", 7), (None, 20)),
    first_names=("James", "Mary", "Robert", "Patricia", "José", "María", "Zoë", "D'Andre",
                 "Chloé", "Mei", "Aaliyah", "Seán", "Michael", "Jennifer"),
    streets=("Main Street", "Oak Avenue", "Pine Street", "Maple Drive", "Market Street",
             "Martin Luther King Jr. Blvd", "O'Farrell Street", "Avenue of the Americas",
             "Peachtree Road NE", "Commerce Way", "Industrial Parkway", "Lake Shore Drive"),
    number_first=True, max_house_number=9999,
    street_additions=("Suite 200", "Suite 1450", "Floor 3", "Unit B", "Dock 7"),
    street_lines=("Building 4", "Attn: Receiving Dept.", "Loading Dock 2"),
    street_buildings=('"The Landing"', '"Harbor View" Center', "One \"Commerce\" Plaza"),
    email_locals=("info", "sales", "ap", "accounts", "orders", "billing"),
    places=_US_PLACES,
)  # fmt: skip

_DE = Profile(
    countries=(("DE", 40), ("DEU", 20), ("Germany", 20), ("Deutschland", 20)),
    currency="EUR", foreign_currencies=("USD", "CHF", "GBP"),
    language="de", other_languages=("en-us", "en-gb"),
    groups=(("WHOLESALE", 30), ("RETAIL", 22), ("MAJOR", 10), ("OTHER", 6), ("10", 5),
            ("30", 7), (None, 20)),
    first_names=("Jürgen", "Jörg", "Anna-Lena", "Björn", "Käthe", "Günter", "Sören",
                 "Maximilian", "Lukas", "Sophie", "Zoë", "Hans-Peter", "Ümit", "Özlem"),
    streets=("Hauptstraße", "Bahnhofstraße", "Königsallee", "Straße des 17. Juni",
             "Am Güterbahnhof", "Mühlenweg", "Kurfürstendamm", "Industriestraße", "Schloßallee",
             "Lange Reihe", "Gartenstraße"),
    number_first=False, max_house_number=199,
    street_additions=("3. OG", "Gebäude C", "Tor 2", "Halle 5"),
    street_lines=("Hinterhaus", "Lieferanteneingang", "c/o Büro Köhler"),
    street_buildings=('Gewerbepark "Am Hafen"', '"Haus Sonnenschein"', 'Technologiepark "Nord"'),
    email_locals=("info", "buchhaltung", "einkauf", "rechnung", "kontakt", "vertrieb"),
    places=_DE_PLACES,
)  # fmt: skip

_GB = Profile(
    countries=(("GB", 35), ("UK", 30), ("United Kingdom", 20), ("GBR", 15)),
    currency="GBP", foreign_currencies=("EUR", "USD"),
    language="en-gb", other_languages=("en-us",),
    groups=(("WHOLESALE", 30), ("RETAIL", 25), ("MAJOR", 13), ("10", 5), ("30", 7), (None, 20)),
    first_names=("Oliver", "Siobhán", "Niamh", "Rhys", "Eleanor", "Zoë", "Aoife", "Dafydd",
                 "Harry", "Amelia", "Mohammed", "Priya", "Seren"),
    streets=("High Street", "Station Road", "St John's Road", "Queen's Parade", "Mill Lane",
             "Church Street", "Victoria Road", "Park Avenue", "King's Road", "London Road"),
    number_first=True, max_house_number=299,
    street_additions=("Second Floor", "Rear Entrance", "Unit 4"),
    street_lines=("Unit 4", "Flat 2", "The Old Mill"),
    street_buildings=('"The Maltings"', '"Riverside House"', 'Unit 7 "The Foundry"'),
    email_locals=("info", "accounts", "sales", "enquiries", "orders"),
    places=_GB_PLACES,
)  # fmt: skip

# ZZ99, the company no legal entity maps, looks like US01.
PROFILES: dict[str, Profile] = {"US01": _US, "DE01": _DE, "GB01": _GB, "ZZ99": _US}

# Street decorations, percent of streets: below ADDITION a comma and an addition, below
# LINE a line above, below BUILDING a quoted building name first.
STREET_ADDITION_PERCENT = 12
STREET_LINE_PERCENT = 15
STREET_BUILDING_PERCENT = 18
