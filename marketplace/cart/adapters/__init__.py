"""SQL adapters of the cart: tables, the cart repository and the SKU snapshot reader."""
