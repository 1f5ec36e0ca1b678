"""Links between a citizen and their mini-program identities (WeChat openid, Alipay user id)."""
