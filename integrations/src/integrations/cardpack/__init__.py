"""Licence pointers in the WeChat and Alipay card packs (卡包), one API for both platforms.

Usage::

    packs = CardPacks(alipay=AlipayPasses(...), wechat=WeChatCards(mini_program), wechat_username="gh_x@app")
    ref = await packs.add_pointer("alipay", user_id, title="居民身份证",
                                  masked_number="3213**********1234", deep_link="pages/licence/show?id=7")
    ...
    await packs.withdraw("alipay", ref)

For WeChat, ``ref.add_card.card_list_item()`` goes to the mini program's ``wx.addCard``.
"""

from integrations.cardpack._facade import (
    CardPacks,
    PassRef,
    Platform,
    Pointer,
    PointerRefused,
    alipay_template,
    wechat_card,
)

__all__ = ["CardPacks", "PassRef", "Platform", "Pointer", "PointerRefused", "alipay_template", "wechat_card"]
