"""The e-licence wallet (可信电子证照): licences pulled from the e-licence library, issued to the
citizen as SD-JWT VCs, shown at a counter (亮证) field by field with consent, and a disclosure log the
citizen can check. Formats and checks are the ``wallet`` library's; this feature stores, serves and
decides who may ask for what."""
