"""B2B requests for quotation: a company asks chosen suppliers for quotes and awards one."""
