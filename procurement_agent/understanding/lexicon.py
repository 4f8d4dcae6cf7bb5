"""Words the parser knows, in English and Chinese: specs, preferences, intent cues,
fillers, and the one longest-match table built from them (with the gazetteer).

Canonical values are English and language-neutral, so "不锈钢" and "stainless" are the
same spec. Every list is data; the rules that use them live in the extractors.
"""

from __future__ import annotations

from functools import cache

from procurement_agent.understanding.gazetteer import PLACE_NAMES
from procurement_agent.understanding.matcher import Entry, PhraseTable
from procurement_agent.understanding.model import Preference


def _pairs(kind: str, table: dict[str, str]) -> list[tuple[str, Entry]]:
    """``{"canonical": "surface|surface"}`` -> (surface, Entry(kind, canonical)) pairs."""
    return [
        (s, Entry(kind, value)) for value, surfaces in table.items() for s in surfaces.split("|")
    ]


MATERIALS: dict[str, str] = {
    "stainless steel": "stainless steel|stainless|ss|sus|inox|不锈钢",
    "carbon steel": "carbon steel|mild steel|碳钢|碳素钢",
    "alloy steel": "alloy steel|合金钢",
    "steel": "steel|钢制|钢质",
    "aluminium": "aluminium|aluminum|铝制|铝质",
    "aluminium alloy": "aluminium alloy|aluminum alloy|铝合金",
    "brass": "brass|黄铜", "copper": "copper|紫铜|纯铜|铜制|铜质", "bronze": "bronze|青铜",
    "iron": "iron|铁制|铁质", "cast iron": "cast iron|铸铁",
    "titanium": "titanium|钛合金", "zinc alloy": "zinc alloy|锌合金",
    "plastic": "plastic|塑料|塑胶", "nylon": "nylon|尼龙", "PVC": "pvc", "ABS": "abs",
    "PP": "pp|polypropylene", "PE": "pe|polyethylene|hdpe|ldpe", "PET": "pet", "PLA": "pla",
    "PU": "pu|polyurethane", "EVA": "eva", "acrylic": "acrylic|亚克力", "rubber": "rubber|橡胶",
    "silicone": "silicone|硅胶", "nitrile": "nitrile|丁腈", "latex": "latex|乳胶",
    "vinyl": "vinyl", "cotton": "cotton|纯棉|全棉|棉质", "polyester": "polyester|涤纶",
    "linen": "linen|亚麻", "wool": "wool|羊毛", "silk": "silk|真丝", "leather": "leather|真皮|皮革",
    "wood": "wood|wooden|solid wood|实木|木质|木制", "bamboo": "bamboo|竹制",
    "glass": "glass|玻璃", "ceramic": "ceramic|porcelain|陶瓷", "paper": "paper|纸质",
    "kraft paper": "kraft|kraft paper|牛皮纸", "cardboard": "cardboard|corrugated|瓦楞纸",
    "carbon fibre": "carbon fiber|carbon fibre|碳纤维",
    "fibreglass": "fiberglass|fibreglass|玻璃纤维",
    "marble": "marble|大理石", "galvanized": "galvanized|galvanised|hot dip galvanized|镀锌",
    "zinc plated": "zinc plated|zinc-plated|镀锌彩", "chrome plated": "chrome plated|镀铬",
    "nickel plated": "nickel plated|镀镍", "powder coated": "powder coated|喷塑",
    "anodized": "anodized|anodised|阳极氧化",
}  # fmt: skip

COLOURS: dict[str, str] = {
    "red": "red|红色", "blue": "blue|蓝色", "black": "black|黑色", "white": "white|白色",
    "green": "green|绿色", "yellow": "yellow|黄色", "grey": "grey|gray|灰色",
    "silver": "silver|银色", "gold": "golden|金色", "pink": "pink|粉色|粉红色",
    "orange": "橙色", "purple": "purple|紫色", "brown": "brown|棕色|咖啡色",
    "navy": "navy|navy blue|藏青色|藏蓝色", "beige": "beige|米色",
    "transparent": "transparent|透明",
}  # fmt: skip

STANDARDS: dict[str, str] = {
    "food grade": "food grade|food-grade|food safe|食品级",
    "medical grade": "medical grade|医用|医用级",
    "industrial grade": "industrial grade|工业级", "CE": "ce|ce certified|ce认证",
    "RoHS": "rohs", "FDA": "fda|fda approved", "FSC": "fsc", "UL": "ul listed",
    "waterproof": "waterproof|防水", "anti-static": "anti-static|antistatic|防静电",
    "flame retardant": "flame retardant|fire retardant|阻燃",
}  # fmt: skip

PREFERENCES: dict[str, str] = {
    Preference.CHEAPEST: (
        "cheapest|cheap|cheaper|lowest price|lowest prices|lowest cost|best price|best prices|"
        "least expensive|most affordable|lowest quote|lowest landed price|low price|"
        "最便宜|便宜|便宜点|便宜的|最低价|价格最低|低价|越便宜越好|价格越低越好|越低越好|最省钱"
    ),
    Preference.FASTEST: (
        "fastest|quickest|soonest|asap|as soon as possible|urgent|urgently|rush|express|"
        "fastest delivery|shortest lead time|quick delivery|fast delivery|fast|quickly|quick|"
        "最快|尽快|越快越好|加急|急需|急用|着急|马上|交期最短|最短交期|快点|最快的|急|紧急|急件"
    ),
    Preference.BEST_VALUE: (
        "best value|good value|great value|value for money|bang for the buck|"
        "bang for your buck|cost effective|cost-effective|best deal|"
        "性价比|性价比最高|性价比高|性价比高的|划算|最划算|实惠"
    ),
    Preference.VERIFIED_ONLY: (
        "verified|verified only|certified|audited|vetted|"
        "认证|已认证|认证的|认证过|认证过的|经过认证|验证过|有认证|正规"
    ),
    Preference.HIGHEST_RATED: (
        "highest rated|top rated|top-rated|best rated|best reviewed|best reviews|highest rating|"
        "most reliable|reliable|reputable|trusted|trustworthy|well rated|"
        "评分最高|评分高|评分高的|评价最好|口碑好|口碑最好|好评|信誉好|靠谱|靠谱点|靠谱的|可靠|评分好"
    ),
}

# Intent cues: each a kind "cue:<name>".
CUES: dict[str, str] = {
    "search": (
        "find|finding|search|search for|look for|looking for|look|source|sourcing|need|needs|"
        "needed|buy|buying|purchase|purchasing|procure|order|get|get me|want|wanna|require|"
        "quote|quotes|quotation|quotations|rfq|price|prices|pricing|compare|comparison|"
        "who sells|who has|who's got|who has got|got|sells|selling|restock|stock up|how much|"
        "price check|"
        "offers|deals|i'd like|"
        "we're after|i'm after|"
        "找|找一下|搜|搜索|查找|寻找|采购|买|购买|需要|需|要|订|订购|进货|求购|报价|比价|询价|"
        "比较|对比|货源|有没有|卖|多少钱|做|生产|想买|想要"
    ),
    "supplier": (
        "supplier|suppliers|vendor|vendors|seller|sellers|manufacturer|manufacturers|factory|"
        "factories|maker|makers|company|wholesaler|wholesalers|distributor|distributors|"
        "供应商|厂家|厂商|商家|卖家|工厂|公司|批发商|供货商"
    ),
    "confirm": (
        "yes|yeah|yep|yup|sure|ok|okay|confirm|confirmed|go ahead|place it|place the order|"
        "place order|place my order|place an order|submit|submit it|proceed|do it|sounds good|"
        "looks good|lgtm|approve|approved|that's fine|fine|perfect|great|agreed|buy it|order it|"
        "confirm the order|confirm order|submit the order|submit order|that's right|"
        "确认|确定|下单|确认下单|好|好的|好吧|行|可以|是|是的|对|对的|没问题|就这个|就这样|提交|"
        "提交订单|成交|同意|嗯|嗯嗯|买吧|不错"
    ),
    "reject": (
        "no|nope|nah|cancel|don't|do not|dont|stop|never mind|nevermind|forget it|not now|abort|"
        "discard|scrap|no thanks|not interested|"
        "不|不要|不用|不用了|不要了|算了|取消|不行|别|先不|不买了|放弃|拒绝|不需要|不了"
    ),
    "edit": (
        "change|changed|make it|make that|make them|switch|switch to|swap|use|instead|update|"
        "modify|actually|increase|decrease|reduce|raise|bump|lower|push|move|let's do|"
        "lets do|rather|replace|edit|adjust|correct|"
        "改|改成|改为|改到|换|换成|换到|变成|调整|修改|加到|增加到|减到|减少到|再加|不是|还是|"
        "调到|提前到|推迟到|延后到|用"
    ),
    "status": (
        "where is my order|where's my order|where is my|where's my|order status|status of my order|"
        "where is the order|where's the order|any update|update on my|my shipment|shipment|"
        "order update|delivery update|"
        "track|tracking|shipped|shipped yet|arrive|arrived|arriving|eta|delivery status|"
        "when will|has my|my order|my po|my purchase order|my delivery|my last purchase order|"
        "订单|我的订单|订单状态|到哪|到哪了|到哪里|到哪儿|物流|快递|发货了吗|发了吗|什么时候发货|"
        "什么时候到|到货了吗|查订单|我的货|运单|单号|发货了没有|发货了没|发了没有|发了没|到了没有|"
        "下的单|下的订单|单子"
    ),
    "details": (
        "tell me about|tell me more|more about|more info|details|detail|details on|info|"
        "information|who is|who are|what about|rating|ratings|reviews|review|certifications|"
        "certificates|background|"
        "介绍|介绍一下|信息|详情|详细|怎么样|资质|评分|评价|靠谱吗|可靠吗|说说|了解|情况|背景|认证吗"
    ),
    "select": (
        "take|pick|choose|select|go with|prefer|i'll take|let's go with|i'll go with|"
        "选|选择|就要|就选"
    ),
    "greeting": (
        "hi|hello|hey|hiya|good morning|good afternoon|good evening|help|what can you do|"
        "how does this work|how do i use|how to use|thanks|thank you|thx|cheers|how do i order|"
        "how to order|怎么下单|如何下单|"
        "你好|您好|嗨|哈喽|在吗|在不在|帮助|怎么用|如何使用|你能做什么|你会什么|能做什么|谢谢|"
        "多谢|早上好|下午好|晚上好"
    ),
    "refnoun": "one|option|choice|那个|那家|那款|这个|这家|的那个|的那家",
    "limit": (
        "不超过|不要超过|不能超过|别超过|最多|控制在|不高于|低于|少于|以内|以下|之内|上限|"
        "under|below|less than|no more than|not more than|not exceeding|not to exceed|at most|"
        "up to|max|maximum|budget|预算"
    ),
}

# Off-topic requests. "strong": the request itself is off topic, whatever it mentions ("a
# poem about bolts"); "weak": a subject that a real purchase may mention ("LED lights for a
# hotel", "我们酒店要采购..."), off topic only when nothing is being bought.
TOPICS = {
    "strong": "joke|jokes|poem|poetry|story|song|horoscope|笑话|诗|故事|唱歌|歌",
    "weak": (
        "weather|flight|flights|hotel|movie|football|soccer|basketball|game|stock market|stocks|"
        "news|recipe|capital of|who won|president|天气|机票|航班|酒店|电影|足球|篮球|比赛|股市|"
        "股票|新闻|菜谱"
    ),
}

FILLERS = (
    "some|any|a few|a couple|bunch|lots|stuff|something|anything|things|items|products|goods|"
    "一下|一些|一批|一点|一起|统一|一家|一下子|东西|货|商品|产品|一定|一般|一样|一直|万一|千万|"
    "帮我|给我|请|麻烦|我们|我|你|您|一下吧|主要|重要|只要|要求|也要|最好|就是|但是|可是|只是|"
    "是不是|对于|针对|不同|不少|不太|不会|不能|不够|不然|特别|别的|区别|类别|时间|日期|地址|"
    "交期|现在|状态|送货地址|交货时间|交货期|到货时间|收货地址|先|几家|几个|多家|哪家|哪些|哪个|"
    "这些|那些|多久|多少|多长时间|如何|上周|上个月|上次|last week|last month"
)

# Words that hold characters a shorter cue would take ("用" in 办公用品, "行" in 行李箱,
# "不" in 不粘锅): matched to protect them, then left to the product phrase.
KEEP = (
    "用品|家具|家用|家电|商用|民用|工业用|行李|行李箱|银行|行业|进行|执行|不粘|不干胶|做工|"
    "好用|对讲机|别针"
)


@cache
def lexicon() -> PhraseTable:
    """The one phrase table: specs, preferences, cues, topics, fillers and places."""
    pairs: list[tuple[str, Entry]] = []
    pairs += _pairs("material", MATERIALS)
    pairs += _pairs("colour", COLOURS)
    pairs += _pairs("standard", STANDARDS)
    pairs += _pairs("pref", {str(k): v for k, v in PREFERENCES.items()})
    pairs += [(s, Entry(f"cue:{name}", s)) for name, text in CUES.items() for s in text.split("|")]
    pairs += [(s, Entry("topic", k)) for k, text in TOPICS.items() for s in text.split("|")]
    pairs += [(s, Entry("filler", s)) for s in FILLERS.split("|")]
    pairs += [(s, Entry("keep", s)) for s in KEEP.split("|")]
    pairs += [(surface, Entry("place", key)) for surface, key in PLACE_NAMES]
    return PhraseTable(pairs)


def known_latin_words(*, repairable: bool = False) -> frozenset[str]:
    """Every latin word of the table; with ``repairable``, only those a typo may be repaired
    into: not off-topic words, which sit one letter from products ("lights", "flights")."""
    skip = {"topic"} if repairable else set()
    return frozenset(
        w for key, entries in lexicon().latin.items()
        if not all(e.kind in skip for e in entries) for w in key
    )  # fmt: skip
