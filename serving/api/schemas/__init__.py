"""Request and response schemas: XCreate, XUpdate, XRead, XPage."""
