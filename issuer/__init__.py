"""A fund centre's service: accounts, issuance, revocation, consent, the portal, blacklist operations."""
