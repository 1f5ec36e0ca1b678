"""Notifications: what the features tell citizens, over WeChat, Alipay, SMS and the in-app inbox."""
