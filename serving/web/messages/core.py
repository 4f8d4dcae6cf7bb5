"""Texts of the frame every page shares: header, navigation, sign-in, errors."""

from __future__ import annotations

# fmt: off
MESSAGES: dict[str, tuple[str, str]] = {
    "core.brand": ("Agora", "Agora 多用户商城"),
    "core.tagline": (
        "Platform shops, merchants and suppliers side by side",
        "平台自营、商家与供应商同台经营",
    ),
    "core.skip": ("Skip to content", "跳到正文"),
    "core.nav.label": ("Main", "主导航"),
    "core.nav.store": ("Shop", "商城"),
    "core.nav.cart": ("Cart", "购物车"),
    "core.nav.orders": ("My orders", "我的订单"),
    "core.nav.console": ("Merchant console", "商家后台"),
    "core.nav.b2b": ("Procurement", "企业采购"),
    "core.nav.admin": ("Platform admin", "平台管理"),
    "core.nav.api": ("API docs", "API 文档"),
    "core.lang.label": ("Language", "语言"),
    "core.currency.label": ("Show prices in", "价格显示币种"),
    "core.currency.original": ("Original currency", "原币种"),
    "core.currency.converted": (
        "≈ {amount} at {rate} ({date}, {source})",
        "≈ {amount}，汇率 {rate}（{date}，{source}）",
    ),
    "core.apply": ("Apply", "应用"),
    "core.login": ("Sign in", "登录"),
    "core.logout": ("Sign out", "退出"),
    "core.login.title": ("Sign in to Agora", "登录 Agora"),
    "core.login.email": ("E-mail", "邮箱"),
    "core.login.password": ("Password", "密码"),
    "core.login.failed": ("The e-mail or the password is wrong.", "邮箱或密码不正确。"),
    "core.login.demo": (
        "Demo accounts: {buyer} (buyer), {merchant} (merchant staff) and {admin} "
        "(platform admin), password {password}.",
        "演示账号：{buyer}（买家）、{merchant}（商家店员）和 {admin}（平台管理员），"
        "密码 {password}。",
    ),
    "core.signed_in_as": ("Signed in as {name}", "已登录：{name}"),
    "core.error.title": ("Something went wrong", "出错了"),
    "core.error.401": ("Please sign in first.", "请先登录。"),
    "core.error.403": ("You may not see this page.", "您无权访问此页面。"),
    "core.error.404": ("This page does not exist.", "页面不存在。"),
    "core.error.422": ("Some of what was sent is not valid.", "提交的内容有误。"),
    "core.error.500": ("An unexpected error occurred; it was logged.", "发生意外错误，已记录。"),
    "core.error.code": ("Error code: {code}", "错误代码：{code}"),
    "core.error.back": ("Back to the shop", "返回商城"),
    "core.empty": ("Nothing here yet.", "暂无内容。"),
    "core.more": ("More", "更多"),
    "core.prev": ("Previous", "上一页"),
    "core.next": ("Next", "下一页"),
    "core.save": ("Save", "保存"),
    "core.cancel": ("Cancel", "取消"),
    "core.loading": ("Loading…", "加载中…"),
    "core.chart.table": ("Data as a table", "数据表"),
}
# fmt: on
