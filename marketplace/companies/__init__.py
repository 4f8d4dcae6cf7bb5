"""B2B companies: accounts, locations, cost centres, members, invitations, budgets."""
