"""B2B purchasing: purchase requests, approval workflows, purchase orders, reorders."""
