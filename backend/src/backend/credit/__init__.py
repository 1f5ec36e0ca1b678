"""Credit (統一信用服務): a citizen's own credit report, public disclosures, objections."""
