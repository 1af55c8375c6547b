"""The protocol's reference: the certificate format and verification. Reads the chain only."""
