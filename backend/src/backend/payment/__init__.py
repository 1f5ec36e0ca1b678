"""Payments: one order model for every feature, paid through WeChat Pay or Alipay, never charged
twice, refunded in full or in part, reconciled daily against the platforms' bills."""
