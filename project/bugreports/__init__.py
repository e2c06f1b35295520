"""Bug reports: "Report a problem" from any page, and the coordinators' list that resolves them."""
