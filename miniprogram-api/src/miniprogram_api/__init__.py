"""The WeChat / Alipay mini-program edge (``/mp/v1``), and the composition root that serves it beside
the core API on one port."""
