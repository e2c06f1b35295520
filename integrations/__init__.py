"""Clients for external systems. Each package: an interface (plain dataclasses), a live client
that alone imports the SDK and maps its errors to ours, and a deterministic fake."""
