"""WeChat / Alipay mini-program edge."""
