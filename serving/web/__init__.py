"""Server-rendered pages (Jinja). The full storefront and consoles come with issue 10."""
