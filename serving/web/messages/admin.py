"""Texts of the admin pages: ``key: (English, Chinese)``."""

from __future__ import annotations

# fmt: off
MESSAGES: dict[str, tuple[str, str]] = {
    "admin.nav.label": ("Platform admin", "平台管理"),
    "admin.nav.overview": ("Overview", "概览"),
    "admin.nav.merchants": ("Merchant review", "商家审核"),
    "admin.nav.categories": ("Categories", "类目"),
    "admin.nav.commissions": ("Commission rules", "佣金规则"),
    "admin.nav.models": ("Models in service", "在线模型"),
    "admin.nav.health": ("System health", "系统健康"),
    "admin.refused": ("That was not accepted.", "操作未被接受。"),
    "admin.actions": ("Actions", "操作"),
    "admin.show": ("Show", "显示"),
    "admin.yes": ("Yes", "是"),
    "admin.no": ("No", "否"),
    # overview
    "admin.overview.title": ("Platform overview", "平台概览"),
    "admin.overview.figures": ("Key figures", "关键数据"),
    "admin.overview.pending": ("Applications awaiting review", "待审核的入驻申请"),
    "admin.overview.approved": ("Approved merchants", "已通过的商家"),
    "admin.overview.of_all": ("of {count} merchants in all", "共 {count} 个商家"),
    "admin.overview.orders_today": ("Orders today (UTC)", "今日订单（UTC）"),
    "admin.overview.tasks": ("Administration", "管理功能"),
    "admin.overview.merchants_hint": (
        "Approve or reject applications to sell; suspend or reinstate a merchant.",
        "审核商家入驻申请（通过或驳回），暂停或恢复商家。",
    ),
    "admin.overview.categories_hint": (
        "The category tree: names in Chinese and English, order, place, active or not.",
        "类目树：中英文名称、排序、层级位置、启用或停用。",
    ),
    "admin.overview.commissions_hint": (
        "Commission rates for the platform, a category or a merchant: floors, caps, periods.",
        "平台、类目或商家的佣金费率：最低与最高佣金、生效期间。",
    ),
    "admin.overview.models_hint": (
        "Recommender versions and their metrics, advice models and champions.",
        "推荐模型版本与指标、经营建议模型与冠军模型。",
    ),
    "admin.overview.health_hint": (
        "Database, cache, loaded models, background jobs and event lag.",
        "数据库、缓存、已加载模型、后台任务与事件延迟。",
    ),
    # merchants
    "admin.merchants.title": ("Merchant onboarding review", "商家入驻审核"),
    "admin.merchants.pending": ("Awaiting review ({count})", "待审核（{count}）"),
    "admin.merchants.none_pending": ("No application is waiting.", "暂无待审核的申请。"),
    "admin.merchants.all": ("All merchants", "全部商家"),
    "admin.merchants.status": ("Status", "状态"),
    "admin.merchants.any_status": ("Any status", "全部状态"),
    "admin.merchants.name": ("Merchant", "商家"),
    "admin.merchants.kind": ("Kind", "类型"),
    "admin.merchants.applied": ("Applied", "申请时间"),
    "admin.merchants.approved_at": ("Approved", "通过时间"),
    "admin.merchants.legal_name": ("Legal name", "企业名称"),
    "admin.merchants.owner": ("Applicant", "申请人"),
    "admin.merchants.contact": ("Contact", "联系方式"),
    "admin.merchants.place": ("Region", "地区"),
    "admin.merchants.currency": ("Currency", "币种"),
    "admin.merchants.reason": ("Last reason", "上次原因"),
    "admin.merchants.approve": ("Approve", "通过"),
    "admin.merchants.reject": ("Reject", "驳回"),
    "admin.merchants.reject_reason": ("Reason for a rejection", "驳回原因"),
    "admin.merchants.done.approve": (
        "{name} is approved and can sell now.", "{name} 已通过审核，可以开始销售。",
    ),
    "admin.merchants.done.reject": (
        "{name} was rejected; the reason is shown to them.", "已驳回 {name}，商家可看到驳回原因。",
    ),
    "admin.merchants.reason_required": ("Give a reason for the rejection.", "请填写驳回原因。"),
    "admin.merchants.illegal_merchant_transition": (
        "This merchant is no longer awaiting review.", "该商家已不在待审核状态。",
    ),
    "admin.merchants.standing_hint": (
        "Suspending an approved merchant hides its shop and products until it is reinstated.",
        "暂停已通过的商家后，其店铺和商品将被隐藏，直到恢复。",
    ),
    "admin.merchants.suspend_open": ("Suspend…", "暂停…"),
    "admin.merchants.suspend": ("Suspend", "暂停"),
    "admin.merchants.suspend_reason": (
        "Reason for suspending {name}", "暂停 {name} 的原因",
    ),
    "admin.merchants.reinstate_open": ("Reinstate…", "恢复…"),
    "admin.merchants.reinstate": ("Reinstate", "恢复"),
    "admin.merchants.reinstate_reason": (
        "Note on reinstating {name} (optional)", "恢复 {name} 的说明（可选）",
    ),
    "admin.merchants.done.suspend": (
        "{name} is suspended: its shop and products are hidden.",
        "{name} 已暂停：其店铺和商品已隐藏。",
    ),
    "admin.merchants.done.reinstate": (
        "{name} is reinstated and can sell again.", "{name} 已恢复，可以重新销售。",
    ),
    "admin.merchants.suspend_reason_required": (
        "Give a reason for the suspension. Nothing changed.", "请填写暂停原因。未做任何更改。",
    ),
    "admin.merchants.cannot.suspend": (
        "Only an approved merchant can be suspended; this one is now: {status}. Nothing changed.",
        "只有已通过的商家才能暂停；该商家当前状态：{status}。未做任何更改。",
    ),
    "admin.merchants.cannot.reinstate": (
        "Only a suspended merchant can be reinstated; this one is now: {status}. "
        "Nothing changed.",
        "只有已暂停的商家才能恢复；该商家当前状态：{status}。未做任何更改。",
    ),
    "admin.status.onboarding": ("Onboarding", "入驻中"),
    "admin.status.pending_review": ("Awaiting review", "待审核"),
    "admin.status.approved": ("Approved", "已通过"),
    "admin.status.rejected": ("Rejected", "已驳回"),
    "admin.status.suspended": ("Suspended", "已暂停"),
    "admin.kind.self_operated": ("Self-operated", "平台自营"),
    "admin.kind.third_party": ("Third-party", "第三方商家"),
    "admin.kind.supplier": ("Supplier", "供应商"),
    # categories
    "admin.categories.title": ("Category tree", "类目树"),
    "admin.categories.intro": (
        "Open a category to rename it, change its place among its siblings, deactivate it "
        "(its whole branch is hidden from the shop) or add a child; move a category, with "
        "its whole branch, under another parent.",
        "展开类目可修改名称、调整同级排序、停用（整个分支将在商城隐藏）或添加子类目；"
        "也可将类目连同整个分支移到另一个上级类目下。",
    ),
    "admin.categories.tree": ("Top-level categories ({count})", "一级类目（{count}）"),
    "admin.categories.add_root": ("Add a top-level category", "添加一级类目"),
    "admin.categories.add_child": ("Add a child category", "添加子类目"),
    "admin.categories.add": ("Add", "添加"),
    "admin.categories.edit": ("Edit {name}", "编辑 {name}"),
    "admin.categories.name_en": ("English name", "英文名称"),
    "admin.categories.name_zh": ("Chinese name", "中文名称"),
    "admin.categories.position": ("Position among siblings (0 = first)", "同级排序（0 为第一）"),
    "admin.categories.active": ("Active (shown in the shop)", "启用（在商城显示）"),
    "admin.categories.inactive": ("Inactive", "已停用"),
    "admin.categories.added": ("Added {name}.", "已添加 {name}。"),
    "admin.categories.saved": ("Saved {name}.", "已保存 {name}。"),
    "admin.categories.move_open": ("Move a category", "移动类目"),
    "admin.categories.move_what": ("Category to move", "要移动的类目"),
    "admin.categories.move_under": ("New parent", "新的上级类目"),
    "admin.categories.top_level": ("(Top level)", "（一级类目）"),
    "admin.categories.move_hint": (
        "Its subcategories move with it; it goes last among its new siblings.",
        "其子类目随之移动；移动后排在新同级类目的最后。",
    ),
    "admin.categories.move": ("Move", "移动"),
    "admin.categories.moved": ("Moved {name}.", "已移动 {name}。"),
    "admin.categories.category_cycle": (
        "A category cannot go under itself or one of its own subcategories. Nothing was moved.",
        "类目不能移到自身或其子类目之下。未做任何移动。",
    ),
    "admin.categories.category_too_deep": (
        "That would make the category tree too deep. Nothing was moved.",
        "移动后类目树层级过深。未做任何移动。",
    ),
    "admin.categories.unknown_category": (
        "That parent category no longer exists. Nothing was changed.",
        "该上级类目已不存在。未做任何更改。",
    ),
    "admin.categories.category_not_found": (
        "That category no longer exists. Nothing was changed.", "该类目已不存在。未做任何更改。",
    ),
    "admin.categories.invalid_category": (
        "Give a name in at least one language.", "请至少填写一种语言的名称。",
    ),
    "admin.categories.category_slug_taken": (
        "Another category already has that address.", "已有类目使用相同的地址。",
    ),
    # commissions
    "admin.commissions.title": ("Commission rules", "佣金规则"),
    "admin.commissions.intro": (
        "A merchant's rule wins, else the nearest category's, else the platform default; "
        "only rules in their effective period count. Commission = amount × rate, then raised "
        "to the floor and lowered to the cap in the order's currency.",
        "优先使用商家规则，其次最近的类目规则，最后是平台默认规则；仅生效期间内的规则有效。"
        "佣金 = 金额 × 费率，低于该币种最低佣金时按最低佣金、高于最高佣金时按最高佣金收取。",
    ),
    "admin.commissions.new": ("New rule", "新建规则"),
    "admin.commissions.scope": ("Applies to", "适用范围"),
    "admin.commissions.target": ("Category or merchant id", "类目或商家 ID"),
    "admin.commissions.target_hint": (
        "Empty for the platform default.", "平台默认规则请留空。",
    ),
    "admin.commissions.rate": ("Rate", "费率"),
    "admin.commissions.rate_col": ("Rate", "费率"),
    "admin.commissions.rate_hint": (
        "A fraction between 0 and 1, e.g. 0.05 for 5%.", "0 到 1 之间的小数，例如 0.05 表示 5%。",
    ),
    "admin.commissions.floors": ("Minimum commission per currency", "各币种最低佣金"),
    "admin.commissions.caps": ("Maximum per currency", "各币种最高佣金"),
    "admin.commissions.floor_suffix": ("minimum", "最低佣金"),
    "admin.commissions.caps_legend": (
        "Maximum commission per currency (optional)", "各币种最高佣金（可选）",
    ),
    "admin.commissions.cap_suffix": ("maximum", "最高佣金"),
    "admin.commissions.period_legend": ("Effective period (optional)", "生效期间（可选）"),
    "admin.commissions.valid_from": ("Valid from", "生效日期"),
    "admin.commissions.valid_until": ("Valid until", "失效日期"),
    "admin.commissions.period_hint": (
        "In UTC: the rule applies from the start of “valid from” until the start of “valid "
        "until” (that day is not included). Empty: no limit.",
        "按 UTC 计：规则自生效日期 0 时起适用，至失效日期 0 时止（不含失效当日）。留空表示不限。",
    ),
    "admin.commissions.note": ("Note", "备注"),
    "admin.commissions.create": ("Create rule", "创建规则"),
    "admin.commissions.rules": ("Rules in force or paused ({count})", "现有规则（{count}）"),
    "admin.commissions.period": ("Effective", "生效期间"),
    "admin.commissions.state": ("State", "状态"),
    "admin.commissions.always": ("Always", "长期有效"),
    "admin.commissions.active": ("Active", "启用"),
    "admin.commissions.inactive": ("Inactive", "已停用"),
    "admin.commissions.activate": ("Activate", "启用"),
    "admin.commissions.deactivate": ("Deactivate", "停用"),
    "admin.commissions.activate_rule": (
        "Activate the {scope} rule at {rate}", "启用 {scope} 规则（{rate}）",
    ),
    "admin.commissions.deactivate_rule": (
        "Deactivate the {scope} rule at {rate}", "停用 {scope} 规则（{rate}）",
    ),
    "admin.commissions.created": ("Rule created at {rate}.", "已创建费率为 {rate} 的规则。"),
    "admin.commissions.activated": ("The rule is active again.", "规则已重新启用。"),
    "admin.commissions.deactivated": ("The rule is deactivated.", "规则已停用。"),
    "admin.commissions.invalid_commission_rate": (
        "The rate must be a number between 0 and 1 with at most 4 decimals (0.05 = 5%). "
        "Nothing was saved.",
        "费率须为 0 到 1 之间、最多 4 位小数的数字（0.05 即 5%）。未保存任何内容。",
    ),
    "admin.commissions.invalid_commission_limit": (
        "A minimum or maximum commission must be zero or more, and a minimum may not exceed "
        "the maximum in its currency. Nothing was saved.",
        "最低佣金和最高佣金不能为负数，且同一币种的最低佣金不能高于最高佣金。未保存任何内容。",
    ),
    "admin.commissions.invalid_commission_scope": (
        "A platform rule names no target; a category or merchant rule needs its id. "
        "Nothing was saved.",
        "平台规则无需填写 ID；类目或商家规则必须填写对应 ID。未保存任何内容。",
    ),
    "admin.commissions.unknown_commission_scope": (
        "No such category or merchant. Nothing was saved.", "找不到该类目或商家。未保存任何内容。",
    ),
    "admin.commissions.invalid_money": (
        "A minimum or maximum commission is an amount such as 1.00. Nothing was saved.",
        "最低或最高佣金须为金额，例如 1.00。未保存任何内容。",
    ),
    "admin.commissions.money_precision": (
        "Too many decimals for that currency. Nothing was saved.",
        "金额小数位数超出该币种精度。未保存任何内容。",
    ),
    "admin.commissions.invalid_effective_period": (
        "The period must end after it starts (the “valid until” day comes after the “valid "
        "from” day). Nothing was saved.",
        "生效期间的结束须晚于开始（失效日期须在生效日期之后）。未保存任何内容。",
    ),
    "admin.scope.platform": ("Platform default", "平台默认"),
    "admin.scope.category": ("Category", "类目"),
    "admin.scope.merchant": ("Merchant", "商家"),
    # models
    "admin.models.title": ("Models in service", "在线模型"),
    "admin.models.intro": (
        "What this API worker serves now (as GET /api/v1/models reports it).",
        "当前 API 进程正在使用的模型（与 GET /api/v1/models 一致）。",
    ),
    "admin.models.load_error": (
        "The last reload failed; the previous versions serve:",
        "最近一次重新加载失败，仍使用之前的版本：",
    ),
    "admin.models.recs": ("Recommenders and search", "推荐与搜索模型"),
    "admin.models.surface": ("Serves", "用途"),
    "admin.models.model": ("Model", "模型"),
    "admin.models.version": ("Version", "版本"),
    "admin.models.loaded_at": ("Loaded", "加载时间"),
    "admin.models.registered": ("Registered version", "注册版本"),
    "admin.models.metric": ("Metric", "指标"),
    "admin.models.score": ("Score", "得分"),
    "admin.models.local": ("Local folder", "本地目录"),
    "admin.models.no_recs": ("No recommender is loaded.", "未加载任何推荐模型。"),
    "admin.models.synced": ("Last MLflow sync: {at} UTC", "最近一次 MLflow 同步：{at} UTC"),
    "admin.models.sync_off": (
        "The MLflow sync is off: the folder registry serves.",
        "MLflow 同步未开启：使用本地模型目录。",
    ),
    "admin.models.advice": (
        "Advice: forecasts and price suggestions",
        "经营建议：需求预测与价格建议",
    ),
    "admin.models.family": ("Family", "类别"),
    "admin.models.family.forecast": ("Demand forecast", "需求预测"),
    "admin.models.family.pricing": ("Price suggestions", "价格建议"),
    "admin.models.last_used": ("Last stored", "最近写入"),
    "admin.models.rows": ("Rows", "行数"),
    "admin.models.defaults": ("Library defaults", "默认参数"),
    "admin.models.no_advice": ("No advice has been stored yet.", "尚未生成经营建议。"),
    "admin.models.champions": ("Advice champions in MLflow", "MLflow 中的建议冠军模型"),
    "admin.models.in_use": ("Used by the advice", "已用于建议"),
    # health
    "admin.health.title": ("System health", "系统健康"),
    "admin.health.ready": ("Ready: every dependency answers.", "就绪：所有依赖均正常响应。"),
    "admin.health.unready": ("Not ready: a dependency is down.", "未就绪：有依赖不可用。"),
    "admin.health.checked": ("checked at {at} UTC", "检查时间 {at} UTC"),
    "admin.health.dependencies": ("Dependencies", "依赖"),
    "admin.health.check": ("Check", "检查项"),
    "admin.health.result": ("Result", "结果"),
    "admin.health.ok": ("OK", "正常"),
    "admin.health.dep.database": ("Database", "数据库"),
    "admin.health.dep.redis": ("Cache and event stream (Redis)", "缓存与事件流（Redis）"),
    "admin.health.not_configured": ("Not configured (embedded)", "未配置（嵌入式）"),
    "admin.health.models_loaded": ("Models loaded", "已加载模型"),
    "admin.health.surfaces": ("{count} surfaces", "{count} 个用途"),
    "admin.health.none_loaded": ("None: recommendations fall back", "无：推荐使用兜底策略"),
    "admin.health.jobs": ("Background jobs", "后台任务"),
    "admin.health.jobs_in_process": (
        "In this process, every {seconds} s",
        "在本进程运行，每 {seconds} 秒",
    ),
    "admin.health.jobs_worker": (
        "In a separate worker (agora orders work)", "由独立进程运行（agora orders work）",
    ),
    "admin.health.events": ("Event delivery", "事件投递"),
    "admin.health.unpublished": (
        "{count} events not yet relayed to the stream", "{count} 个事件尚未转发到事件流",
    ),
    "admin.health.oldest": ("the oldest waits {seconds} s", "最早的已等待 {seconds} 秒"),
    "admin.health.table_source": (
        "Without Redis, consumers read the outbox table directly.",
        "未配置 Redis：消费者直接读取 outbox 表。",
    ),
    "admin.health.groups": ("Consumer groups", "消费者组"),
    "admin.health.group": ("Consumer group", "消费者组"),
    "admin.health.behind": ("Events behind", "落后事件数"),
    "admin.health.updated": ("Last read", "最近读取"),
    "admin.health.no_groups": (
        "No consumer group has read the outbox table yet.", "尚无消费者组读取 outbox 表。",
    ),
    "admin.health.probes": ("Probes for the load balancer:", "负载均衡探针："),
}
# fmt: on
