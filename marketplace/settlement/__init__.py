"""Settlement: commission rules, the double-entry ledger, statements and payouts."""
