"""salesforce integration: interface, live client and fake (see integrations/base.py)."""
