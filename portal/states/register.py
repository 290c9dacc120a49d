"""The 35 States that subscribed to the joint statement at The Hague, 2014."""

SUBSCRIBED_ON = "2014-03-25"

# (name as the seed spells it, ISO 3166-1 alpha-2, alpha-3)
SUBSCRIBING_STATES: list[tuple[str, str, str]] = [
    ("Algeria", "DZ", "DZA"),
    ("Armenia", "AM", "ARM"),
    ("Australia", "AU", "AUS"),
    ("Belgium", "BE", "BEL"),
    ("Canada", "CA", "CAN"),
    ("Chile", "CL", "CHL"),
    ("Czech Republic", "CZ", "CZE"),
    ("Denmark", "DK", "DNK"),
    ("Finland", "FI", "FIN"),
    ("France", "FR", "FRA"),
    ("Georgia", "GE", "GEO"),
    ("Germany", "DE", "DEU"),
    ("Hungary", "HU", "HUN"),
    ("Israel", "IL", "ISR"),
    ("Italy", "IT", "ITA"),
    ("Japan", "JP", "JPN"),
    ("Kazakhstan", "KZ", "KAZ"),
    ("Lithuania", "LT", "LTU"),
    ("Mexico", "MX", "MEX"),
    ("Morocco", "MA", "MAR"),
    ("the Netherlands", "NL", "NLD"),
    ("New Zealand", "NZ", "NZL"),
    ("Norway", "NO", "NOR"),
    ("Philippines", "PH", "PHL"),
    ("Poland", "PL", "POL"),
    ("the Republic of Korea", "KR", "KOR"),
    ("Romania", "RO", "ROU"),
    ("Spain", "ES", "ESP"),
    ("Sweden", "SE", "SWE"),
    ("Turkey", "TR", "TUR"),
    ("Ukraine", "UA", "UKR"),
    ("United Arab Emirates", "AE", "ARE"),
    ("the United Kingdom", "GB", "GBR"),
    ("the United States of America", "US", "USA"),
    ("Vietnam", "VN", "VNM"),
]


def display_name(seed_name: str) -> str:
    """The register says 'Netherlands', not 'the Netherlands', so it sorts well."""
    return seed_name.removeprefix("the ")


def name_in_prose(state) -> str:
    """The State's name as a sentence writes it: "released by the Netherlands"."""
    for seed_name, alpha2, _alpha3 in SUBSCRIBING_STATES:
        if alpha2 == state.iso_code:
            return seed_name
    return state.name


def ensure_subscribing_states(state_model) -> int:
    """Create or correct the subscribing States; returns how many were created.

    Takes the model as an argument so that the data migration can pass its
    historical model and the demo loader the current one.
    """
    import datetime

    subscribed_on = datetime.date.fromisoformat(SUBSCRIBED_ON)
    created = 0
    for seed_name, alpha2, alpha3 in SUBSCRIBING_STATES:
        _, was_created = state_model.objects.update_or_create(
            iso_code=alpha2,
            defaults={
                "name": display_name(seed_name),
                "iso_alpha3": alpha3,
                "is_subscriber": True,
                "subscribed_on": subscribed_on,
            },
        )
        created += was_created
    return created
